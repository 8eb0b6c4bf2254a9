"""``/kumo audit``: the record read back, newest first, filtered, escaped."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_bolt import BoltRequest

from bot.adapters.audit_memory import InMemoryAuditLog
from bot.adapters.slack.app import SlackBot, make_web_client
from bot.adapters.slack.emulator import SlackEmulator
from bot.adapters.slack.views import build_answer_message
from bot.adapters.storage import Storage, open_storage
from bot.core.answers import ErrorAnswer
from bot.core.answers_audit import AuditAnswer
from bot.core.audit import Actor, AuditEvent
from bot.core.commands import Audit, parse
from bot.core.errors import StorageError, UserInputError
from bot.core.models import MetricSample
from bot.services import RequestContext, ServiceConfig, Services
from tests.fakes import YAHOO_MX, FakeMta, FakePark, FakeResolver, FixedClock
from tests.slack_helpers import SECRET, form, signed_headers, slash_body

ALICE = RequestContext(actor=Actor(id="U0ALICE", name="alice"), transport="terminal",
                       channel="C0INCIDENT")
BOB = RequestContext(actor=Actor(id="U0BOB", name="bob"), transport="slack-http",
                     channel="C0INCIDENT")
NODE = FakeMta(name="mta1", samples=[MetricSample("scheduled_count", {"queue": "yahoo.com"}, 5)])


def _services(audit: Any, clock: FixedClock | None = None) -> Services:
    return Services(park=FakePark([NODE]), resolver=FakeResolver({"yahoo.com": YAHOO_MX}),
                    audit=audit, clock=clock or FixedClock(), config=ServiceConfig(log_dirs={}))


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[Storage]:
    opened = open_storage(f"sqlite:///{tmp_path / 'kumo.sqlite3'}",
                          key=b"audit-command-test-key-012345678", clock=FixedClock())
    yield opened
    opened.close()


# -- grammar ------------------------------------------------------------------------------


def test_audit_parses_every_flag() -> None:
    assert parse("audit --user bob --since 2h --incident INC-7 --limit 5") == Audit(
        user="bob", since=timedelta(hours=2), incident="INC-7", limit=5)
    assert parse("audit") == Audit()


@pytest.mark.parametrize(("text", "says"), [
    ("audit --limit 0", "from 1 to 1000"),
    ("audit --limit 5000", "from 1 to 1000"),
    ("audit --since soon", "not a duration"),
    ("audit --since -2h", "negative"),
    ("audit --user", "needs a value"),
    ("audit --incident 'no spaces'", "not a valid name"),
    ("audit everything", "takes no arguments"),
    ("audit --usr bob", "Did you mean `--user`?"),
])
def test_bad_audit_requests_get_a_clear_error(text: str, says: str) -> None:
    with pytest.raises(UserInputError) as raised:
        parse(text)
    assert says in str(raised.value)


# -- the use case ------------------------------------------------------------------------


def test_audit_lists_earlier_commands_newest_first_with_what_the_design_asks(
    storage: Storage,
) -> None:
    svc = _services(storage.audit)
    svc.handle("queue yahoo.com", ALICE)
    svc.handle("qeueu", BOB)
    answer = svc.handle("audit", ALICE)
    assert isinstance(answer, AuditAnswer) and answer.recorded
    first, second = answer.events
    assert (first.command_text, first.outcome, first.actor.id) == ("qeueu", "rejected-input",
                                                                    "U0BOB")
    assert (second.command_text, second.outcome, second.nodes) == ("queue yahoo.com", "ok",
                                                                   ["mta1"])
    assert svc.handle("audit", ALICE).events[0].command_text == "audit"  # itself, next time


def test_audit_filters_by_person_mention_name_time_incident_and_limit(storage: Storage) -> None:
    clock = FixedClock()
    svc = _services(storage.audit, clock)
    svc.handle("health", ALICE)
    clock.advance(timedelta(hours=3))
    svc.handle("health --incident INC-1", BOB)
    svc.handle("doctor", BOB)

    def listed(text: str) -> list[str]:
        answer = svc.handle(text, ALICE)
        assert isinstance(answer, AuditAnswer), answer
        return [e.command_text for e in answer.events]

    assert listed("audit --user <@U0BOB>") == ["doctor", "health --incident INC-1"]
    assert listed("audit --user @Bob") == ["doctor", "health --incident INC-1"]
    assert listed("audit --user U0ALICE --limit 1") == ["audit --user @Bob"]
    assert listed("audit --since 1h --user bob") == ["doctor", "health --incident INC-1"]
    assert listed("audit --incident INC-1") == ["health --incident INC-1"]
    more = svc.handle("audit --limit 2", ALICE)
    assert isinstance(more, AuditAnswer) and more.more and len(more.events) == 2


def test_audit_says_so_when_the_record_cannot_be_read() -> None:
    class UnreadableLog(InMemoryAuditLog):
        def recent(self, **_: Any) -> list[AuditEvent]:
            raise StorageError("The audit log could not be read: OperationalError.")

    answer = _services(UnreadableLog()).handle("audit", ALICE)
    assert isinstance(answer, ErrorAnswer) and "could not be read" in answer.message


# -- the view ----------------------------------------------------------------------------


def test_the_view_shows_time_actor_transport_command_outcome_nodes_and_duration() -> None:
    audit = InMemoryAuditLog()
    svc = _services(audit)
    svc.handle("queue yahoo.com --incident INC-9", ALICE)
    answer = svc.handle("audit", BOB)
    blocks = str(build_answer_message(answer, asked_by="U0BOB", text="audit").blocks)
    assert "2026-11-29 12:00:00Z" in blocks
    assert "alice (`U0ALICE`)" in blocks and "terminal" in blocks
    assert "`/kumo queue yahoo.com --incident INC-9`" in blocks
    assert ":white_check_mark: ok" in blocks and "mta1" in blocks and " ms" in blocks
    assert "incident `INC-9`" in blocks


def test_untrusted_text_in_the_record_reaches_slack_escaped_and_pings_nobody() -> None:
    audit = InMemoryAuditLog()
    hostile = Actor(id="U0MALLORY", name="<!channel> mallory")
    svc = _services(audit)
    svc.handle("queue <!here> <https://evil.example|yahoo.com> `rm`",
               RequestContext(actor=hostile, transport="slack-http"))
    answer = svc.handle("audit", ALICE)
    blocks = str(build_answer_message(answer, asked_by="U0ALICE", text="audit").blocks)
    assert "<!channel>" not in blocks and "<!here>" not in blocks
    assert "<https://evil" not in blocks and "<@U0MALLORY>" not in blocks
    assert "&lt;!channel&gt; mallory" in blocks


def test_an_empty_record_says_nothing_matches() -> None:
    answer = _services(InMemoryAuditLog()).handle("audit --user nobody", ALICE)
    blocks = str(build_answer_message(answer, asked_by="U0ALICE", text="audit").blocks)
    assert "Nothing in the record matches" in blocks


# -- through Slack's real request format ----------------------------------------------------


def test_a_signed_audit_command_over_http_lists_the_record_in_the_channel(
    storage: Storage,
) -> None:
    with SlackEmulator() as emulator:
        bot = SlackBot(_services(storage.audit),
                       client=make_web_client("xoxb-test", emulator.api_url),
                       signing_secret=SECRET, keys=storage.keys)
        for text in ("queue yahoo.com", "audit --user U0ALICE"):
            raw = form(slash_body(text, response_url=emulator.new_response_url(
                "C0INCIDENT", "U0ALICE")))
            headers = {k.lower(): v for k, v in signed_headers(raw).items()}
            assert bot.app.dispatch(BoltRequest(body=raw, headers=headers)).status == 200
            assert bot.pool.wait_idle(timeout=10)
        bot.pool.shutdown()
        listing = str(emulator.messages("C0INCIDENT")[-1].blocks)
    assert "Audit log by `U0ALICE`" in listing and "`/kumo queue yahoo.com`" in listing
    assert "slack-http" in listing
