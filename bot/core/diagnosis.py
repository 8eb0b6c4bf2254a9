"""``diagnose DOMAIN``: the first five minutes of an incident, as pure functions (DESIGN 1).

The method, in the order an experienced operator follows it:

1. **Ask what TSA (or a person) already did**: an active suspension explains a
   stalled queue more often than any provider change (``diagnosis_park``).
2. **Read the receivers' replies**, by their text and not their digit: a brake, a
   block sent as a 5xx, dead addresses, a sudden mass of 5xx (``diagnosis_replies``).
3. **Check the nodes**: a node refusing mail under pressure is protection.
4. If nothing is wrong, **say so and say what was checked**.

Each finding carries the evidence it rests on (numbers with their ages), the first
step and the moves not to make (DESIGN 1.4).  Findings are ranked by what they
account for (messages or replies), so the one that explains the most leads.  What
could not be checked (a node down, logs unreadable, TSA unreachable) is named, and
the verdict never claims more than was read.
"""

from __future__ import annotations

from bot.core.diagnosis_lines import BRAKE, category, is_5xx
from bot.core.diagnosis_model import (
    Diagnosis,
    DiagnosisEvidence,
    ExplainedGroup,
    Finding,
    Unchecked,
    UncheckedKind,
)
from bot.core.diagnosis_park import node_health, people_holds, tsa_holding
from bot.core.diagnosis_replies import reply_findings
from bot.core.diagnosis_words import line, names, plural
from bot.core.durations import format_duration
from bot.core.guard_file import DiagnosisThresholds

_CONSEQUENCE: dict[UncheckedKind, str] = {
    "node": "its queues, holds and health are not in this verdict",
    "tsa": "TSA's throttles are not in this verdict (its suspensions are: kumod lists them)",
    "logs": "receivers' replies were not read: no verdict on brakes, blocks or dead addresses",
    "rules": "which TSA rules fire on the replies is unknown",
    "holds": "its hold lists were not read: a hold there would not be in this verdict",
    "metrics": "its queue counts and memory were not read",
}


def unchecked(kind: UncheckedKind, source: str, detail: str) -> Unchecked:
    """A failed source of evidence, with what the verdict therefore could not check."""
    return Unchecked(kind=kind, source=source, detail=detail, consequence=_CONSEQUENCE[kind])


def _absorbed(ev: DiagnosisEvidence) -> list[ExplainedGroup]:
    """Brakes that TSA's rules fire on while TSA holds the domain: the TSA finding's cause."""
    if ev.replies is None:
        return []
    return [g for g in ev.replies.groups if category(g) == BRAKE and g.explanation.fired]


def _tsa_holds_here(ev: DiagnosisEvidence) -> bool:
    holds = ev.park.holds if ev.park else []
    return (any(h.origin == "tsa" and h.kind != "bounce" for h in holds)
            or bool(ev.tsa and ev.tsa.throttles))


def checked(ev: DiagnosisEvidence) -> list[str]:
    """What the verdict rests on, source by source."""
    out: list[str] = []
    park = ev.park
    if park is not None:
        out.append(f"queues on {names(park.nodes) or 'no node'}: "
                   f"{plural(park.queued, 'message')} in "
                   f"{plural(len(park.scheduled), 'scheduled queue')}, "
                   f"{park.ready_queued:,} in {plural(len(park.ready), 'egress path')}")
        tsa = sum(1 for h in park.holds if h.origin == "tsa")
        manual = len(park.holds) - tsa
        out.append(f"holds on its paths and queues: {tsa} by TSA, {manual} manual"
                   if park.holds else "holds on its paths and queues: none, TSA's or manual")
        accepting = sum(1 for n in park.health if not n.refusing)
        out.append(f"health: {accepting} of {plural(len(park.health), 'node')} accept mail "
                   "(liveness, memory headroom, disk, spool)")
    if ev.tsa is not None:
        throttles = ev.tsa.throttles
        options = {o.name for o in throttles}
        out.append(f"TSA throttles on it: {plural(len(options), 'option')} on "
                   f"{plural(len({o.source for o in throttles}), 'source')}" if throttles
                   else "TSA throttles on it: none")
    replies = ev.replies
    if replies is not None:
        brakes = sum(g.group.count for g in replies.groups
                     if category(g) == BRAKE and not is_5xx(g))
        window = format_duration(ev.now - replies.since)
        out.append(f"receivers' replies over the last {window} on "
                   f"{names(replies.nodes) or 'no node'}: {replies.deferrals:,} × 4xx "
                   f"({brakes:,} rate-limit brakes, {replies.deferrals - brakes:,} ordinary "
                   "deferrals kumod retries), "
                   f"{replies.bounces:,} × 5xx; {replies.internal:,} KumoMTA internal replies "
                   "counted apart")
    return out


def _all_clear(ev: DiagnosisEvidence, seen: list[str]) -> Finding:
    partly = " in what I could check" if ev.unchecked else ""
    return Finding(
        kind="all-clear", severity="ok",
        verdict=(f"Nothing looks wrong for {ev.domain}{partly}: no hold, no brake, no block, "
                 "no mass of bounces, and the nodes accept mail."),
        evidence=[line(s[0].upper() + s[1:] + ".") for s in seen],
        first_step=("Nothing to change in the engine. If mail still does not land, look beyond "
                    "it: inbox placement, the sending domain's authentication, what the "
                    "receiver's postmaster tools say."),
        donts=["Do not change shaping or holds on a hunch: with nothing wrong in the numbers, "
               "any change is a guess, and one more thing to undo."],
        weight=0,
    )


def diagnose(ev: DiagnosisEvidence, th: DiagnosisThresholds) -> Diagnosis:
    """The findings for one domain, ranked: the one that explains the most first."""
    holds_here = _tsa_holds_here(ev)
    absorbed = _absorbed(ev) if holds_here else []
    findings: list[Finding] = [*people_holds(ev)]
    held = tsa_holding(ev, absorbed)
    if held is not None:
        findings.append(held)
    findings += node_health(ev)
    if ev.replies is not None:
        findings += reply_findings(domain=ev.domain, now=ev.now, replies=ev.replies,
                                   park=ev.park, th=th, tsa_holds_here=holds_here,
                                   absorbed=absorbed)
    seen = checked(ev)
    findings.sort(key=lambda f: (f.severity == "info", -f.weight))
    if not any(f.severity in ("critical", "warning") for f in findings):
        findings.insert(0, _all_clear(ev, seen))
    return Diagnosis(domain=ev.domain, site=ev.site, scope_sentence=ev.scope_sentence,
                     findings=findings, checked=seen, unchecked=list(ev.unchecked))
