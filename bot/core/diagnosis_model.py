"""The values of ``diagnose``: what was gathered, and the verdict built from it.

The use case gathers (in parallel, through the ports) a :class:`DiagnosisEvidence`;
``bot.core.diagnosis.diagnose`` turns it into a :class:`Diagnosis`, purely.  Every
source of evidence may be missing (a node down, logs unreadable, TSA unreachable): it
is then ``None`` or partial, and an :class:`Unchecked` entry says what the verdict
could not check.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from bot.core.explanation import Explanation
from bot.core.health import NodeHealth
from bot.core.holds import Hold
from bot.core.logtally import ResponseGroup
from bot.core.models import Model, TsaOverride
from bot.core.summary_queue import ReadyRow, ScheduledRow
from bot.core.tsa_origin import TsaOrigin

# --- what was gathered ---------------------------------------------------------------


class ExplainedGroup(Model):
    """One group of receivers' replies over the window, with what it means."""

    group: ResponseGroup
    recent: int = Field(0, description="how many of them came in the recent part")
    explanation: Explanation


class RepliesRead(Model):
    """Receivers' replies for the domain over the window, from the delivery logs."""

    since: datetime
    recent_since: datetime
    deferrals: int = 0
    bounces: int = 0
    other: int = 0
    internal: int = Field(0, description="KumoMTA's own `KumoMTA internal:` replies")
    recent_bounces: int = 0
    groups: list[ExplainedGroup] = Field(default_factory=list)
    groups_total: int = 0
    internal_groups: list[ResponseGroup] = Field(default_factory=list)
    bounce_queues: dict[str, int] = Field(default_factory=dict)
    """The queues of the newest 5xx records (a sample), with how many each."""
    nodes: list[str] = Field(default_factory=list)
    rules_checked: bool = Field(True, description="False: the shaping files could not be "
                                "loaded, so which TSA rules fire is unknown")

    @property
    def receivers(self) -> int:
        """Every reply from a receiver (KumoMTA's own left out)."""
        return self.deferrals + self.bounces + self.other

    @property
    def baseline_bounces(self) -> int:
        """The 5xx of the window before its recent part."""
        return self.bounces - self.recent_bounces


class EgressPath(Model):
    """One node's egress path (source -> the domain's site) seen in its metrics."""

    node: str
    source: str


class ParkRead(Model):
    """What the nodes that answered say about the domain's scope, and their health."""

    nodes: list[str] = Field(default_factory=list)
    scheduled: list[ScheduledRow] = Field(default_factory=list)
    ready: list[ReadyRow] = Field(default_factory=list)
    paths: list[EgressPath] = Field(default_factory=list)
    holds: list[Hold] = Field(default_factory=list)
    origins: dict[str, TsaOrigin] = Field(default_factory=dict)
    health: list[NodeHealth] = Field(default_factory=list)

    @property
    def queued(self) -> int:
        """Messages in the scope's scheduled queues."""
        return sum(s.count for s in self.scheduled)

    @property
    def ready_queued(self) -> int:
        """Messages in the scope's ready queues (egress paths)."""
        return sum(r.queued for r in self.ready)


class TsaRead(Model):
    """What the tsa-daemons hold for the domain beside the holds kumod lists: throttles."""

    throttles: list[TsaOverride] = Field(default_factory=list)


UncheckedKind = Literal["node", "tsa", "logs", "rules", "holds", "metrics"]


class Unchecked(Model):
    """A source of evidence that failed, and what the verdict therefore could not check."""

    kind: UncheckedKind
    source: str
    detail: str
    consequence: str


class DiagnosisEvidence(Model):
    """Everything ``diagnose`` gathered for one domain."""

    domain: str
    site: str
    scope_sentence: str
    now: datetime
    park: ParkRead | None = None
    tsa: TsaRead | None = None
    replies: RepliesRead | None = None
    unchecked: list[Unchecked] = Field(default_factory=list)


# --- the verdict ---------------------------------------------------------------------

Severity = Literal["critical", "warning", "info", "ok"]
FindingKind = Literal[
    "mail-bounced-by-hold",
    "tsa-holding",
    "manual-hold",
    "provider-brake",
    "reputation-block",
    "dead-addresses",
    "rejections",
    "bounce-spike",
    "listeners-refusing",
    "memory-low",
    "all-clear",
]


class Piece(Model):
    """Part of an evidence line; ``quoted`` parts are untrusted text shown verbatim."""

    text: str
    quoted: bool = False


class Line(Model):
    """One line of evidence: plain words and quoted texts (a reply, a reason, a name)."""

    parts: list[Piece]

    @property
    def text(self) -> str:
        """The line as plain text, quoted parts in backticks."""
        return "".join(f"`{p.text}`" if p.quoted else p.text for p in self.parts)


class Finding(Model):
    """One verdict with the evidence it rests on, the first step and the moves not to make."""

    kind: FindingKind
    severity: Severity
    verdict: str
    evidence: list[Line] = Field(default_factory=list)
    first_step: str
    donts: list[str] = Field(default_factory=list)
    weight: int = Field(0, description="messages or replies it accounts for; ranks findings")


class Diagnosis(Model):
    """``diagnose DOMAIN``: findings ranked, the one that explains the most first."""

    domain: str
    site: str
    scope_sentence: str
    findings: list[Finding]
    checked: list[str] = Field(default_factory=list)
    unchecked: list[Unchecked] = Field(default_factory=list)

    @property
    def lead(self) -> Finding:
        """The finding that explains the most."""
        return self.findings[0]
