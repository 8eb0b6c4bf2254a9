"""Post-mortem documents built by hand, for the rendering tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.impact import ImpactTally
from bot.core.incidents import Incident, TimelineEntry
from bot.core.logrecords import LogRecord
from bot.core.postmortem import PostmortemDoc, QueuedAtResolve, QueuedRow
from bot.core.postmortem_sections import Readings, build_postmortem

OPEN = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
RESOLVED = OPEN + timedelta(minutes=50)
HOSTILE = "<script>alert(1)</script> **x** | <!channel>"


def incident(**update: object) -> Incident:
    base = Incident(id="INC-20261129-1", title="Yahoo deferrals", domains=("yahoo.com",),
                    channel="C0INCIDENT", status="resolved", opened_by="U0ALICE",
                    opened_at=OPEN, resolved_by="U0BOB", resolved_at=RESOLVED)
    return base.model_copy(update=update)


def at(minutes: int) -> datetime:
    return OPEN + timedelta(minutes=minutes)


def busy_timeline() -> list[TimelineEntry]:
    return [
        TimelineEntry(at=OPEN, kind="opened", actor="U0ALICE", text="Incident opened",
                      quoted="Yahoo deferrals"),
        TimelineEntry(at=at(1), kind="tsa", actor="tsa", text="TSA: suspend-path ip-1",
                      quoted="[TSS04]"),
        TimelineEntry(at=at(2), kind="note", actor="U0ALICE", text="Note", quoted=HOSTILE),
        TimelineEntry(at=at(3), kind="note", actor="U0ALICE", text="Note",
                      quoted="follow-up: warm up ip-4"),
        TimelineEntry(at=at(3), kind="note", actor="U0BOB", text="Note",
                      quoted="TODO ask Yahoo postmaster"),
        TimelineEntry(at=at(4), kind="playbook", actor="U0ALICE", text="Answer: volume spike"),
        TimelineEntry(at=at(4), kind="playbook", actor="U0ALICE", text="Playbook step",
                      quoted="playbook queue-not-draining: started queue-not-draining"),
        TimelineEntry(at=at(4), kind="playbook", actor="U0ALICE", text="Playbook step",
                      quoted="playbook queue-not-draining: choose why tsa-brake"),
        TimelineEntry(at=at(5), kind="request", actor="U0ALICE", text="Change requested",
                      quoted="bounce yahoo.com --reason x", outcome="sign-off"),
        TimelineEntry(at=at(6), kind="approval", actor="U0BOB", approver="U0BOB",
                      text="Approved", quoted="bounce yahoo.com --reason x", outcome="ok"),
        TimelineEntry(at=at(7), kind="change", actor="U0ALICE", approver="U0BOB",
                      text="Change executed", quoted="bounce yahoo.com --reason x",
                      outcome="ok", nodes={"mta2": "ok", "mta1": "ok"}),
        TimelineEntry(at=at(8), kind="request", actor="U0CAROL", text="Change requested",
                      quoted="bounce --everything --reason y", outcome="refused"),
        TimelineEntry(at=at(9), kind="out-of-band", actor="kumod", text="Hold made outside the bot",
                      quoted="ops: by hand"),
        TimelineEntry(at=RESOLVED, kind="resolved", actor="U0BOB", text="Incident resolved"),
    ]


def busy_readings(now: datetime = RESOLVED + timedelta(minutes=5)) -> Readings:
    tally = ImpactTally(["yahoo.com"], OPEN, RESOLVED)
    for minute, kind, source in [(1, "TransientFailure", "ip-1"), (2, "TransientFailure", "ip-2"),
                                 (30, "Delivery", "ip-1"), (31, "Bounce", "ip-3")]:
        tally.add(LogRecord(type=kind, recipients=("a@yahoo.com",), at=at(minute),
                            provider="yahoo", egress_source=source))
    tally.add(LogRecord(type="TransientFailure", recipients=("a@yahoo.com",), at=at(5),
                        content="KumoMTA internal: no sources"))
    earlier = incident(id="INC-20261120-1", title="Old " + HOSTILE,
                       opened_at=OPEN - timedelta(days=9))
    return Readings(
        now=now, until=RESOLVED, impact=tally.impact(),
        impact_notes=("No delivery logs configured for node mta3: its records are not counted.",),
        queued=QueuedAtResolve(basis="from the metric history", at=RESOLVED,
                               rows=[QueuedRow(domain="yahoo.com", node="mta1", queued=1200)]),
        chart_file="postmortem-INC-20261129-1.png",
        earlier=(earlier,), tsa_before=("2026-11-28 suspend-path of ip-1",),
        holds_left=("abc123: suspend of yahoo.com (manual), “brake”",),
    )


def busy_doc(**kw: object) -> PostmortemDoc:
    doc = build_postmortem(incident(), busy_timeline(), busy_readings(**kw))  # type: ignore[arg-type]
    return doc.model_copy(update={"chart_file": f"{doc.base_name}.png"})


def empty_doc() -> PostmortemDoc:
    lone = incident(domains=(), status="open", resolved_by=None, resolved_at=None)
    readings = Readings(
        now=OPEN + timedelta(minutes=20), until=OPEN + timedelta(minutes=20),
        impact_why="The incident names no domain, so there is nothing to count.",
        queued_why="The incident names no domain, so there is no queue to look at.",
        earlier=(), tsa_before=(), holds_left=())
    return build_postmortem(lone, [], readings)
