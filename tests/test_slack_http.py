"""HTTP mode: signed slash commands over real HTTP, acked at once, answered in the channel."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx
import pytest
from slack_bolt import BoltRequest

from bot.adapters.audit_memory import InMemoryAuditLog
from bot.adapters.slack.app import SlackBot, make_web_client
from bot.adapters.slack.emulator import SlackEmulator
from bot.adapters.slack.web import build_wsgi_app
from bot.core.models import MetricSample
from bot.services import ServiceConfig, Services
from tests.fakes import YAHOO_MX, FakeMta, FakePark, FakeResolver, FixedClock
from tests.slack_helpers import SECRET, form, signed_headers, slash_body

PATH = "ip-1->(mta5|mta6|mta7).am0.yahoodns.net@smtp_client"


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # stdlib's name
        pass


@pytest.fixture
def emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emu:
        yield emu


def _bot(emulator: SlackEmulator, audit: InMemoryAuditLog,
         gate: threading.Event | None = None) -> SlackBot:
    node = FakeMta(name="mta1", gate=gate, samples=[
        MetricSample("ready_count", {"service": f"smtp_client:{PATH}"}, 3),
        MetricSample("scheduled_count", {"queue": "yahoo.com"}, 28140),
    ])
    services = Services(park=FakePark([node], timeout=30),
                        resolver=FakeResolver({"yahoo.com": YAHOO_MX}),
                        audit=audit, clock=FixedClock(), config=ServiceConfig(log_dirs={}))
    return SlackBot(services, client=make_web_client("xoxb-test", emulator.api_url),
                    signing_secret=SECRET)


@pytest.fixture
def gate() -> threading.Event:
    return threading.Event()


@pytest.fixture
def served(emulator: SlackEmulator, gate: threading.Event
           ) -> Iterator[tuple[str, SlackBot, InMemoryAuditLog]]:
    audit = InMemoryAuditLog()
    bot = _bot(emulator, audit, gate)
    server = make_server("127.0.0.1", 0, build_wsgi_app(bot), server_class=_ThreadingWSGIServer,
                         handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", bot, audit
    gate.set()
    server.shutdown()
    bot.pool.shutdown()


def test_signed_command_is_acked_before_the_park_answers_then_posted(
    served: tuple[str, SlackBot, InMemoryAuditLog], emulator: SlackEmulator, gate: threading.Event
) -> None:
    url, bot, audit = served
    raw = form(slash_body("queue yahoo.com",
                          response_url=emulator.new_response_url("C0INCIDENT", "U0ALICE")))
    # The park cannot answer until the gate opens, and the gate opens only after the ack
    # arrives: an ack that waited for the park would time out here.
    response = httpx.post(f"{url}/slack/events", content=raw, headers=signed_headers(raw),
                          timeout=5)
    assert response.status_code == 200
    assert "Working on" in response.text
    assert emulator.messages("C0INCIDENT") == []
    gate.set()
    assert bot.pool.wait_idle(timeout=10)
    (message,) = emulator.messages("C0INCIDENT")
    assert "28,140" in str(message.blocks)
    assert "<@U0ALICE> asked" in str(message.blocks)
    assert audit.recent()[0].transport == "slack-http"


@pytest.mark.parametrize("case", ["bad", "stale", "missing"])
def test_a_bad_or_stale_signature_gets_401_and_nothing_runs(
    served: tuple[str, SlackBot, InMemoryAuditLog], emulator: SlackEmulator, case: str
) -> None:
    url, bot, audit = served
    raw = form(slash_body("queue yahoo.com",
                          response_url=emulator.new_response_url("C0INCIDENT", "U0ALICE")))
    headers = {
        "bad": signed_headers(raw, secret="not-the-secret"),
        "stale": signed_headers(raw, timestamp=int(time.time()) - 600),
        "missing": {"Content-Type": "application/x-www-form-urlencoded"},
    }[case]
    response = httpx.post(f"{url}/slack/events", content=raw, headers=headers)
    assert response.status_code == 401
    bot.pool.wait_idle(timeout=5)
    assert emulator.messages("C0INCIDENT") == []
    assert audit.recent() == []


def test_a_tampered_body_fails_the_signature(
    served: tuple[str, SlackBot, InMemoryAuditLog], emulator: SlackEmulator
) -> None:
    url, _, _ = served
    raw = form(slash_body("queue yahoo.com", response_url="http://127.0.0.1:9/x"))
    headers = signed_headers(raw)
    response = httpx.post(f"{url}/slack/events", content=raw.replace("yahoo", "gmail"),
                          headers=headers)
    assert response.status_code == 401


def test_healthz_answers_without_slack(served: tuple[str, SlackBot, InMemoryAuditLog]) -> None:
    url, _, _ = served
    response = httpx.get(f"{url}/healthz")
    assert response.status_code == 200 and response.text == "ok\n"


def test_when_the_bot_is_not_in_the_channel_it_answers_via_response_url(
    emulator: SlackEmulator,
) -> None:
    emulator.add_channel("C0PRIVATE", "secret-ops", is_private=True, bot_is_member=False,
                         members=("U0ALICE",))
    audit = InMemoryAuditLog()
    bot = _bot(emulator, audit)
    raw = form(slash_body("queue yahoo.com", channel="C0PRIVATE",
                          response_url=emulator.new_response_url("C0PRIVATE", "U0ALICE")))
    response = bot.app.dispatch(BoltRequest(body=raw, headers={
        k.lower(): v for k, v in signed_headers(raw).items()}))
    assert response.status == 200
    assert bot.pool.wait_idle(timeout=10)
    messages = emulator.messages("C0PRIVATE")
    assert len(messages) == 1 and messages[0].source == "response_url"
    assert "28,140" in str(messages[0].blocks)
    bot.pool.shutdown()
