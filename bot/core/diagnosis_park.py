"""Findings read from the park itself: holds (TSA's and people's), throttles, node health.

DESIGN 1.2: ask what TSA already did.  An active automation suspension explains a
stalled queue more often than any provider change, and the right move is then to do
nothing and let it expire: the finding says when it ends and what happens then, and
names the reflexes that would fight it (DESIGN 1.4).  A node refusing mail under
memory, disk or spool pressure is kumod protecting itself, not a crash (REFERENCE 8).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.core.diagnosis_lines import queue_line, reply_evidence, rules_line
from bot.core.diagnosis_model import (
    DiagnosisEvidence,
    ExplainedGroup,
    Finding,
    Line,
    ParkRead,
)
from bot.core.diagnosis_words import ago, clock, left, line, names, plural, q, quoted_reply
from bot.core.durations import format_duration
from bot.core.health import NodeHealth
from bot.core.holds import Hold
from bot.core.models import TsaOverride

NO_FIGHT = ("Do not rebind or raise rates: that fights the automation. TSA's settings load "
            "after yours and win, and the next matching reply restarts the hold.")
NO_BOUNCE_WAITING = ("Do not bounce the waiting mail: the addresses are not dead, and it would "
                     "poison the suppression list.")
NO_DISABLE = ("Do not disable the automation because it \"keeps suspending things\": it is the "
              "safety system doing its job.")


def _started(hold: Hold, park: ParkRead) -> datetime | None:
    """When TSA took the hold: its expiry less its rule's duration (None when unknown)."""
    origin = park.origins.get(hold.hold_id)
    if origin is None or not origin.found or hold.expires is None:
        return None
    return hold.expires - origin.rules[0].duration


def _what(holds: Sequence[Hold]) -> str:
    """``ip-1, ip-2, ip-3 → (mta5|mta6|mta7).am0.yahoodns.net``, or the queue criteria."""
    sites = {h.site for h in holds}
    if holds[0].kind == "suspend-path" and len(sites) == 1:
        return f"{names(h.source or '?' for h in holds)} → {sites.pop()}"
    if holds[0].kind == "suspend-path":
        return names(h.name or "?" for h in holds)
    return "; ".join(sorted({h.criteria_text for h in holds}))


def _hold_lines(holds: Sequence[Hold], ev: DiagnosisEvidence, park: ParkRead) -> list[Line]:
    """One line per rule: what is held, since when, on which nodes, and time left."""
    by_rule: dict[tuple[str, str | None], list[Hold]] = {}
    for h in holds:
        by_rule.setdefault((h.kind, h.rule), []).append(h)
    lines = []
    for (kind, _), group in by_rule.items():
        noun = {"suspend-path": "egress path", "suspend": "scheduled-queue rule",
                "bounce": "admin bounce"}[kind]
        verb = {"suspend-path": "suspended", "suspend": "suspended", "bounce": "set"}[kind]
        starts = [s for h in group if (s := _started(h, park)) is not None]
        since = f" {ago(min(starts), ev.now)}" if starts else ""
        remaining = [h.remaining for h in group if h.remaining is not None]
        ends = [h.expires for h in group if h.expires is not None]
        when = left(min(remaining) if remaining else None)
        if ends:
            when += f", ends {clock(max(ends))}"
        nodes = names(n for h in group for n in h.nodes) or "TSA only (no node lists it yet)"
        origin = park.origins.get(group[0].hold_id)
        why = f" ({origin.summary})" if origin is not None else ""
        who = "TSA" if group[0].origin == "tsa" else "A person"
        lines.append(line(f"{who} {verb} {plural(len(group), noun)}{since} (",
                          q(_what(group)),
                          f") on {nodes}: {when}{why}."))
        if group[0].origin == "manual":
            lines.append(line("Reason given: ", q(group[0].reason)))
    return lines


def _throttle_line(throttles: Sequence[TsaOverride], now: datetime) -> Line:
    options = ", ".join(dict.fromkeys(f"{o.name}={o.value}" for o in throttles))
    ends = [o.expires for o in throttles if o.expires is not None]
    when = f"{left(min(ends) - now)}, ends {clock(min(ends))}" if ends else "time left unknown"
    return line(f"TSA throttle: {options} on {names(o.source for o in throttles)}: {when}.")


def _internal_line(ev: DiagnosisEvidence) -> Line | None:
    replies = ev.replies
    if replies is None or not replies.internal:
        return None
    top = replies.internal_groups[0] if replies.internal_groups else None
    window = format_duration(ev.now - replies.since)
    return line(f"{replies.internal:,} × KumoMTA internal replies in the last {window}",
                *((", mostly ", quoted_reply(top)) if top is not None else ()),
                ": KumoMTA's own view of the hold at work (the mail waits), not a receiver's.")


