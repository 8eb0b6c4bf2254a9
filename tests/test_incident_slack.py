"""``incident start --channel`` through a signed Slack request over HTTP, the local Slack
emulator, the simulator and SQLite: the channel is made, the requester invited, the card
posted there, and the channel recorded on the incident.  Also: TSA notices reach the
channels of open incidents on the domain."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx
import pytest

from bot.adapters.slack.app import SlackBot, make_web_client
from bot.adapters.slack.emulator import SlackEmulator
from bot.adapters.slack.emulator_mrkdwn import render_mrkdwn
from bot.adapters.slack.terminal import Terminal
from bot.adapters.slack.text import escape
from bot.adapters.slack.web import build_wsgi_app
from bot.bootstrap_demo import Demo, build_demo
from bot.core.tsa_history import DiaryEntry
from bot.use_cases.incidents import open_incident_channels
from bot.use_cases.tsa_notices import TsaNotifier
from tests.fakes import FixedClock
from tests.slack_helpers import SECRET, form, signed_headers, slash_body

START = 'incident start "Yahoo deferrals" --domain yahoo.com --channel'
NAME = "inc-{day}-1-yahoo-deferrals"


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # stdlib's name
        pass


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    opened = build_demo("yahoo-tss04", workdir=tmp_path)
    yield opened
    opened.close()


@pytest.fixture
def served(demo: Demo) -> Iterator[tuple[str, SlackBot, SlackEmulator]]:
    emulator = demo.local.emulator
    bot = SlackBot(demo.local.services, client=make_web_client("xoxb-test", emulator.api_url),
                   signing_secret=SECRET, keys=demo.storage.keys)
    server = make_server("127.0.0.1", 0, build_wsgi_app(bot), server_class=_ThreadingWSGIServer,
                         handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", bot, emulator
    server.shutdown()
    bot.pool.wait_idle(timeout=60)
    bot.pool.shutdown()


def post(url: str, bot: SlackBot, emulator: SlackEmulator, text: str) -> None:
    raw = form(slash_body(text, response_url=emulator.new_response_url("C0INCIDENT", "U0ALICE")))
    response = httpx.post(f"{url}/slack/events", content=raw, headers=signed_headers(raw),
                          timeout=5)
    assert response.status_code == 200
    bot.pool.wait_idle(timeout=120)


def test_start_with_channel_makes_it_invites_the_requester_and_posts_the_card_there(
        served: tuple[str, SlackBot, SlackEmulator], demo: Demo) -> None:
    url, bot, emulator = served
    post(url, bot, emulator, START)
    incident = demo.local.services.incidents.recent()[0]  # type: ignore[union-attr]
    made = emulator.channel(NAME.format(day=f"{incident.opened_at:%Y%m%d}"))
    assert made is not None and "U0ALICE" in made.members
    assert incident.channel == made.id  # recorded on the incident
    card = str(emulator.messages(made.id)[-1].blocks)
    assert "Incident started" in card and incident.id in card and "Yahoo deferrals" in card
    said_here = str(emulator.messages("C0INCIDENT")[-1].blocks)
    assert incident.id in said_here and f"<#{made.id}>" in said_here
    # Commands typed in the new channel are filed under the incident.
    raw = form(slash_body("queue yahoo.com", channel=made.id,
                          response_url=emulator.new_response_url(made.id, "U0ALICE")))
    httpx.post(f"{url}/slack/events", content=raw, headers=signed_headers(raw), timeout=5)
    bot.pool.wait_idle(timeout=120)
    filed = demo.storage.audit.recent(limit=20, incident_id=incident.id)
    assert [e.command_text for e in filed if e.phase == "command"] == ["queue yahoo.com", START]


def test_a_taken_name_gets_a_suffix_and_a_refusal_is_said_on_the_card(
        served: tuple[str, SlackBot, SlackEmulator], demo: Demo) -> None:
    url, bot, emulator = served
    day = f"{demo.local.services.clock.now():%Y%m%d}"
    emulator.add_channel("C0TAKEN", NAME.format(day=day))
    post(url, bot, emulator, START)
    second = emulator.channel(NAME.format(day=day) + "-2")
    assert second is not None and "U0ALICE" in second.members
    # Every candidate name of the second incident is taken: it stays open, without a channel.
    base = f"inc-{day}-2-gmail"
    for name in (base, *(f"{base}-{n}" for n in range(2, 6))):
        emulator.add_channel(f"C0{len(name)}{name[-1].upper()}X", name)
    post(url, bot, emulator, 'incident start "Gmail" --domain gmail.com --channel')
    said = str(emulator.messages("C0INCIDENT")[-1].blocks)
    assert "The incident channel could not be made" in said and "name_taken" in said
    assert "--incident INC-" in said
    incident = demo.local.services.incidents.get(f"INC-{day}-2")  # type: ignore[union-attr]
    assert incident is not None and incident.channel is None and incident.status == "open"


class _Poster:
    def __init__(self) -> None:
        self.posted: list[tuple[str, str]] = []

    def post(self, channel: str, text: str) -> bool:
        self.posted.append((channel, text))
        return True


class _Claims:
    def claim_notice(self, entry_id: int, *, worker: str, at: object) -> bool:
        return True


def test_tsa_notices_also_go_to_the_channels_of_open_incidents_on_the_domain(
        demo: Demo) -> None:
    services = demo.local.services
    store = services.incidents
    assert store is not None
    from bot.core.audit import Actor
    from bot.services import RequestContext

    def start(text: str, channel: str) -> None:
        services.handle(text, RequestContext(actor=Actor(id="U0ALICE"), transport="test",
                                             channel=channel))

    start('incident start "Yahoo" --domain yahoo.com', "C0YAHOO")
    start('incident start "Gmail" --domain gmail.com', "C0GMAIL")
    start('incident start "Yahoo too" --domain yahoo.com', "C0DONE")
    services.handle("incident resolve", RequestContext(actor=Actor(id="U0ALICE"),
                                                       transport="test", channel="C0DONE"))
    channels = open_incident_channels(store)
    assert channels("yahoo.com") == ["C0YAHOO"] and channels("hotmail.com") == []
    now = services.clock.now()
    poster = _Poster()
    notifier = TsaNotifier(claims=_Claims(), poster=poster, clock=FixedClock(now),
                           channels=("C0NOTICES",), worker="test", escape=escape,
                           incidents=channels)
    notifier([DiaryEntry(id=1, tsa="tsa1", kind="suspend", rule="\\[TSS04\\]",
                         reason="automation rule: \\[TSS04\\]", domain="yahoo.com",
                         first_seen=now, first_expires=now + timedelta(hours=2),
                         expires=now + timedelta(hours=2))])
    assert [channel for channel, _ in poster.posted] == ["C0NOTICES", "C0YAHOO"]


def test_a_channel_link_shows_the_channels_name_as_slack_shows_it() -> None:
    names = {"C000000001": "inc-20261129-1-yahoo-deferrals"}
    shown = render_mrkdwn("channel: <#C000000001> · <#C0OTHER> · <#C0X|named>", names)
    assert shown == "channel: #inc-20261129-1-yahoo-deferrals · #C0OTHER · #named"
    assert render_mrkdwn("<#C000000001>") == "#C000000001"  # no names known: the id


def test_the_terminal_shows_the_incident_card_with_its_channels_name(demo: Demo) -> None:
    printed = io.StringIO()
    term = Terminal(demo.local.bot, demo.local.emulator, users=demo.local.users, out=printed)
    term.handle(f"/kumo {START}")
    term.wait_quiet()
    incident = demo.local.services.incidents.recent()[0]  # type: ignore[union-attr]
    name = NAME.format(day=f"{incident.opened_at:%Y%m%d}")
    out = printed.getvalue()
    assert f"channel: #{name}" in out and f"#{incident.channel}" not in out
