"""The demo runs the scheduler in-process, on the simulator's clock: `/advance` makes jobs due."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

from bot.adapters.audit_jobs import NOTE
from bot.bootstrap_demo import build_demo


def test_a_job_due_in_simulated_time_runs_once_the_demo_advances_past_it(
    tmp_path: Path,
) -> None:
    demo = build_demo("healthy", workdir=tmp_path)
    try:
        due = demo.park.clock.now() + timedelta(minutes=30)
        demo.storage.jobs.schedule(NOTE, due=due, payload={"text": "half an hour later"})
        demo.park.advance(timedelta(minutes=31))
        deadline = time.monotonic() + 20  # a wait for the loop's next look, not a measurement
        while time.monotonic() < deadline:
            notes = [e for e in demo.storage.audit.recent() if e.phase == "note"]
            if notes:
                break
            time.sleep(0.05)
        assert [e.detail for e in notes] == ["half an hour later"]
        assert notes[0].at >= due  # stamped with the simulator's time, not the wall clock's
    finally:
        demo.close()
    assert not demo.scheduler.is_alive()  # stopped with the demo