def tsa_holding(ev: DiagnosisEvidence, absorbed: Sequence[ExplainedGroup]) -> Finding | None:
    """TSA holds the domain on purpose: let it expire; say when and what happens then."""
    park = ev.park
    holds = [h for h in (park.holds if park else []) if h.origin == "tsa" and h.kind != "bounce"]
    throttles = ev.tsa.throttles if ev.tsa else []
    if park is None or (not holds and not throttles):
        return None
    cause = ""
    if absorbed:
        c = absorbed[0].explanation.classification
        who = c.provider_label or f"{ev.domain}'s receiver"
        sig = f"{c.signature} " if c.signature and not c.signature.startswith("wording") else ""
        cause = (f" after {who}'s {sig}deferrals, a rate-limit brake for volume or "
                 "complaints (temporary, not a block)")
    remaining = [h.remaining for h in holds if h.remaining is not None]
    ends = [h.expires for h in holds if h.expires is not None]
    throttle_ends = [o.expires for o in throttles if o.expires is not None]
    if holds:
        what = plural(len(holds), "egress path" if holds[0].kind == "suspend-path"
                      else "queue rule")
        verdict = (f"TSA is already holding {ev.domain} on purpose: it suspended {what}{cause}. "
                   f"The waiting mail is that suspension at work: let it expire "
                   f"({left(min(remaining) if remaining else None)}).")
    else:
        verdict = (f"TSA is slowing {ev.domain} on purpose{cause}: the mail drains slowly by "
                   "design. Let the throttle expire.")
    evidence = _hold_lines(holds, ev, park)
    if throttles:
        evidence.append(_throttle_line(throttles, ev.now))
    recent = ev.now - ev.replies.recent_since if ev.replies else timedelta(0)
    evidence += [reply_evidence(g, ev.domain, ev.now, recent) for g in absorbed[:3]]
    if absorbed:
        checked = ev.replies.rules_checked if ev.replies else False
        evidence.append(rules_line(absorbed[0], ev.domain, rules_checked=checked,
                                   tsa_holds_here=True))
    queued = queue_line(park)
    if queued is not None:
        evidence.append(queued)
    internal = _internal_line(ev)
    if internal is not None:
        evidence.append(internal)
    if ev.replies is not None and ev.replies.groups:
        lasts = [g.group.last_seen for g in ev.replies.groups if g.group.last_seen is not None]
        if lasts:
            evidence.append(line(f"Last reply from a receiver: {ago(max(lasts), ev.now)}."))
    origin = park.origins.get(holds[0].hold_id) if holds else None
    again = (f" If the receiver brakes again, TSA holds it again for "
             f"{origin.rules[0].duration_text}." if origin is not None and origin.found else "")
    end_at = max(ends) if ends else (min(throttle_ends) if throttle_ends else None)
    pace = ""
    if holds and throttle_ends and end_at is not None:
        pace = (" at the normal shaping (TSA's throttle ends before, "
                f"{left(min(throttle_ends) - ev.now)})" if min(throttle_ends) <= end_at
                else f" at TSA's throttled pace until {clock(min(throttle_ends))}")
    first = ("Do nothing to the shaping: let it expire"
             + (f" at {clock(end_at)} ({left(end_at - ev.now)})" if end_at else "") + ". "
             + f"Then the paths resume and the {park.queued:,} waiting messages are retried as "
             f"they come due{pace}.{again} Meanwhile find what raised the volume or complaints "
             "(a campaign burst, a stale segment) and slow that sender.")
    donts = [NO_FIGHT]
    if holds:
        duration = origin.rules[0].duration_text if origin is not None and origin.found else None
        donts.append("Do not cancel the TSA suspension on kumod: TSA pushes it again when kumod "
                     "reconnects, and the next matching reply starts a fresh "
                     f"{duration or 'hold'}.")
    donts += [NO_BOUNCE_WAITING, NO_DISABLE]
    return Finding(kind="tsa-holding", severity="warning", verdict=verdict, evidence=evidence,
                   first_step=first, donts=donts,
                   weight=park.queued + sum(g.group.count for g in absorbed) + 1)


def people_holds(ev: DiagnosisEvidence) -> list[Finding]:
    """Admin bounces (anyone's) and manual suspensions on the domain's paths or queues."""
    park = ev.park
    if park is None:
        return []
    out = []
    bounces = [h for h in park.holds if h.kind == "bounce"]
    if bounces:
        lost = sum(h.total_bounced for h in bounces)
        out.append(Finding(
            kind="mail-bounced-by-hold", severity="critical",
            verdict=(f"Mail to {ev.domain} is being destroyed by an admin bounce: "
                     f"{lost:,} messages bounced so far. Bounced mail cannot be recovered."),
            evidence=_hold_lines(bounces, ev, park),
            first_step=("If it is not what was meant, cancel it now (`/kumo holds "
                        f"{ev.domain}` gives its id). If it is, keep these bounces out of the "
                        "suppression list unless the addresses are dead."),
            donts=["Do not widen or extend it without a second person looking.", NO_DISABLE
                   if any(h.origin == "tsa" for h in bounces) else
                   "Do not let it run longer than meant: set an end and watch it."],
            weight=lost + park.queued + 1,
        ))
    manual = [h for h in park.holds if h.origin == "manual" and h.kind != "bounce"]
    if manual:
        out.append(Finding(
            kind="manual-hold", severity="warning",
            verdict=(f"A person is holding {ev.domain}'s mail: "
                     f"{plural(len(manual), 'manual suspension')}. That explains waiting mail "
                     "before any receiver does."),
            evidence=[*_hold_lines(manual, ev, park), *filter(None, [queue_line(park)])],
            first_step=("Find who set it and why (its reason, `/kumo audit`) before changing "
                        "anything; when it is no longer needed, cancel it and watch the first "
                        "replies."),
            donts=["Do not raise rates or rebind to get the mail moving around the hold: one "
                   "change at a time, and the hold was put there for a reason."],
            weight=park.queued + 1,
        ))
    return out


