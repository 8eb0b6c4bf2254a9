"""Audit append throughput on PostgreSQL: four writer processes, one sealed chain.

Run: ``KUMO_TEST_DATABASE_URL=postgresql+psycopg://... .venv/bin/python benchmarks/audit.py``
(``.ci/run``'s ``provision_postgres`` gives one; about a minute).

Each writer process appends ``EVENTS`` audit events through ``SqlAuditLog.append``, one
transaction per event, exactly as the bot records commands: take the chain's advisory
lock, read the head, seal the row onto it, insert, move and sign the head, commit.  The
four start together (a barrier) and the figure is events over the wall time from the
first start to the last finish.  Each configuration runs three times, the
configurations taking turns, and the median is reported.  The chain is verified
afterwards (every row written must be there).

Named baseline, same run, same database: ``plain INSERT``: the same four processes
insert rows of the same size into a scratch table with no chain and no lock, one
transaction per row.  The ratio says what the chain costs.  Target: at least 1,000
events/s with four writers.

Each run uses a fresh schema (dropped at the end), so runs never collide.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from _sim import table

from bot.adapters.storage import open_storage
from bot.adapters.storage.engine import make_engine
from bot.core.audit import Actor, AuditEvent

WRITERS = 4
ROUNDS = 3
EVENTS = 1000
TARGET_PER_S = 1000.0
KEY = b"benchmark-audit-key-0123456789abcdef"


class _Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def _event(writer: int, index: int) -> AuditEvent:
    return AuditEvent(
        at=datetime.now(UTC), actor=Actor(id=f"U0WRITER{writer}", name=f"writer{writer}"),
        transport="slack-socket", channel="C0INCIDENT",
        command_text=f"queue yahoo.com --node mta{index % 3 + 1}",
        parsed={"verb": "queue", "domain": "yahoo.com", "node": f"mta{index % 3 + 1}"},
        outcome="ok", nodes=["mta1", "mta2", "mta3"], duration_ms=140,
        correlation_id=uuid.uuid4().hex,
    )


def _chain_writer(url: str, writer: int, events: int, barrier: Any, out: Any) -> None:
    storage = open_storage(url, key=KEY, clock=_Clock(), migrate=False)
    storage.audit.append(_event(writer, -1))  # warm the pool and the prepared statements
    barrier.wait()
    start = time.time()
    for index in range(events):
        storage.audit.append(_event(writer, index))
    out.put((start, time.time()))
    storage.close()


def _plain_writer(url: str, writer: int, events: int, barrier: Any, out: Any) -> None:
    engine = make_engine(url)
    insert = sa.text("INSERT INTO bench_plain (body, at, actor_id) VALUES (:body, :at, :actor)")
    with engine.begin() as conn:
        conn.execute(insert, {"body": "warm", "at": datetime.now(UTC), "actor": "warm"})
    barrier.wait()
    start = time.time()
    for index in range(events):
        event = _event(writer, index)
        with engine.begin() as conn:
            conn.execute(insert, {"body": event.model_dump_json(), "at": event.at,
                                  "actor": event.actor.id})
    out.put((start, time.time()))
    engine.dispose()


def _run(target: Any, url: str, writers: int, events: int) -> float:
    ctx = mp.get_context("spawn")
    barrier, out = ctx.Barrier(writers), ctx.Queue()
    procs = [ctx.Process(target=target, args=(url, w, events, barrier, out))
             for w in range(writers)]
    for proc in procs:
        proc.start()
    spans = [out.get(timeout=600) for _ in procs]
    for proc in procs:
        proc.join()
        if proc.exitcode != 0:
            sys.exit(f"a writer failed (exit {proc.exitcode})")
    wall = max(end for _, end in spans) - min(start for start, _ in spans)
    return writers * events / wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=os.environ.get("KUMO_TEST_DATABASE_URL"))
    parser.add_argument("--events", type=int, default=EVENTS, help="events per writer")
    parser.add_argument("--writers", type=int, default=WRITERS)
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="median of this many runs")
    args = parser.parse_args()
    if not args.url or not args.url.startswith("postgresql"):
        print("audit: set KUMO_TEST_DATABASE_URL (or --url) to a PostgreSQL database",
              file=sys.stderr)
        return 2
    schema = f"kumo_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(args.url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = sa.engine.make_url(args.url).update_query_dict(
        {"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    try:
        storage = open_storage(url, key=KEY, clock=_Clock())  # migrates the fresh schema
        with storage.engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE bench_plain (id bigserial PRIMARY KEY, "
                                 "body text NOT NULL, at timestamptz, actor_id varchar(200))"))
        print(f"audit: {args.writers} writer processes × {args.events:,} events on "
              f"PostgreSQL, one transaction per event; median of {args.rounds} rounds, "
              "the configurations taking turns", flush=True)
        runs: dict[str, list[float]] = {"plain": [], "chain": [], "single": []}
        for _ in range(args.rounds):
            runs["plain"].append(_run(_plain_writer, url, args.writers, args.events))
            runs["chain"].append(_run(_chain_writer, url, args.writers, args.events))
            runs["single"].append(_run(_chain_writer, url, 1, args.events))
        plain, chain, single = (statistics.median(runs[k]) for k in ("plain", "chain", "single"))
        report = storage.verify()
        expected = args.rounds * (args.writers + 1) * (args.events + 1)
        if not report.ok or report.rows != expected:
            print(report.render(), file=sys.stderr)
            return 1
        storage.close()
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    rows = [
        ["baseline: plain INSERT, no chain", args.writers, f"{plain:,.0f}", "1.00×"],
        ["SqlAuditLog.append (sealed chain)", args.writers, f"{chain:,.0f}",
         f"{chain / plain:.2f}×"],
        ["SqlAuditLog.append, one writer", 1, f"{single:,.0f}", f"{single / plain:.2f}×"],
    ]
    print(table(["what", "writers", "events/s", "vs baseline"], rows))
    print(f"chain verified: {report.rows:,} rows. target ≥ {TARGET_PER_S:,.0f} events/s "
          f"with {args.writers} writers: {'met' if chain >= TARGET_PER_S else 'NOT met'}")
    print(json.dumps({
        "benchmark": "audit-append", "database": "postgresql", "writers": args.writers,
        "events_per_writer": args.events, "rounds": args.rounds, "events_per_s": round(chain, 1),
        "runs_events_per_s": [round(x, 1) for x in runs["chain"]],
        "one_writer_events_per_s": round(single, 1), "baseline": "plain INSERT, no chain",
        "baseline_events_per_s": round(plain, 1), "ratio_to_baseline": round(chain / plain, 3),
        "target_events_per_s": TARGET_PER_S, "met": chain >= TARGET_PER_S,
    }))
    return 0 if chain >= TARGET_PER_S else 1


if __name__ == "__main__":
    sys.exit(main())
