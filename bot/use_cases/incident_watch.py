"""The ``watch`` loop's look for holds made outside the bot, for every open incident.

Every minute (a scheduler job, so one replica runs it), each open incident with
domains gets the same look as ``incident status``: an out-of-band hold is recorded
on its timeline when first seen, even if nobody types a command meanwhile.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.core.errors import BotError
from bot.core.jobs import Job
from bot.ports import Clock, JobQueue
from bot.use_cases.incident_holds import look_for_out_of_band

if TYPE_CHECKING:
    from bot.services import Services

LOOK_JOB = "incident-out-of-band"
LOOK_EVERY = timedelta(minutes=1)

log = logging.getLogger(__name__)


def ensure_look_job(jobs: JobQueue, clock: Clock) -> None:
    """Queue the repeating look once (keyed: every process may call this)."""
    jobs.schedule(LOOK_JOB, due=clock.now(), key=LOOK_JOB, every=LOOK_EVERY)


def look_job(services: Services) -> Callable[[Job], None]:
    """The scheduler's handler: look at the holds of every open incident's domains."""

    def run(_job: Job) -> None:
        if services.incidents is None:
            return
        for incident in services.incidents.recent(include_resolved=False, limit=200):
            if not incident.domains:
                continue
            try:
                look_for_out_of_band(services, incident)
            except BotError as exc:  # one incident's failed look must not stop the others
                log.warning("incident %s: out-of-band look failed: %s", incident.id,
                            exc.message)

    return run
