"""A change on the record: intent row first, then the action, then outcome rows.

DESIGN 7: an action that changes anything writes an ``intent`` row before it acts and
``outcome`` rows after, linked by one correlation id, so a change is never made
without its record.  ``record_change`` is that rule in one place:

- the intent row is appended first; if it cannot be written the action is not called
  and ``StorageError`` says so (nothing changed);
- the action gets a ``ChangeRecord`` and records one outcome per node as it goes;
- if the action raises, an outcome row says so (``error`` for a ``BotError``, else
  ``unknown``: the bot cannot tell what the node did) and the error propagates;
- if the action recorded nothing, one ``ok`` outcome row closes the change.

An outcome row that cannot be written does not undo a change already made: it is
counted in ``unrecorded`` so the answer can say the record is incomplete.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from bot.core.audit import AuditEvent, Outcome
from bot.core.errors import BotError, StorageError
from bot.ports import AuditLog, Clock

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass
class ChangeRecord:
    """The audit side of one change in progress: what was intended, what came of it."""

    audit: AuditLog
    clock: Clock
    intent: AuditEvent
    started: float = field(default_factory=time.monotonic)
    outcomes: list[AuditEvent] = field(default_factory=list)
    unrecorded: int = 0

    @property
    def correlation_id(self) -> str:
        """The id every row of this change carries."""
        return self.intent.correlation_id

    def outcome(self, outcome: Outcome, *, node: str | None = None, detail: str = "") -> bool:
        """Record what happened (on ``node``, when given); False when it was not written."""
        event = self.intent.model_copy(update={
            "at": self.clock.now(), "phase": "outcome", "outcome": outcome,
            "detail": detail[:2000], "nodes": [node] if node else list(self.intent.nodes),
            "duration_ms": int((time.monotonic() - self.started) * 1000),
        })
        self.outcomes.append(event)
        try:
            self.audit.append(event)
        except Exception:  # the change is made; losing its outcome row must not hide that
            log.exception("outcome of change %s not recorded", self.correlation_id)
            self.unrecorded += 1
            return False
        return True


def record_change(
    audit: AuditLog, clock: Clock, intent: AuditEvent, action: Callable[[ChangeRecord], T]
) -> tuple[T, ChangeRecord]:
    """Write ``intent``, then run ``action``, then make sure an outcome is on the record."""
    intent = intent.model_copy(update={"phase": "intent", "outcome": "unknown"})
    try:
        audit.append(intent)
    except Exception as exc:  # whatever broke the write, the rule is the same: do not act
        raise StorageError(
            "The change was not made: its intent could not be written to the audit log.",
            hint="Nothing was sent to any node. Check the bot's database, then try again.",
        ) from exc
    record = ChangeRecord(audit=audit, clock=clock, intent=intent)
    try:
        result = action(record)
    except BaseException as exc:
        record.outcome("error" if isinstance(exc, BotError) else "unknown",
                       detail=f"{type(exc).__name__}: {exc}")
        raise
    if not record.outcomes:
        record.outcome("ok")
    return result, record
