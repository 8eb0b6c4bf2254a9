"""`trend`'s time to drain counts the bot's own shaping overrides (the guard's
`shaping set`), layered between the base files and TSA's, and says so in its evidence."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.adapters.slack.views_trend import build_trend
from bot.bootstrap_demo import Demo, build_demo
from bot.core.answers_diagnose import DiagnoseAnswer
from bot.core.answers_guard import GuardAnswer
from bot.core.answers_trend import TrendAnswer
from bot.core.audit import Actor
from bot.services import RequestContext
from bot.use_cases import guarded

ALICE = RequestContext(actor=Actor(id="U0ALICE"), transport="test")


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    opened = build_demo("yahoo-tss04", workdir=tmp_path)
    yield opened
    opened.close()


def _trend(demo: Demo) -> TrendAnswer:
    answer = demo.local.services.handle("trend yahoo.com", ALICE)
    assert isinstance(answer, TrendAnswer), answer
    return answer


def _override(demo: Demo, text: str) -> None:
    services = demo.local.services
    request = services.handle(text, ALICE)
    assert isinstance(request, GuardAnswer)
    who = "U0ALICE" if request.decision == "confirm" else "U0BOB"  # lowering is a change
    done = guarded.press(services, request.request_id, by=Actor(id=who), what="agree",
                         override_reason="Yahoo postmaster asked us to slow down"
                         if request.override_required else None)
    assert done.state == "done"


def _text(answer: TrendAnswer) -> str:
    return "\n".join(str(b) for b in build_trend(answer))


def test_the_bots_override_in_force_when_the_paths_resume_sets_the_allowed_rate(
        demo: Demo) -> None:
    demo.advance(timedelta(minutes=10))
    before = _trend(demo).estimate
    # each path: min(100/s, connection_limit 10 x 30/min a busy connection) (shaping.toml)
    assert before.allowed_per_min == 9 * 10 * 30

    _override(demo, "shaping set yahoo.com max_message_rate=30/min --source ip-1 --for 3h")
    demo.advance(timedelta(minutes=2))
    answer = _trend(demo)
    est = answer.estimate
    ip1 = [lim for lim in answer.limits if lim.source == "ip-1"]
    assert ip1 and all(lim.max_message_rate == "30/min" and lim.rate_origin == "bot override"
                       for lim in ip1)
    assert all(not lim.bot_overrides for lim in answer.limits if lim.source != "ip-1")
    # ip-1's paths (one per node) at 30/min, the six others still at 10 x 30/min
    assert est.allowed_per_min == pytest.approx(len(ip1) * 30 + (9 - len(ip1)) * 300)
    assert est.drain_allowed is not None and before.drain_allowed is not None
    assert est.drain_allowed > before.drain_allowed - timedelta(minutes=2)
    text = _text(answer)
    assert "Counted: the bot's own override `max_message_rate=30/min on ip-1`" in text
    assert "by U0BOB" in text  # who approved it
    assert "ends before the queue would be empty" not in text  # 3 h outlasts the drain


def test_an_override_that_ends_before_the_queue_is_empty_is_named_as_such(demo: Demo) -> None:
    for source in ("ip-1", "ip-2", "ip-3"):
        _override(demo, f"shaping set yahoo.com max_message_rate=1/min --source {source} "
                        "--for 50m")
    demo.advance(timedelta(minutes=5))
    answer = _trend(demo)
    assert answer.estimate.allowed_per_min == pytest.approx(9 * 1)
    assert "ends before the queue would be empty" in _text(answer)


def test_diagnose_says_the_drain_counts_the_bots_override(demo: Demo) -> None:
    _override(demo, "shaping set yahoo.com max_message_rate=30/min --source ip-1 --for 3h")
    demo.advance(timedelta(minutes=5))
    answer = demo.local.services.handle("diagnose yahoo.com", ALICE)
    assert isinstance(answer, DiagnoseAnswer)
    words = " ".join(piece.text for line in answer.diagnosis.findings[0].evidence
                     for piece in line.parts)
    assert "counting the bot's own override max_message_rate=30/min on ip-1" in words
