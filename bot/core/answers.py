"""What a service answers: one typed result per use case.

Views turn these into Block Kit (Slack) and the terminal prints those blocks;
``kumo-bot ask --json`` prints the model itself.  Each answer says which nodes were
asked, which failed and why, and whether the audit log recorded the request.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from bot.core.health import NodeHealth
from bot.core.models import MachineInfo, Model, NodeFailure


class AnswerBase(Model):
    """Fields every answer carries."""

    command: str
    generated_at: datetime
    asked: list[str] = Field(default_factory=list)
    failures: list[NodeFailure] = Field(default_factory=list)
    recorded: bool = True
    correlation_id: str = ""


class HelpSection(Model):
    """A titled list of lines of help."""

    title: str
    lines: list[str]


class HelpAnswer(AnswerBase):
    """Usage of the bot or of one verb."""

    kind: Literal["help"] = "help"
    title: str
    sections: list[HelpSection]


class ErrorAnswer(AnswerBase):
    """The request could not be answered: a clear message, a hint, never a stack trace."""

    kind: Literal["error"] = "error"
    error_type: str
    message: str
    hint: str | None = None


class HealthAnswer(AnswerBase):
    """``health [NODE]``: liveness, memory headroom, disk, spool per node."""

    kind: Literal["health"] = "health"
    nodes: list[NodeHealth]


class DoctorCheck(Model):
    """One line of ``doctor``: a check, whether it passed, and what to do if not."""

    name: str
    ok: bool | None  # None: could not be checked
    detail: str
    fix: str | None = None


class NodeDoctor(Model):
    """``doctor`` for one node (or tsa-daemon)."""

    node: str
    role: Literal["kumod", "tsa-daemon"] = "kumod"
    info: MachineInfo | None = None
    checks: list[DoctorCheck]


class DoctorAnswer(AnswerBase):
    """``doctor``: can the bot do its job against this park?"""

    kind: Literal["doctor"] = "doctor"
    nodes: list[NodeDoctor]
