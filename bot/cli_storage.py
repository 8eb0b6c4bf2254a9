"""The storage side of the command line: ``db upgrade``, ``audit verify|export``, ``watch``.

``__main__`` parses the arguments and builds the settings; these functions build what
they need through ``bootstrap`` (the composition root) and print for a terminal.

- ``kumo-bot db upgrade``: bring the database to the newest schema (every mode also
  does this at start-up).
- ``kumo-bot audit verify``: check every seal and link, the signed head and the file
  anchor; exit 1 naming the first bad row.
- ``kumo-bot audit export --format jsonl [--since DUR]``: the events with their place
  in the chain, one JSON object per line, oldest first.
- ``kumo-bot watch [--once]``: the scheduler (the Procfile's ``watch:`` process).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from datetime import UTC, datetime
from types import FrameType
from typing import Any, TextIO

from bot import bootstrap
from bot.core.durations import parse_duration
from bot.core.errors import UserInputError
from bot.settings import Settings

log = logging.getLogger("kumo-bot")

MODES = ("db", "audit", "watch")
QUIET_MODES = ("audit",)


def add_parsers(sub: Any) -> None:
    """Add the ``db``, ``audit`` and ``watch`` modes to the top-level sub-parsers."""
    db = sub.add_parser("db", help="the bot's database: `db upgrade`")
    db.add_argument("action", choices=["upgrade"], help="upgrade: migrate to the newest schema")
    audit = sub.add_parser("audit", help="the audit log: `audit verify` or `audit export`")
    audit.add_argument("action", choices=["verify", "export"])
    audit.add_argument("--format", choices=["jsonl"], default="jsonl",
                       help="export format (JSON Lines)")
    audit.add_argument("--since", default=None, help="export only the last DUR, e.g. 24h")
    watch = sub.add_parser("watch", help="run the scheduler: timed jobs, audit head anchoring")
    watch.add_argument("--once", action="store_true", help="run the jobs due now, then exit")
    watch.add_argument("--poll", type=float, default=1.0, help="seconds between looks at the jobs")


def run(args: argparse.Namespace, settings: Settings, *, out: TextIO | None = None) -> int:
    """Run one of ``MODES``; the exit status."""
    out = out or sys.stdout  # looked up now: tests and pipes may have replaced it
    if args.mode == "db":
        return db_upgrade(settings, out=out)
    if args.mode == "audit" and args.action == "verify":
        return audit_verify(settings, out=out)
    if args.mode == "audit":
        return audit_export(settings, since=args.since, out=out)
    return watch(settings, once=args.once, poll=args.poll, out=out)


def db_upgrade(settings: Settings, *, out: TextIO) -> int:
    """Migrate (``build_storage`` does it) and say where the database stands."""
    storage = bootstrap.build_storage(settings)
    try:
        revision, newest = storage.schema_revisions()
        where = storage.engine.url.render_as_string(hide_password=True)
    finally:
        storage.close()
    print(f"database at revision {revision} (newest: {newest}): {where}", file=out)
    return 0


def audit_verify(settings: Settings, *, out: TextIO) -> int:
    """Check the chain; 0 when it verifies, 1 naming the first bad row."""
    storage = bootstrap.build_storage(settings)
    try:
        report = storage.verify()
    finally:
        storage.close()
    print(report.render(), file=out)
    return 0 if report.ok else 1


def audit_export(settings: Settings, *, since: str | None, out: TextIO) -> int:
    """Write the events (with seq and seals) as JSON Lines, oldest first."""
    try:
        window = parse_duration(since) if since else None
    except UserInputError as exc:
        print(f"kumo-bot: --since: {exc.message}", file=sys.stderr)
        return 2
    start = datetime.now(UTC) - window if window else None
    storage = bootstrap.build_storage(settings)
    try:
        for record in storage.audit.records(since=start):
            out.write(record.model_dump_json() + "\n")
        out.flush()
    except BrokenPipeError:  # `| head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    finally:
        storage.close()
    return 0


def watch(settings: Settings, *, once: bool, poll: float, out: TextIO) -> int:
    """Host the scheduler until SIGTERM / Ctrl-C (or, with ``once``, run what is due)."""
    storage = bootstrap.build_storage(settings)
    try:
        # With a park configured, `watch` also samples its metrics every minute.
        park = bootstrap.build_park(settings) if settings.KUMO_NODES else None
        # With a park, the guarded writes' follow-ups too (log-filter reverts, restarts).
        services = bootstrap.build_services(settings, storage=storage, park=park) \
            if park is not None else None
        scheduler = bootstrap.build_scheduler(storage, park=park, services=services,
                                              notifier=bootstrap.build_guard_notifier(settings))
        # Beside the scheduler: the TSA watcher of each KUMO_TSA_URLS entry (the diary).
        watchers = bootstrap.build_tsa_watchers(settings, storage, worker=scheduler.worker)
        if settings.KUMO_OVERRIDES_LISTEN and not once:  # kumod fetches the bot's overrides
            bootstrap.serve_overrides(settings.KUMO_OVERRIDES_LISTEN, storage)
        if once:
            ran = scheduler.run_due(limit=1000)
            watchers.poll_now()
            print(f"watch: ran {ran} due job(s); looked at {len(watchers.watchers)} "
                  "tsa-daemon(s)", file=out)
            return 0
        stop = threading.Event()

        def _stop(signum: int, _frame: FrameType | None) -> None:
            log.info("watch: signal %d, stopping after the job in hand", signum)
            stop.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        log.info("watch: scheduler %s running jobs %s every %.1fs", scheduler.worker,
                 ", ".join(sorted(scheduler.handlers)), poll)
        watchers.start()
        try:
            scheduler.run_forever(stop, poll=poll)
        finally:
            watchers.stop()
        return 0
    finally:
        storage.close()
