"""Schema upgrades: run at start-up of every mode and by ``kumo-bot db upgrade``.

Several processes may start at once (``web`` and ``watch``, or replicas); the upgrade
runs inside one write transaction that first takes a lock (PostgreSQL: an advisory
lock; SQLite: ``BEGIN IMMEDIATE``), so exactly one of them migrates and the others
find the schema already at head.
"""

from __future__ import annotations

import logging
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from bot.adapters.storage.engine import is_sqlite, write_transaction

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
_LOCK_ID = 0x6B756D6F  # "kumo": the advisory lock every migrating process waits on


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision this version of the bot ships."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None  # the package always ships at least one revision
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None: never migrated)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the database to the newest revision; returns (revision before, revision now)."""
    with write_transaction(engine) as connection:
        if not is_sqlite(engine):
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})
        before = MigrationContext.configure(connection).get_current_revision()
        target = head_revision()
        if before != target:
            log.info("upgrading the database schema from %s to %s", before or "nothing", target)
            command.upgrade(_config(connection), "head")
    return before, target
