"""`log-filter FILTER --for DUR`: set on every simulated node, reverted by the SQL scheduler."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.bootstrap_demo import Demo, build_demo
from bot.core.answers import ErrorAnswer
from bot.core.answers_guard import GuardAnswer
from bot.core.audit import Actor
from bot.services import RequestContext, Services
from bot.use_cases import guarded
from bot.use_cases.follow_ups import REVERT_JOB, revert_log_filter

ALICE, BOB = Actor(id="U0ALICE", name="alice"), Actor(id="U0BOB", name="bob")
NODES = ("mta1", "mta2", "mta3")


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    opened = build_demo("healthy", workdir=tmp_path)
    opened.scheduler.stop()  # jobs run only inside `advance`, step by step, in this thread
    yield opened
    opened.close()


def ask(services: Services, text: str, actor: Actor = ALICE) -> GuardAnswer:
    answer = services.handle(text, RequestContext(actor=actor, transport="test",
                                                  channel="C0INCIDENT"))
    assert isinstance(answer, GuardAnswer), answer
    return answer


def filters(demo: Demo) -> list[str | None]:
    with demo.park.lock:
        return [demo.park.node(n).diagnostic_filter for n in NODES]


def reverts(demo: Demo, request_id: str) -> list[str]:
    return [e.command_text for e in demo.storage.audit.recent(limit=500)
            if e.correlation_id == request_id and e.phase == "intent"
            and e.command_text.startswith("log-filter revert")]


def test_a_log_filter_is_set_everywhere_then_reverted_to_the_baseline_when_its_time_is_up(
        demo: Demo) -> None:
    services = demo.local.services
    request = ask(services, "log-filter kumod=debug --for 30m")
    assert (request.decision, request.action_class) == ("confirm", "change")
    assert "reverts by itself to the baseline" in request.action
    assert filters(demo) == [None, None, None]  # nothing before Confirm
    done = guarded.press(services, request.request_id, by=ALICE, what="agree")
    assert [o.status for o in done.outcomes] == ["done"] * 3
    assert filters(demo) == ["kumod=debug"] * 3
    assert "It reverts to `kumod=info` at " in done.note
    demo.advance(timedelta(minutes=29))
    assert filters(demo) == ["kumod=debug"] * 3
    demo.advance(timedelta(minutes=2))
    assert filters(demo) == ["kumod=info"] * 3  # KUMO_LOG_FILTER_BASELINE's default
    assert reverts(demo, request.request_id) == ["log-filter revert to kumod=info"]
    said = [m.text for m in demo.local.emulator.messages("C0INCIDENT")]
    assert any("reverted to `kumod=info` on every node" in t for t in said)


def test_running_the_revert_again_changes_nothing(demo: Demo) -> None:
    services = demo.local.services
    request = ask(services, "log-filter kumod=trace --for 10m")
    guarded.press(services, request.request_id, by=ALICE, what="agree")
    demo.advance(timedelta(minutes=11))
    assert filters(demo) == ["kumod=info"] * 3
    with demo.park.lock:  # someone sets a filter by hand afterwards
        demo.park.node("mta1").diagnostic_filter = "kumod=warn"
    assert revert_log_filter(services, request.request_id) is None  # a second run
    assert filters(demo) == ["kumod=warn", "kumod=info", "kumod=info"]
    assert len(reverts(demo, request.request_id)) == 1


def test_the_revert_job_is_kept_in_sql_and_runs_in_a_new_process_after_a_restart(
        demo: Demo) -> None:
    services = demo.local.services
    request = ask(services, "log-filter kumod=debug --for 15m")
    guarded.press(services, request.request_id, by=ALICE, what="agree")
    from bot.bootstrap import build_scheduler  # another process's scheduler, same database

    fresh = build_scheduler(demo.storage, clock=services.clock, services=services)
    assert REVERT_JOB in fresh.handlers
    demo.park.advance(timedelta(minutes=16))
    assert fresh.run_due() >= 1
    assert filters(demo) == ["kumod=info"] * 3
    assert len(reverts(demo, request.request_id)) == 1


def test_a_later_filter_is_not_reverted_by_the_earlier_ones_job(demo: Demo) -> None:
    services = demo.local.services
    first = ask(services, "log-filter kumod=debug --for 20m")
    guarded.press(services, first.request_id, by=ALICE, what="agree")
    demo.advance(timedelta(minutes=5))
    second = ask(services, "log-filter kumod=trace --for 30m")
    guarded.press(services, second.request_id, by=ALICE, what="agree")
    demo.advance(timedelta(minutes=16))  # the first one's time is up
    assert filters(demo) == ["kumod=trace"] * 3
    assert reverts(demo, first.request_id) == []
    demo.advance(timedelta(minutes=15))
    assert filters(demo) == ["kumod=info"] * 3


def test_a_filter_beyond_sixty_minutes_needs_sign_off(demo: Demo) -> None:
    request = ask(demo.local.services, "log-filter kumod=trace --for 90m")
    assert (request.decision, request.action_class) == ("sign-off", "dangerous")
    assert [r.rule for r in request.reasons] == ["long-log-filter"]
    assert "chatty filters fill disks" in request.reasons[0].text


@pytest.mark.parametrize(("text", "says"), [
    ("log-filter kumod=loud --for 10m", "`loud` is not a log level"),
    ("log-filter 'kumod=debug,,' --for 10m", "empty directive"),
    ("log-filter 'rm -rf /' --for 10m", "neither a level nor `target=level`"),
    ("log-filter kumod=debug", "would never end by itself"),
])
def test_a_garbage_filter_is_refused_before_any_guard_or_write(demo: Demo, text: str,
                                                                says: str) -> None:
    answer = demo.local.services.handle(text, RequestContext(actor=ALICE, transport="test",
                                                             channel="C0INCIDENT"))
    assert isinstance(answer, ErrorAnswer) and says in answer.message
    assert filters(demo) == [None, None, None]
