"""The jobs this release ships, and the handlers that run them.

- ``audit.copy-head``: copy the signed audit head to every ``KUMO_AUDIT_ANCHOR``
  (repeats every five minutes when an anchor is configured);
- ``keys.prune``: forget idempotency keys older than a week (Slack never redelivers
  that late), every six hours;
- ``audit.note``: write a note into the audit log at a set time (its payload's
  ``text``); the smallest real job, used to check the scheduler end to end.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from bot.adapters.scheduler import JobHandler
from bot.adapters.storage import HeadAnchor, Storage
from bot.core.audit import Actor, AuditEvent
from bot.core.jobs import Job
from bot.ports import Clock

log = logging.getLogger(__name__)

COPY_HEAD = "audit.copy-head"
NOTE = "audit.note"
PRUNE_KEYS = "keys.prune"
COPY_HEAD_EVERY = timedelta(minutes=5)
PRUNE_KEYS_EVERY = timedelta(hours=6)
KEEP_KEYS_FOR = timedelta(days=7)
SCHEDULER_ACTOR = Actor(id="kumo-bot", name="scheduler")


def copy_head(storage: Storage, anchors: Sequence[HeadAnchor]) -> JobHandler:
    """The handler of ``audit.copy-head``."""

    def run(job: Job) -> None:
        head = storage.audit.head()
        if head is None or head.signature is None:
            return  # nothing appended yet: nothing signed to copy
        failed = [anchor.name for anchor in anchors if not anchor.write(head)]
        if failed:
            raise RuntimeError("the signed head was not copied to " + ", ".join(failed))

    return run


def note(storage: Storage, clock: Clock) -> JobHandler:
    """The handler of ``audit.note``."""

    def run(job: Job) -> None:
        storage.audit.append(AuditEvent(
            at=clock.now(), actor=SCHEDULER_ACTOR, transport="watch", phase="note",
            detail=str(job.payload.get("text", ""))[:2000],
            correlation_id=job.key or f"job-{job.id}",
        ))

    return run


def prune_keys(storage: Storage, clock: Clock) -> JobHandler:
    """The handler of ``keys.prune``."""

    def run(job: Job) -> None:
        dropped = storage.keys.forget_before(clock.now() - KEEP_KEYS_FOR)
        if dropped:
            log.info("forgot %d idempotency keys older than %s", dropped, KEEP_KEYS_FOR)

    return run


def standard_handlers(storage: Storage, clock: Clock) -> dict[str, JobHandler]:
    """Every job handler of this release, by job name."""
    return {
        COPY_HEAD: copy_head(storage, storage.anchors),
        NOTE: note(storage, clock),
        PRUNE_KEYS: prune_keys(storage, clock),
    }


def ensure_standard_jobs(storage: Storage, clock: Clock) -> None:
    """Queue the repeating jobs once (keyed: every process may call this at start-up)."""
    now = clock.now()
    storage.jobs.schedule(PRUNE_KEYS, due=now + PRUNE_KEYS_EVERY, key=PRUNE_KEYS,
                          every=PRUNE_KEYS_EVERY)
    if storage.anchors:
        storage.jobs.schedule(COPY_HEAD, due=now, key=COPY_HEAD, every=COPY_HEAD_EVERY)
