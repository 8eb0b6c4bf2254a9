"""TSA's actions as incident timeline lines: one line per action, not per egress source.

tsa-daemon acts per egress source: one rule firing on a provider throttles or suspends
each source's path apart, so the diary holds one entry per source.  A reader of the
timeline wants the action once, with the sources it covered: entries that start (or end)
in the same minute with the same action, setting, value, domain or site, rule and expiry
become one line listing the sources (``ip-1, ip-2, ip-3``).  The rule's trigger (a regex
that may run to hundreds of characters) is cut to ``RULE_CHARS``; ``/kumo tsa history``
keeps every action and rule in full (``TSA_DETAIL`` says so).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

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


def _group(items: Iterable[tuple[datetime, tuple[str, ...], DiaryEntry]]) -> list[_Group]:
    groups: dict[tuple[object, ...], _Group] = {}
    for at, extra, entry in sorted(items, key=lambda item: (item[0], item[2].id)):
        key = (at.replace(second=0, microsecond=0), *_shared(entry), *extra)
        group = groups.setdefault(key, _Group(at=at, entry=entry))
        group.ids.append(entry.id)
        if entry.source:
            group.sources.append(entry.source)
    return list(groups.values())


def tsa_lines(entries: Iterable[DiaryEntry], until: datetime) -> list[TimelineEntry]:
    """Timeline lines for TSA's diary entries: each start, and each end up to ``until``,
    grouped across egress sources (see the module's docstring)."""
    chosen = list(entries)
    starts = _group((e.first_seen, (f"{e.first_expires:%H:%M}", str(e.refreshes)), e)
                    for e in chosen)
    ends = _group((e.ended_at, (e.end_reason or "",), e) for e in chosen
                  if e.ended_at is not None and e.ended_at <= until)
    out: list[TimelineEntry] = []
    for group in starts:
        entry = group.entry
        refreshed = f", refreshed {entry.refreshes} time(s)" if entry.refreshes else ""
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
