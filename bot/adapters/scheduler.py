"""The scheduler: runs due jobs from SQL, once across replicas, on the Clock's time.

``run_due`` claims what is due now (by the ``Clock`` port: tests advance a fake clock
instead of sleeping), runs each job's handler, and records the result.  ``kumo-bot
watch`` calls it in a loop (``run_forever``); the demo runs that loop on a background
thread (``start``).  Handlers are registered by name; a job whose name this process
does not know is left for a process that does.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Mapping
from datetime import timedelta

from bot.adapters.storage.jobs_sql import SqlJobQueue
from bot.core.jobs import Job, retry_delay
from bot.ports import Clock

log = logging.getLogger(__name__)

JobHandler = Callable[[Job], None]
DEFAULT_LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 5


def worker_name() -> str:
    """A name for this process that no other replica shares."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Scheduler:
    """Claims due jobs, runs their handlers, records done / retry / failed."""

    def __init__(
        self,
        queue: SqlJobQueue,
        clock: Clock,
        *,
        handlers: Mapping[str, JobHandler],
        worker: str | None = None,
        lease: timedelta = DEFAULT_LEASE,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self.queue = queue
        self.clock = clock
        self.handlers = dict(handlers)
        self.worker = worker or worker_name()
        self.lease = lease
        self.max_attempts = max_attempts

    def run_due(self, *, limit: int = 20) -> int:
        """Run every job due now (up to ``limit``); returns how many this process ran."""
        if not self.handlers:
            return 0
        jobs = self.queue.claim_due(worker=self.worker, names=list(self.handlers),
                                    lease=self.lease, limit=limit)
        for job in jobs:
            self._run(job)
        return len(jobs)

    def _run(self, job: Job) -> None:
        try:
            self.handlers[job.name](job)
        except Exception as exc:  # the scheduler is an edge: one bad job never stops the rest
            retry_at = None
            if job.attempts < self.max_attempts:
                retry_at = self.clock.now() + retry_delay(job.attempts)
            log.exception("job %s #%d failed (attempt %d)%s", job.name, job.id, job.attempts,
                          f"; retrying at {retry_at:%H:%M:%S}" if retry_at else "; giving up")
            self.queue.fail(job, worker=self.worker, error=f"{type(exc).__name__}: {exc}",
                            retry_at=retry_at)
            return
        if not self.queue.finish(job, worker=self.worker):
            log.warning("job %s #%d finished after its lease passed to another worker",
                        job.name, job.id)

    def run_forever(self, stop: threading.Event, *, poll: float = 1.0) -> None:
        """Run due jobs every ``poll`` seconds until ``stop`` is set."""
        while not stop.is_set():
            try:
                self.run_due()
            except Exception:  # a database hiccup must not end the loop; the next poll retries
                log.exception("the scheduler could not read its jobs; retrying")
            stop.wait(poll)

    def start(self, *, poll: float = 1.0) -> SchedulerThread:
        """Run the loop on a background thread (the demo's in-process scheduler)."""
        thread = SchedulerThread(self, poll=poll)
        thread.start()
        return thread


class SchedulerThread:
    """The scheduler loop on a daemon thread, stopped by ``stop()``."""

    def __init__(self, scheduler: Scheduler, *, poll: float) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=scheduler.run_forever, args=(self._stop,), kwargs={"poll": poll},
            name="kumo-scheduler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def is_alive(self) -> bool:
        """Whether the loop is still running."""
        return self._thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the loop to end and wait for the job in hand to finish."""
        self._stop.set()
        self._thread.join(timeout)
