"""The bot's shaping overrides: served as TOML in tsa-daemon's layout, loaded by the
simulated kumod before TSA's file, so TSA's throttle outranks them until it ends."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from bot import bootstrap
from bot.bootstrap_demo import Demo, build_demo
from bot.core.answers_guard import GuardAnswer
from bot.core.audit import Actor
from bot.services import RequestContext
from bot.use_cases import guarded

IP1 = "ip-1->(mta5|mta6|mta7).am0.yahoodns.net@smtp_client"


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    opened = build_demo("yahoo-tss04", workdir=tmp_path)
    yield opened
    opened.close()


def test_an_approved_override_is_served_and_the_simulator_obeys_it_once_tsa_lets_go(
        demo: Demo) -> None:
    services = demo.local.services
    request = services.handle("shaping set yahoo.com max_message_rate=30/min --source ip-1 "
                              "--for 2h", RequestContext(actor=Actor(id="U0ALICE"),
                                                         transport="test"))
    assert isinstance(request, GuardAnswer) and request.override_required
    done = guarded.press(services, request.request_id, by=Actor(id="U0BOB"), what="agree",
                         override_reason="Yahoo postmaster confirmed the block was lifted")
    assert done.state == "done"

    server = bootstrap.serve_overrides("127.0.0.1:0", demo.storage, clock=services.clock)
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/shaping/overrides.toml"
        text = httpx.get(url, timeout=5).text
    finally:
        server.shutdown()
    assert tomllib.loads(text) == {"yahoo.com": {"mx_rollup": False, "sources": {
        "ip-1": {"max_message_rate": "30/min"}}}}

    assert demo.park.load_shaping_overrides(text) == 1
    throttled = demo.park.path_limits("mta1", IP1)
    assert throttled.max_message_rate == "1/minute"  # TSA wins
    demo.park.advance(timedelta(hours=1))  # TSA's throttle has ended; the bot's has not
    assert demo.park.path_limits("mta1", IP1).max_message_rate == "30/min"


GMAIL_IP1 = "ip-1->(alt1|alt2|alt3|alt4)?.gmail-smtp-in.l.google.com@smtp_client"


def test_the_demo_kumods_reload_the_served_overrides_by_themselves(tmp_path: Path) -> None:
    demo = build_demo("healthy", workdir=tmp_path)
    try:
        services = demo.local.services
        before = demo.park.path_limits("mta1", GMAIL_IP1).connection_limit
        request = services.handle("shaping set gmail.com connection_limit=1 --source ip-1 "
                                  "--for 1h", RequestContext(actor=Actor(id="U0ALICE"),
                                                             transport="test"))
        assert isinstance(request, GuardAnswer) and request.decision == "confirm"
        guarded.press(services, request.request_id, by=Actor(id="U0ALICE"), what="agree")
        demo.advance(timedelta(minutes=1))  # kumod's next reload of the extra file
        assert before != 1
        assert demo.park.path_limits("mta1", GMAIL_IP1).connection_limit == 1
        demo.advance(timedelta(minutes=61))  # the override expired: the file no longer has it
        assert demo.park.path_limits("mta1", GMAIL_IP1).connection_limit == before
    finally:
        demo.close()
