"""A simulated park with the real bot wired to it over loopback, for the `diagnose` tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.adapters.audit_memory import InMemoryAuditLog
from bot.adapters.clock import FollowingClock
from bot.adapters.slack.text import SECTION_TEXT_LIMIT
from bot.adapters.slack.views import build_answer_message
from bot.bootstrap import build_services
from bot.bootstrap_demo import demo_settings
from bot.core.answers import AnswerBase
from bot.core.answers_diagnose import DiagnoseAnswer
from bot.core.audit import Actor
from bot.core.diagnosis_model import Finding
from bot.services import RequestContext, Services
from bot.simulator import SimClock, SimulatedPark

START = datetime(2026, 11, 29, 9, 30, tzinfo=UTC)
ALICE = RequestContext(actor=Actor(id="U0ALICE", name="alice"), transport="test")


@contextmanager
def bot_on(scenario: str, root: Path, *, unreadable_logs: tuple[str, ...] = (), **settings: Any
           ) -> Iterator[tuple[SimulatedPark, Services, InMemoryAuditLog]]:
    """The scenario's park on a frozen clock, and the bot's services over loopback;
    the nodes in ``unreadable_logs`` get a log directory that does not exist."""
    park = SimulatedPark.start(scenario, log_root=root / "logs",
                               clock=SimClock(start=START, scale=0))
    try:
        dirs = {n: (root / "gone" if n in unreadable_logs else p,)
                for n, p in park.log_dirs.items()}
        config = demo_settings(park, root).model_copy(
            update={"KUMO_NODE_TIMEOUT": 2.0, "KUMO_LOG_DIRS": dirs, **settings})
        audit = InMemoryAuditLog()
        services = build_services(config, clock=FollowingClock(park.clock.now), audit=audit)
        yield park, services, audit
    finally:
        park.stop()


def diagnosed(services: Services, domain: str) -> DiagnoseAnswer:
    answer = services.handle(f"diagnose {domain}", ALICE)
    assert isinstance(answer, DiagnoseAnswer), answer
    return answer


def said(finding: Finding) -> str:
    """Everything a finding says, as plain text."""
    return "\n".join([finding.verdict, *(e.text for e in finding.evidence), finding.first_step,
                      *finding.donts])


def rendered(answer: AnswerBase) -> str:
    """The Slack message's text, after checking it keeps within Slack's limits."""
    message = build_answer_message(answer, asked_by="U0ALICE", text=answer.command)
    assert len(message.blocks) <= 50
    for block in message.blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= SECTION_TEXT_LIMIT
    return "\n".join(_texts(message.blocks))


def _texts(value: object) -> list[str]:
    if isinstance(value, dict):
        if isinstance(value.get("text"), str):
            return [value["text"]]
        return [t for v in value.values() for t in _texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    return []
