"""Services: one path for every command, every call audited, failures named."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.adapters.audit_memory import InMemoryAuditLog
from bot.core.answers import ErrorAnswer, HealthAnswer, HelpAnswer
from bot.core.answers_park import HoldsAnswer, QueueAnswer
from bot.core.audit import Actor
from bot.core.errors import UpstreamUnavailable
from bot.core.models import Liveness, MetricSample, ReadyQSuspendEntry
from bot.services import RequestContext, ServiceConfig, Services
from tests.fakes import YAHOO_MX, BrokenAuditLog, FakeMta, FakePark, FakeResolver, FixedClock

YAHOO_PATH = "ip-1->(mta5|mta6|mta7).am0.yahoodns.net@smtp_client"
CTX = RequestContext(actor=Actor(id="U1", name="alice"), transport="terminal", channel="C1")


def _node(name: str, **kw: object) -> FakeMta:
    samples = [
        MetricSample("ready_count", {"service": f"smtp_client:{YAHOO_PATH}"}, 0),
        MetricSample("total_messages_transfail", {"service": f"smtp_client:{YAHOO_PATH}"}, 12),
        MetricSample("scheduled_count", {"queue": "yahoo.com"}, 100),
        MetricSample("scheduled_count", {"queue": "acme@yahoo.com"}, 40),
        MetricSample("scheduled_count", {"queue": "gmail.com"}, 7),
    ]
    return FakeMta(name=name, samples=samples, **kw)


def _services(nodes: list[FakeMta], audit: object | None = None) -> Services:
    return Services(
        park=FakePark(nodes, timeout=0.5),
        resolver=FakeResolver({"yahoo.com": YAHOO_MX}),
        audit=audit or InMemoryAuditLog(),
        clock=FixedClock(),
        config=ServiceConfig(log_dirs={}),
    )


def test_every_command_is_recorded_even_a_malformed_one() -> None:
    audit = InMemoryAuditLog()
    svc = _services([_node("mta1")], audit)
    svc.handle("queue yahoo.com", CTX)
    svc.handle("qeueu yahoo.com", CTX)
    events = audit.recent()
    assert [e.outcome for e in events] == ["rejected-input", "ok"]
    assert events[1].parsed["verb"] == "queue" and events[1].nodes
    assert events[0].command_text == "qeueu yahoo.com"
    assert all(e.actor.id == "U1" and e.transport == "terminal" for e in events)


def test_a_read_still_answers_when_the_audit_log_is_down_and_says_so() -> None:
    answer = _services([_node("mta1")], BrokenAuditLog()).handle("queue yahoo.com", CTX)
    assert isinstance(answer, QueueAnswer)
    assert answer.recorded is False


def test_queue_scope_keeps_the_tenant_queue_and_drops_other_domains() -> None:
    answer = _services([_node("mta1"), _node("mta2")]).handle("queue yahoo.com", CTX)
    assert isinstance(answer, QueueAnswer)
    names = [r.name for r in answer.summary.total.scheduled]
    assert names == ["acme@yahoo.com", "yahoo.com"]
    assert sum(r.count for r in answer.summary.total.scheduled) == 280
    assert "kcli --domain would show only `yahoo.com`" in (answer.scope_sentence or "")


def test_one_dead_node_never_hides_the_others() -> None:
    dead = _node("mta2", fail=UpstreamUnavailable("connection refused"))
    slow = _node("mta3", delay=2.0)
    answer = _services([_node("mta1"), dead, slow]).handle("queue yahoo.com", CTX)
    assert isinstance(answer, QueueAnswer)
    assert list(answer.summary.per_node) == ["mta1"]
    failed = {f.node: f.kind for f in answer.failures}
    assert failed == {"mta2": "http", "mta3": "timeout"}


def test_an_unknown_node_is_named_with_the_known_ones() -> None:
    answer = _services([_node("mta1")]).handle("queue --node mta9", CTX)
    assert isinstance(answer, ErrorAnswer)
    assert "mta9" in answer.message and "mta1" in (answer.hint or "")


def test_an_unknown_domain_is_a_clear_error() -> None:
    answer = _services([_node("mta1")]).handle("queue nowhere.example", CTX)
    assert isinstance(answer, ErrorAnswer) and "nowhere.example" in answer.message


def test_help_lists_what_works_and_the_nodes() -> None:
    answer = _services([_node("mta1")]).handle("help", CTX)
    assert isinstance(answer, HelpAnswer)
    text = str(answer.sections)
    assert "queue" in text and "mta1" in text


def test_tsa_history_without_the_diary_says_plainly_where_it_is_kept() -> None:
    answer = _services([_node("mta1")]).handle("tsa history yahoo.com", CTX)
    assert isinstance(answer, ErrorAnswer) and "diary" in answer.message
    assert "kumo-bot watch" in (answer.hint or "")


def test_health_reads_load_shedding_as_protection() -> None:
    node = _node("mta1", live=Liveness(status=503, text="load shedding"))
    node.samples += [MetricSample("memory_usage", {}, 900), MetricSample("memory_limit", {}, 800)]
    answer = _services([node]).handle("health", CTX)
    assert isinstance(answer, HealthAnswer)
    health = answer.nodes[0]
    assert health.refusing and health.headroom == 0
    assert "not crashed" in health.verdict


@pytest.mark.parametrize("origin_reason", ["automation rule: \\[TS?S04\\] (rule_hash=abc123)"])
def test_holds_show_tsa_origin_and_time_left(origin_reason: str) -> None:
    entry = ReadyQSuspendEntry(id="5e0d-1", name=YAHOO_PATH, reason=origin_reason,
                               remaining=timedelta(minutes=47))
    answer = _services([_node("mta1", ready_suspends=[entry])]).handle("holds yahoo.com", CTX)
    assert isinstance(answer, HoldsAnswer)
    (hold,) = answer.holds
    assert hold.origin == "tsa" and hold.rule == "\\[TS?S04\\]"
    assert hold.remaining == timedelta(minutes=47)
