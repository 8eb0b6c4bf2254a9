"""TSA's actions as incident timeline lines: one line per action, not per egress source.

tsa-daemon acts per egress source: one rule firing on a provider throttles or suspends
each source's path apart, so the diary holds one entry per source.  A reader of the
timeline wants the action once, with the sources it covered: entries that start (or end)
within a minute of each other with the same action, setting, value, domain or site and
rule, expiring within a minute of each other, become one line listing the sources
(``ip-1, ip-2, ip-3``).  The rule's trigger (a regex that may run to hundreds of
characters) is cut to ``RULE_CHARS``; ``/kumo tsa history`` keeps every action and rule
in full (``TSA_DETAIL`` says so).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.core.incidents import TimelineEntry
from bot.core.tsa_diary import describe_scope
from bot.core.tsa_history import DiaryEntry

RULE_CHARS = 60
"""At most this many characters of a rule's trigger on a timeline line."""
MAX_SOURCES = 10
"""Sources named on one line; more are counted (``and 4 more``)."""
TSA_DETAIL = (
    "Actions TSA took on several egress sources in the same minute are one line, and each "
    "rule's trigger is cut short; /kumo tsa history DOMAIN shows every action, its "
    "refreshes and its rule in full."
)
_DIGITS = re.compile(r"(\d+)")


def short_rule(rule: str, limit: int = RULE_CHARS) -> str:
    """The rule's trigger on one line, cut to ``limit`` characters with an ellipsis."""
    text = " ".join(rule.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _natural(name: str) -> tuple[tuple[int, int | str], ...]:
    """``ip-2`` before ``ip-10``."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in _DIGITS.split(name) if p)


def sources_text(sources: Iterable[str]) -> str:
    """``ip-1, ip-2, ip-3`` (natural order), at most ``MAX_SOURCES`` named."""
    names = sorted(set(sources), key=_natural)
    shown = ", ".join(names[:MAX_SOURCES])
    rest = len(names) - MAX_SOURCES
    return shown + (f" and {rest} more" if rest > 0 else "")


@dataclass
class _Group:
    at: datetime
    entry: DiaryEntry
    ids: list[int] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    refreshes: int = 0


def _scope(entry: DiaryEntry, sources: list[str]) -> str:
    """What a group covered, naming its sources once."""
    plural = "s" if len(set(sources)) > 1 else ""
    if entry.kind == "suspend-path" and entry.site and sources:
        return f"egress path{plural} from {sources_text(sources)} to {entry.site}"
    if entry.kind == "throttle" and sources:
        return (f"{entry.option}={entry.value} for {entry.domain} "
                f"from source{plural} {sources_text(sources)}")
    return entry.scope_text


def _shared(entry: DiaryEntry) -> tuple[str, ...]:
    """What entries of one group share besides the minute: all but the source."""
    scope = describe_scope(kind=entry.kind, path=None if entry.site else entry.path,
                           domain=entry.domain, tenant=entry.tenant, campaign=entry.campaign,
                           source=None, option=entry.option, value=entry.value)
    return (entry.tsa, entry.kind, scope, entry.site or "", entry.rule)


NEAR = timedelta(minutes=1)


def _group(items: Iterable[tuple[datetime, datetime | None, str, DiaryEntry]]
           ) -> list[_Group]:
    """Group by what entries share; within that, by time (and expiry) less than NEAR apart.

    Proximity, not the clock minute: the watcher sees one rule's per-source actions a
    moment apart, and a minute boundary between them must not split the line.
    """
    open_groups: dict[tuple[object, ...], list[tuple[_Group, datetime | None]]] = {}
    out: list[_Group] = []
    for at, expires, extra, entry in sorted(items, key=lambda item: (item[0], item[3].id)):
        candidates = open_groups.setdefault((*_shared(entry), extra), [])
        group = next((g for g, g_expires in candidates
                      if at - g.at < NEAR and _near(expires, g_expires)), None)
        if group is None:
            group = _Group(at=at, entry=entry)
            candidates.append((group, expires))
            out.append(group)
        group.ids.append(entry.id)
        group.refreshes = max(group.refreshes, entry.refreshes)
        if entry.source:
            group.sources.append(entry.source)
    return out


def _near(a: datetime | None, b: datetime | None) -> bool:
    return a == b if a is None or b is None else abs(a - b) < NEAR


def tsa_lines(entries: Iterable[DiaryEntry], until: datetime) -> list[TimelineEntry]:
    """Timeline lines for TSA's diary entries: each start, and each end up to ``until``,
    grouped across egress sources (see the module's docstring)."""
    chosen = list(entries)
    starts = _group((e.first_seen, e.first_expires, "", e) for e in chosen)
    ends = _group((e.ended_at, None, e.end_reason or "", e) for e in chosen
                  if e.ended_at is not None and e.ended_at <= until)
    out: list[TimelineEntry] = []
    for group in starts:
        entry = group.entry
        most = "up to " if len(group.ids) > 1 else ""
        refreshed = f", refreshed {most}{group.refreshes} time(s)" if group.refreshes else ""
        out.append(TimelineEntry(
            at=group.at, kind="tsa", actor="tsa",
            text=f"TSA: {entry.kind} {_scope(entry, group.sources)} until "
                 f"{entry.first_expires:%H:%M} UTC{refreshed}, rule",
            quoted=short_rule(entry.rule), outcome="started",
            correlation_id="tsa-" + "-".join(map(str, group.ids))))
    for group in ends:
        entry = group.entry
        out.append(TimelineEntry(
            at=group.at, kind="tsa", actor="tsa",
            text=f"TSA: {entry.kind} {_scope(entry, group.sources)} ended, rule",
            quoted=short_rule(entry.rule), outcome=entry.end_reason,
            correlation_id="tsa-" + "-".join(map(str, group.ids))))
    return out
