"""The post-mortem as one typed value: what the templates render (issue 8, DESIGN 7).

``PostmortemDoc`` is the one context object the Markdown and HTML templates get.
Every section carries its rows and, when it has none, ``why`` it has none: a
post-mortem never leaves a reader guessing whether a blank means "nothing happened"
or "nothing was looked at".  ``bot.core.postmortem_sections`` builds the sections
from the incident, its timeline and what was read for it; everything is sorted, and
times are UTC, so the same facts always give the same document.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import Field

from bot.core.impact import SERIES_WORDS, Impact
from bot.core.incidents import Incident, TimelineEntry
from bot.core.models import Model
from bot.core.tsa_timeline import TSA_DETAIL

ACTIONS_NOTE = (
    "A change runs after its requester's own Confirm (\"confirmed by the requester\"); a "
    "dangerous action needs a second person's sign-off (\"approved by\" that person)."
)
GENERATED_AT_PREFIX = "Generated at "
"""The stamp's words: the one line that varies between two renderings of one incident."""


def utc_text(at: datetime | None) -> str:
    """``2026-11-29 09:30:00 UTC`` (seconds kept, zone said), ``-`` for None."""
    if at is None:
        return "-"
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def span_text(seconds: float) -> str:
    """``1h 05m`` / ``12m 30s``: an incident's length in words a manager reads."""
    whole = int(max(seconds, 0))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {secs:02d}s"


def _words(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


class QueuedRow(Model):
    """Messages still queued for one domain on one node."""

    domain: str
    node: str
    queued: int


class QueuedAtResolve(Model):
    """What was still queued when the incident was resolved (or now, while open)."""

    basis: str = Field(description="where the numbers come from, in words")
    at: datetime | None = None
    rows: list[QueuedRow] = Field(default_factory=list)

    @property
    def total(self) -> int:
        """Every message counted."""
        return sum(r.queued for r in self.rows)


class ActionLine(Model):
    """One request, approval or executed change, with who asked and who let it run: the
    requester's own Confirm (``confirmed by the requester``) is not a second person's
    sign-off (``approved by U0BOB``)."""

    at: datetime
    kind: str
    text: str
    quoted: str | None = None
    requester: str | None = None
    approver: str | None = Field(None, description="a second person who signed it off")
    agreed: str | None = Field(None, description="confirmed by the requester / approved by X")
    outcome: str | None = None
    nodes: list[str] = Field(default_factory=list, description="`node: result`, sorted")


class EarlierIncident(Model):
    """An earlier incident on one of the same domains."""

    id: str
    title: str
    opened_at: datetime
    domains: tuple[str, ...]
    status: str


class Pattern(Model):
    """Isolated or part of a pattern: earlier incidents and TSA's earlier actions."""

    verdict: str
    earlier: list[EarlierIncident] = Field(default_factory=list)
    tsa_before: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list, description="what could not be checked")


class PostmortemDoc(Model):
    """Everything the templates show; ``*_why`` says why a section is empty."""

    incident: Incident
    generated_at: datetime
    window_since: datetime
    window_until: datetime
    window_note: str
    duration: str
    summary: list[str] = Field(default_factory=list)
    impact: Impact | None = None
    impact_why: str | None = None
    impact_notes: list[str] = Field(default_factory=list)
    queued: QueuedAtResolve | None = None
    queued_why: str | None = None
    chart_file: str | None = None
    chart_why: str | None = None
    timeline: list[TimelineEntry] = Field(default_factory=list)
    timeline_why: str | None = None
    tsa: list[TimelineEntry] = Field(default_factory=list)
    tsa_why: str | None = None
    tsa_note: str = TSA_DETAIL
    actions_note: str = ACTIONS_NOTE
    actions: list[ActionLine] = Field(default_factory=list)
    actions_why: str | None = None
    approvals_why: str | None = None
    causes: list[TimelineEntry] = Field(default_factory=list)
    causes_why: str | None = None
    changes: list[TimelineEntry] = Field(default_factory=list)
    changes_why: str | None = None
    pattern: Pattern
    followups: list[str] = Field(default_factory=list)
    followups_why: str | None = None

    @property
    def chart_caption(self) -> str:
        """What the chart draws, and which series it leaves out for having no record."""
        if self.impact is None:
            return ""
        drawn = [SERIES_WORDS[name] for name in self.impact.drawn_series]
        words = _words(drawn)
        width = self.impact.bucket_minutes
        text = f"{words[:1].upper()}{words[1:]} per provider, per " + (
            "minute." if width == 1 else f"{width} minutes.")
        zero = self.impact.zero_series
        if zero:
            text += f" Not drawn, being zero over the whole window: {_words(zero)}."
        return text

    @property
    def chart_alt(self) -> str:
        """The image's alternative text."""
        if self.impact is None:
            return ""
        words = _words([SERIES_WORDS[name] for name in self.impact.drawn_series])
        return f"{words[:1].upper()}{words[1:]} per provider over time"

    @property
    def generated_stamp(self) -> str:
        """``Generated at 2026-11-29 10:40:00 UTC``."""
        return GENERATED_AT_PREFIX + utc_text(self.generated_at)

    @property
    def base_name(self) -> str:
        """The files' common name: ``postmortem-INC-20261129-1``."""
        safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in self.incident.id)
        return f"postmortem-{safe}"
