"""Metric history size: a week of a 20-node park with 200 queues per node, in SQLite.

Run: ``.venv/bin/python benchmarks/metric_history.py [--nodes 20] [--queues 200]``
(about a minute).

Each node has ``--queues`` scheduled queues and as many egress paths (ready queues),
each path with five series (ready, connections, delivered, transfail, fail), plus 10
providers x 4 series, 20 tenants, 50 tenant/campaign pairs, memory (2) and disk (3):
1,325 series a node at the defaults.  Values move as a busy park's do: queue gauges
wander, counters climb by a few hundred a minute.

The week is written as the sampler and its thinning leave it: one snapshot a minute
for the last six hours, one per ten minutes back to two days, one an hour back to
eight days (``bot.core.metric_history.TIERS``), through ``SqlMetricHistory.record``;
then ``compact`` runs once to show nothing more goes.  Reported: snapshots kept, the
SQLite file size after VACUUM, bytes per snapshot, and how long ``snapshots()`` takes
for the last hour, for the whole week, and for the whole week of one domain's series
(what ``trend DOMAIN --since 7d`` reads), the latter both ways, alternated over five
rounds (medians): every snapshot (the baseline), and the roll-ups that ``compact``
builds (``bot.core.metric_rollups``: the latest of each hour from the blocks, the
newest six minutes whole), which is what ``trend`` now reads for a window over 6 h.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.adapters.storage.engine import make_engine
from bot.adapters.storage.metrics_sql import SqlMetricHistory
from bot.adapters.storage.migrate import upgrade
from bot.core.metric_history import KEEP_FOR, TIERS, SeriesKey, Snapshot
from bot.core.metric_rollups import step_for_window
from bot.core.trend import RATE_WINDOW

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
ROUNDS = 5


def sample_times() -> list[datetime]:
    """Every time a snapshot survives thinning, oldest first."""
    times: list[datetime] = []
    edges = [(timedelta(0), TIERS[0][0], timedelta(minutes=1)),
             (TIERS[0][0], TIERS[1][0], TIERS[0][1]),
             (TIERS[1][0], KEEP_FOR, TIERS[1][1])]
    for newest, oldest, step in edges:
        at = NOW - newest
        while NOW - at < oldest:
            times.append(at)
            at -= step
    return sorted(set(times))


def series(queues: int) -> list[tuple[SeriesKey, bool]]:
    """(key, is_counter) for one node."""
    out: list[tuple[SeriesKey, bool]] = []
    for q in range(queues):
        out.append((("sched", f"campaign{q % 17}:tenant{q % 20}@domain{q}.example"), False))
        path = f"ip-{q % 8}->mx{q}.domain{q}.example@smtp_client"
        out.extend([(("ready", path), False), (("connections", path), False),
                    (("delivered", path), True), (("transfail", path), True),
                    (("fail", path), True)])
    for p in range(10):
        out.append((("provider_queued", f"provider{p}"), False))
        out.extend(((kind, f"provider{p}"), True)
                    for kind in ("provider_delivered", "provider_transfail", "provider_fail"))
    out.extend((("tenant", f"tenant{t}"), False) for t in range(20))
    out.extend((("tenant_campaign", f"tenant{c % 20}\tcampaign{c}"), False) for c in range(50))
    out.extend([(("memory_usage", ""), False), (("memory_limit", ""), False)])
    out.extend((("disk_free_percent", name), False)
                for name in ("data spool", "meta spool", "log dir /var/log/kumomta"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=20)
    parser.add_argument("--queues", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "history.sqlite3"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        history = SqlMetricHistory(engine)
        keys = series(args.queues)
        times = sample_times()
        started = time.perf_counter()
        for n in range(args.nodes):
            values = {key: float(rng.randrange(0, 5000)) for key, _ in keys}
            values[("memory_limit", "")] = 8 * 2**30
            previous = times[0]
            for at in times:
                minutes = max((at - previous).total_seconds() / 60, 1)
                for key, counter in keys:
                    if counter:
                        values[key] += rng.randrange(0, 400) * minutes
                    elif key[0] in ("sched", "ready", "tenant", "tenant_campaign",
                                    "provider_queued"):
                        values[key] = max(0.0, values[key] + rng.randrange(-200, 201))
                values[("memory_usage", "")] = float(rng.randrange(2, 6) * 2**30)
                history.record(Snapshot(node=f"mta{n + 1}", at=at, values=values))
                previous = at
        written = time.perf_counter() - started
        built = time.perf_counter()
        dropped = history.compact(NOW)  # also builds every roll-up block, the first time
        built = time.perf_counter() - built
        hour = time.perf_counter()
        recent = history.snapshots(since=NOW - timedelta(hours=1))
        hour = time.perf_counter() - hour
        week = time.perf_counter()
        everything = history.snapshots(since=NOW - timedelta(days=7))
        week = time.perf_counter() - week
        raw_runs, rollup_runs = [], []
        for _ in range(ROUNDS):  # alternated, so both paths see the same load on the box
            scoped = time.perf_counter()
            one = history.snapshots(since=NOW - timedelta(days=7),
                                    where=lambda key: "domain7." in key[1])
            raw_runs.append(time.perf_counter() - scoped)
            scoped = time.perf_counter()
            fast = history.snapshots(since=NOW - timedelta(days=7),
                                     where=lambda key: "domain7." in key[1],
                                     step=step_for_window(timedelta(days=7)),
                                     keep_newest=RATE_WINDOW + 1)
            rollup_runs.append(time.perf_counter() - scoped)
        raw_s, rollup_s = statistics.median(raw_runs), statistics.median(rollup_runs)
        engine.dispose()
        with sqlite3.connect(path) as conn:
            conn.execute("VACUUM")
        size = path.stat().st_size
        snapshots = len(times) * args.nodes
        print(json.dumps({
            "nodes": args.nodes, "queues_per_node": args.queues,
            "series_per_node": len(keys), "snapshots_kept": snapshots,
            "dropped_by_compact_after": dropped,
            "sqlite_bytes": size, "sqlite_mib": round(size / 2**20, 1),
            "bytes_per_snapshot": round(size / snapshots),
            "write_seconds": round(written, 1),
            "read_last_hour_seconds": round(hour, 2), "snapshots_last_hour": len(recent),
            "read_week_seconds": round(week, 2), "snapshots_week": len(everything),
            "read_week_one_domain_seconds": round(raw_s, 3),
            "series_per_snapshot_one_domain": len(one[-1].values) if one else 0,
            "rollup_build_seconds_first_compact": round(built, 1),
            "read_week_one_domain_rollups_seconds": round(rollup_s, 3),
            "snapshots_one_domain_raw_vs_rollups": [len(one), len(fast)],
            "speedup_rollups_vs_raw": round(raw_s / rollup_s, 1),
            "rounds": ROUNDS, "raw_runs": [round(r, 3) for r in raw_runs],
            "rollup_runs": [round(r, 3) for r in rollup_runs],
        }, indent=2))


if __name__ == "__main__":
    main()
