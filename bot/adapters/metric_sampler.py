"""The metric sampler: a scheduler job that keeps each node's queue metrics in SQL.

``metrics.sample`` runs every minute on the Clock (``kumo-bot watch`` hosts it; the
demo runs it in-process on the simulator's clock).  It asks every node for the
families of ``HISTORY_METRICS`` at once, stores one snapshot per node that answered
(a node that did not is logged and simply has a gap), then thins old snapshots.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.adapters.scheduler import JobHandler
from bot.core.jobs import Job
from bot.core.metric_history import HISTORY_METRICS, SAMPLE_EVERY, Snapshot, series_values
from bot.core.models import MetricSample
from bot.ports import Clock, JobQueue, MetricHistory, MtaReader, Park

log = logging.getLogger(__name__)

SAMPLE = "metrics.sample"


async def _history_metrics(reader: MtaReader) -> list[MetricSample]:
    return await reader.metrics(HISTORY_METRICS)


def sample_once(park: Park, history: MetricHistory, clock: Clock) -> list[str]:
    """Read every node now and store what each said; returns the nodes stored."""
    answer = park.ask(_history_metrics)
    at = clock.now()
    for node in answer.asked:
        if node in answer.results:
            history.record(Snapshot(node=node, at=at, values=series_values(answer.results[node])))
    for failure in answer.failures:
        log.warning("metric sample: %s did not answer (%s: %s)", failure.node, failure.kind,
                    failure.detail)
    history.compact(at)
    return [n for n in answer.asked if n in answer.results]


def sample_metrics(park: Park, history: MetricHistory, clock: Clock) -> JobHandler:
    """The handler of ``metrics.sample``."""

    def run(job: Job) -> None:
        sample_once(park, history, clock)

    return run


def ensure_sampler_job(jobs: JobQueue, clock: Clock,
                       every: timedelta = SAMPLE_EVERY) -> None:
    """Queue the repeating sample job once (keyed: every process may call this)."""
    jobs.schedule(SAMPLE, due=clock.now(), key=SAMPLE, every=every)
