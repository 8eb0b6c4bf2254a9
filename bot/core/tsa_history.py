"""``tsa history``: what the automation did, read back from the diary.

The diary entries come from SQL (``SqlTsaDiary``); this module filters them to a
scope and a window, groups them by rule and says what is still active.  A gap
(the watcher could not see the live stream) is shown as a gap, never papered over.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import Field

from bot.core.answers import AnswerBase
from bot.core.models import Model
from bot.core.scope import Scope
from bot.core.tsa_diary import DiaryKind, DiaryOrigin, DiaryScope, EndReason, describe_scope


class DiaryMoment(Model):
    """When the action started or was refreshed (refreshes within a minute coalesced)."""

    at: datetime
    expires: datetime
    events: int = 1


class DiaryGap(Model):
    """A time the watcher of one tsa-daemon had no live stream."""

    tsa: str
    watcher: str
    started: datetime
    ended: datetime | None = None
    detail: str = ""


class DiaryEntry(DiaryScope):
    """One automation action from first sight to its end."""

    id: int
    tsa: str
    kind: DiaryKind
    origin: DiaryOrigin = "tsa"
    rule: str
    reason: str
    duration: timedelta | None = None
    first_seen: datetime
    first_expires: datetime
    expires: datetime
    refreshes: int = 0
    ended_at: datetime | None = None
    end_reason: EndReason | None = None
    moments: list[DiaryMoment] = Field(default_factory=list)

    @property
    def scope_text(self) -> str:
        """What the action covered, in words."""
        return describe_scope(kind=self.kind, path=self.path, domain=self.domain,
                              tenant=self.tenant, campaign=self.campaign, source=self.source,
                              option=self.option, value=self.value)

    def active_at(self, now: datetime) -> bool:
        """Still in force: not ended and not past its expiry."""
        return self.ended_at is None and self.expires > now


class RuleResponses(Model):
    """Receivers' responses that matched one rule in the logs, grouped."""

    text: str
    count: int


class RuleFired(Model):
    """One rule across the window: how often, with what, and on which responses."""

    rule: str
    kinds: list[DiaryKind]
    actions: int
    refreshes: int
    active: int
    durations: list[timedelta] = Field(default_factory=list)
    responses: list[RuleResponses] = Field(default_factory=list)


class TsaHistoryAnswer(AnswerBase):
    """``tsa history [DOMAIN] [--since DUR]``."""

    kind: Literal["tsa-history"] = "tsa-history"
    domain: str | None = None
    since: datetime
    entries: list[DiaryEntry] = Field(default_factory=list)
    rules: list[RuleFired] = Field(default_factory=list)
    gaps: list[DiaryGap] = Field(default_factory=list)
    responses_note: str | None = None


def entry_in_scope(entry: DiaryEntry, scope: Scope) -> bool:
    """An action on the scope's site (a path or a throttle on the domain) or its domain."""
    if entry.site is not None and entry.site == scope.site:
        return True
    return entry.domain is not None and entry.domain == scope.domain


def in_window(entry: DiaryEntry, since: datetime) -> bool:
    """Active at some point since ``since``."""
    end = entry.ended_at or entry.expires
    return entry.ended_at is None or end >= since


def rules_fired(entries: list[DiaryEntry], now: datetime) -> list[RuleFired]:
    """Group entries by rule text, most actions first."""
    by_rule: dict[str, list[DiaryEntry]] = {}
    for entry in entries:
        by_rule.setdefault(entry.rule, []).append(entry)
    out = []
    for rule, group in by_rule.items():
        kinds = sorted({e.kind for e in group})
        durations = sorted({e.duration for e in group if e.duration is not None})
        out.append(RuleFired(
            rule=rule, kinds=kinds, actions=len(group),
            refreshes=sum(e.refreshes for e in group),
            active=sum(1 for e in group if e.active_at(now)), durations=durations))
    return sorted(out, key=lambda r: (-r.actions, r.rule))
