"""Answers read from the delivery logs: ``log`` and ``responses``."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from bot.core.answers import AnswerBase
from bot.core.logscan import ScanReport
from bot.core.logtally import ResponseSummary
from bot.core.models import Model


class LogEntry(Model):
    """One record as ``log`` shows it; ``text`` is the response verbatim (redacted if set)."""

    at: datetime | None
    node: str
    type: str
    code: int | None = None
    enhanced: str = ""
    text: str = ""
    internal: bool = False
    source: str | None = None
    site: str | None = None
    queue: str | None = None
    domains: list[str] = Field(default_factory=list, description="recipient domains")
    attempts: int | None = None


class LogAnswer(AnswerBase):
    """``log DOMAIN``: the newest matching records, newest first."""

    kind: Literal["log"] = "log"
    domain: str
    scope_sentence: str
    filters: str = ""
    since: datetime | None = None
    limit: int
    internal_shown: bool = False
    redacted: bool = True
    records: list[LogEntry] = Field(default_factory=list)
    report: ScanReport = Field(default_factory=ScanReport)


class ResponsesAnswer(AnswerBase):
    """``responses DOMAIN``: receivers' responses, 4xx/5xx first, then grouped."""

    kind: Literal["responses"] = "responses"
    domain: str
    scope_sentence: str
    since: datetime | None = None
    since_is_default: bool = False
    internal_shown: bool = False
    summary: ResponseSummary = Field(default_factory=ResponseSummary)
    report: ScanReport = Field(default_factory=ScanReport)