def _cause(n: NodeHealth) -> tuple[str, str]:
    """What makes a node refuse mail, and the first step for that cause."""
    if n.headroom == 0 or "load shedding" in n.liveness.text:
        return ("memory headroom is 0, so it sheds load (SMTP `421 4.3.2 load shedding`)",
                "find what holds its memory (large ready queues, a burst of injection, big "
                "messages) and reduce it; point injection at the nodes that accept mail and let "
                "it shrink back under its soft limit. Raise the limit only if the host has "
                "the RAM.")
    if any(d.too_full for d in n.disks):
        full = ", ".join(d.name for d in n.disks if d.too_full)
        return (f"storage is too full ({full} below 10% free)",
                f"free space on {full} (rotate or ship logs, look for a spool that grows); it "
                "accepts mail again once every path is above its minimum.")
    if n.spool_load_shed:
        return ("its spool is not accepting writes (RocksDB load shedding)",
                "read the rocks_spool_* metrics and the disk's latency; it resumes when the "
                "spool catches up.")
    return (n.verdict.removeprefix("refusing mail: "),
            f"read `/kumo health {n.node}` and kumod's diagnostic log on it.")


def _mib(n: int | None) -> str:
    return "?" if n is None else f"{n / 1048576:,.0f} MiB"


def _memory_line(n: NodeHealth) -> Line:
    used = (f" ({n.memory_usage * 100 // n.memory_limit}% of it)"
            if n.memory_usage is not None and n.memory_limit else "")
    return line(f"{n.node}: memory {_mib(n.memory_usage)} used of a {_mib(n.memory_limit)} soft "
                f"limit{used}, headroom {_mib(n.headroom)}"
                + (f"; over the limit {plural(n.memory_over_limit_count, 'time')} since it "
                   "started"
                   if n.memory_over_limit_count else "") + ".")


def _low(n: NodeHealth) -> bool:
    return (not n.refusing and n.memory_usage is not None and n.memory_low_thresh is not None
            and n.memory_usage > n.memory_low_thresh)


def node_health(ev: DiagnosisEvidence) -> list[Finding]:
    """Nodes refusing mail (protection, not a crash), and nodes close to it."""
    if ev.park is None:
        return []
    refusing = [n for n in ev.park.health if n.refusing]
    low = [n for n in ev.park.health if _low(n)]
    accepting = [n.node for n in ev.park.health if not n.refusing]
    low_lines = [line(f"{n.node} is close: memory above its low-memory threshold ("
                      f"{(n.memory_usage or 0) * 100 // max(n.memory_limit or 1, 1)}% of its soft "
                      "limit), so kumod shrinks messages to stay under it.") for n in low]
    if not refusing:
        if not low:
            return []
        return [Finding(kind="memory-low", severity="info",
                        verdict=(f"{names(n.node for n in low)} running low on memory, not "
                                 "refusing mail yet."),
                        evidence=low_lines, first_step="Watch `/kumo health`; find what fills "
                        "memory before it reaches the soft limit.",
                        donts=["Do not restart a node for this: shrinking is kumod coping."],
                        weight=0)]
    evidence: list[Line] = []
    steps = []
    for n in refusing:
        step = _cause(n)[1]
        evidence.append(line(f"{n.node} answers liveness with {n.liveness.status} ",
                             q(n.liveness.text.strip() or "-"), "."))
        evidence.append(_memory_line(n))
        if n.connections_denied:
            evidence.append(line(f"{n.node}'s SMTP listener refused "
                                 f"{n.connections_denied:,} connections since it started."))
        steps.append(f"On {n.node}: {step}")
    evidence += low_lines
    if accepting:
        evidence.append(line(f"Accepting mail: {names(accepting)}."))
    who = names(n.node for n in refusing)
    first_cause = _cause(refusing[0])[0]
    return [Finding(
        kind="listeners-refusing", severity="critical",
        verdict=(f"{who} {'is' if len(refusing) == 1 else 'are'} refusing new mail: "
                 f"{first_cause}. That is kumod protecting itself, not a crash; what it already "
                 "holds is still delivered."),
        evidence=evidence,
        first_step=" ".join(steps),
        donts=[f"Do not restart {who} to fix it: it is not crashed, and it comes back to the "
               "same pressure.",
               "Do not raise the memory limit past what the host has: the kernel's OOM killer "
               "is worse than load shedding."],
        weight=sum(n.connections_denied or 0 for n in refusing) + 1,
    )]
