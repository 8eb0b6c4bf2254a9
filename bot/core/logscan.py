"""What a scan of the delivery logs reports besides its result: coverage and damage.

Logs are read as they are: a live segment flushed half-way, a truncated file from a
crash, a corrupt frame, a line that is not JSON.  None of these stops a scan; each
is skipped, counted, and named in the ``ScanReport`` so the answer can say so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from pydantic import Field

from bot.core.models import Model

T = TypeVar("T")

ProblemKind = Literal["truncated", "corrupt", "bad-line", "unreadable", "not-a-segment"]

_PROBLEM_WORDS: dict[str, str] = {
    "truncated": "truncated segment (read up to the damage)",
    "corrupt": "corrupt zstd data (read up to the damage, the rest skipped)",
    "bad-line": "line that is not a JSON log record (skipped)",
    "unreadable": "file or directory that could not be read",
    "not-a-segment": "file not named like a log segment (skipped)",
}


class LogProblem(Model):
    """Something in one file that could not be read as records, and how often."""

    node: str
    path: str
    kind: ProblemKind
    count: int = 1
    detail: str = ""

    @property
    def sentence(self) -> str:
        """``mta2: 3 × line that is not a JSON log record (skipped) in 20261129-0930``."""
        what = _PROBLEM_WORDS[self.kind]
        times = f"{self.count:,} × " if self.count > 1 else ""
        detail = f": {self.detail}" if self.detail else ""
        return f"{self.node}: {times}{what} in {self.path}{detail}"


class ScanReport(Model):
    """How much of the logs a scan covered, and what it had to skip."""

    nodes: list[str] = Field(default_factory=list)
    segments_read: int = 0
    segments_skipped: int = Field(0, description="left out by name: outside the time window")
    segments_not_needed: int = Field(0, description="left unread once the newest N were found")
    bytes_read: int = Field(0, description="uncompressed bytes decoded")
    records_seen: int = Field(0, description="lines decoded as records (after pre-filtering)")
    internal: int = Field(0, description="KumoMTA internal records that matched otherwise")
    problems: list[LogProblem] = Field(default_factory=list)

    @property
    def damaged(self) -> int:
        """How many things were skipped because they could not be read."""
        return sum(p.count for p in self.problems)


@dataclass(frozen=True)
class ScanProgress:
    """How far a scan has got, in compressed bytes (what the disk has to deliver)."""

    done_bytes: int
    total_bytes: int
    segments_done: int
    segments_total: int
    matched: int = 0

    @property
    def fraction(self) -> float:
        """0.0 to 1.0."""
        if self.total_bytes <= 0:
            return 1.0
        return min(self.done_bytes / self.total_bytes, 1.0)


ProgressFn = Callable[[ScanProgress], None]
"""Called by a reader as a scan advances (often; the listener decides how often to show it)."""


@dataclass(frozen=True)
class LogScan(Generic[T]):
    """A reader's answer: the result and the report of what was read to get it."""

    result: T
    report: ScanReport


def progress_bar(progress: ScanProgress, width: int = 20) -> str:
    """``▓▓▓▓▓░░░░░ 48% · 3 of 7 segments`` for a progress message."""
    filled = round(progress.fraction * width)
    return (
        "▓" * filled
        + "░" * (width - filled)
        + f" {progress.fraction:.0%} · {progress.segments_done} of "
        + f"{progress.segments_total} segments"
    )
