"""Wherever holds are shown, a TSA hold names the shaping rule behind it and what cancelling does."""

from __future__ import annotations

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
from bot.adapters.slack.views import build_answer_message
from bot.adapters.slack.web import build_wsgi_app
from bot.core.answers_park import HoldsAnswer, QueueAnswer, TsaAnswer
from bot.core.models import MetricSample, ReadyQSuspendEntry
from tests.explain_helpers import TSS04, ask, services
from tests.fakes import FakeMta, FakeTsa
from tests.slack_helpers import SECRET, form, signed_headers, slash_body

PATH = "ip-1->(mta5|mta6|mta7).am0.yahoodns.net@smtp_client"


def node(reason: str = "automation rule: \\[TS?S04\\] (rule_hash=0ab1)") -> FakeMta:
    return FakeMta(
        name="mta1",
        samples=[MetricSample("ready_count", {"service": f"smtp_client:{PATH}"}, 0)],
        ready_suspends=[ReadyQSuspendEntry(id="u-1", name=PATH, reason=reason,
                                           remaining=timedelta(minutes=47))],
    )


def text_of(answer: object) -> str:
    message = build_answer_message(answer, asked_by="U0ALICE", text="x")  # type: ignore[arg-type]
    return str(message.blocks)


def test_holds_name_the_yahoo_rule_of_the_default_file_and_the_cancel_story() -> None:
    answer = ask(services(nodes=[node()], tsas=[FakeTsa()]), "holds yahoo.com")
    assert isinstance(answer, HoldsAnswer)
    (hold,) = answer.holds
    origin = answer.tsa_origins[hold.hold_id]
    assert origin.found
    assert origin.summary == ('provider "yahoo" rule 1 in shaping.toml: Suspend for 2 hours, '
                              "on every matching reply")
    assert "starts a fresh 2 hours" in origin.on_cancel and "47m" in origin.on_cancel
    text = text_of(answer)
    assert "by TSA rule `\\\\[TS?S04\\\\]`: provider" in text
    assert "If cancelled on kumod, the path resumes sending at once" in text


def test_the_tsa_and_queue_answers_carry_the_same_origin() -> None:
    svc = services(nodes=[node()], tsas=[FakeTsa()])
    tsa = ask(svc, "tsa yahoo.com")
    assert isinstance(tsa, TsaAnswer) and len(tsa.tsa_origins) == 1
    queue = ask(svc, "queue yahoo.com")
    assert isinstance(queue, QueueAnswer) and len(queue.tsa_origins) == 1
    assert 'provider "yahoo" rule 1 in shaping.toml' in text_of(queue)


def test_a_rule_the_loaded_files_do_not_have_is_said_plainly() -> None:
    answer = ask(services(nodes=[node("automation rule: nothing-like-this (rule_hash=9)")]),
                 "holds yahoo.com")
    assert isinstance(answer, HoldsAnswer)
    (origin,) = answer.tsa_origins.values()
    assert not origin.found and "no rule with this regex" in origin.summary


def test_a_broken_shaping_file_does_not_take_the_hold_list_down(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[[default.automation]\n")
    answer = ask(services(files=[broken], nodes=[node()]), "holds yahoo.com")
    assert isinstance(answer, HoldsAnswer) and len(answer.holds) == 1
    assert answer.tsa_origins == {}
    assert "cancelling it on kumod does not stop TSA" in text_of(answer)


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # stdlib's name
        pass


@pytest.fixture
def served() -> Iterator[tuple[str, SlackBot, SlackEmulator]]:
    with SlackEmulator() as emulator:
        bot = SlackBot(services(), client=make_web_client("xoxb-test", emulator.api_url),
                       signing_secret=SECRET)
        server = make_server("127.0.0.1", 0, build_wsgi_app(bot),
                             server_class=_ThreadingWSGIServer, handler_class=_Quiet)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}", bot, emulator
        finally:
            server.shutdown()
            bot.pool.shutdown()


def test_a_signed_slash_command_explains_a_reply_in_the_channel(
    served: tuple[str, SlackBot, SlackEmulator]
) -> None:
    url, bot, emulator = served
    # What Slack really sends: curly quotes from the client, `<` `>` HTML-escaped.
    typed = f"explain “{TSS04} &lt;!channel&gt;” --domain yahoo.com"
    raw = form(slash_body(typed, response_url=emulator.new_response_url("C0INCIDENT",
                                                                         "U0ALICE")))
    response = httpx.post(f"{url}/slack/events", content=raw, headers=signed_headers(raw),
                          timeout=5)
    assert response.status_code == 200
    assert bot.pool.wait_idle(timeout=10)
    (message,) = emulator.messages("C0INCIDENT")
    blocks = str(message.blocks)
    assert "TSA rules that fire on it for yahoo.com" in blocks
    assert "provider \"yahoo\"" in blocks and "SetConfig connection_limit=1" in blocks
    assert "<!channel>" not in blocks and "&lt;!channel&gt;" in blocks
