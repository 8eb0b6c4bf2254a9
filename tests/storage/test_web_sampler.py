"""`kumo-bot web` samples the metric history too: one sample a minute, whoever takes it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.kumomta import HttpPark
from bot.adapters.metric_sampler import SAMPLE
from bot.adapters.slack import web
from bot.adapters.storage import Storage
from bot.bootstrap import build_sampler, build_scheduler
from bot.simulator import SimulatedPark
from tests.fakes import FixedClock

from .databases import T0


@pytest.fixture
def park(tmp_path: Path) -> Iterator[HttpPark]:
    sim = SimulatedPark.start("yahoo-tss04", log_root=tmp_path / "logs")
    http = HttpPark(sim.node_urls, {}, timeout=3.0)
    yield http
    http.close()
    sim.stop()


def test_the_web_sampler_runs_only_the_sample_and_shares_it_with_watch(
        storage: Storage, clock: FixedClock, park: HttpPark) -> None:
    assert storage.metrics is not None
    sampler = build_sampler(storage, park, clock=clock)
    assert sampler is not None and set(sampler.handlers) == {SAMPLE}
    watch = build_scheduler(storage, clock=clock, park=park)
    assert sampler.run_due() == 1
    watch.run_due()  # the same minute: the sample is already taken
    clock.advance(timedelta(minutes=1))
    watch.run_due()
    sampler.run_due()  # and this minute's went to watch
    taken = storage.metrics.snapshots(since=T0 - timedelta(minutes=1))
    assert sorted((s.at - T0, s.node) for s in taken) == [
        (timedelta(minutes=m), n) for m in (0, 1) for n in ("mta1", "mta2", "mta3")]


def test_serve_starts_the_workers_own_threads_after_the_fork(
        monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    class Recorder:
        def __init__(self, app: object, options: dict[str, Any]) -> None:
            seen.update(options)

        def run(self) -> None:
            seen["ran"] = True

    monkeypatch.setattr(web, "_Gunicorn", Recorder)
    started: list[bool] = []
    web.serve(lambda environ, start: [], port=0,  # type: ignore[arg-type,return-value]
              on_worker_start=lambda: started.append(True))
    assert seen["ran"] and seen["workers"] == 1
    seen["post_worker_init"](object())
    assert started == [True]
