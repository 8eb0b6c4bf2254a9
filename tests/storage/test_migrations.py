"""The schema comes from the Alembic migrations shipped in the package, on both databases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bot.__main__ import main
from bot.adapters.storage.engine import make_engine
from bot.adapters.storage.migrate import current_revision, head_revision, upgrade
from bot.core.audit_chain import GENESIS

from .databases import KEY
from .processes import worker_context

TABLES = {"audit_log", "audit_head", "idempotency_keys", "jobs", "alembic_version"}


def test_a_fresh_database_is_brought_to_the_newest_revision_once(database_url: str) -> None:
    engine = make_engine(database_url)
    assert current_revision(engine) is None
    assert upgrade(engine) == (None, head_revision())
    assert upgrade(engine) == (head_revision(), head_revision())  # the second time: nothing
    assert set(sa.inspect(engine).get_table_names()) >= TABLES
    with engine.connect() as conn:
        head = conn.execute(sa.text("SELECT seq, hash, signature FROM audit_head")).one()
    assert tuple(head) == (0, GENESIS, None)
    engine.dispose()


def _migrate(url: str, barrier: Any, out: Any) -> None:
    engine = make_engine(url)
    barrier.wait()
    out.put(upgrade(engine)[0])
    engine.dispose()


def test_processes_starting_together_migrate_once(database_url: str) -> None:
    ctx = worker_context()
    barrier, out = ctx.Barrier(3), ctx.Queue()
    procs = [ctx.Process(target=_migrate, args=(database_url, barrier, out)) for _ in range(3)]
    for proc in procs:
        proc.start()
    before = sorted((out.get(timeout=60) for _ in procs), key=str)
    for proc in procs:
        proc.join(timeout=30)
    assert [proc.exitcode for proc in procs] == [0, 0, 0]
    assert before.count(None) == 1  # exactly one found the database empty and migrated it
    engine = make_engine(database_url)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_kumo_bot_db_upgrade_migrates_and_says_where(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name in ("KUMO_AUDIT_ANCHOR", "KUMO_DATA_DIR", "DATABASE_URL", "KUMO_AUDIT_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("KUMO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KUMO_AUDIT_KEY", KEY.decode())
    assert main(["db", "upgrade"]) == 0
    out = capsys.readouterr().out
    assert f"database at revision {head_revision()}" in out
    assert ":kumo@" not in out  # a password in the URL is never printed (PostgreSQL: kumo)


def test_the_migrations_ship_inside_the_package() -> None:
    import bot

    versions = Path(bot.__file__).parent / "adapters" / "storage" / "migrations"
    assert (versions / "env.py").is_file() and (versions / "script.py.mako").is_file()
    assert list((versions / "versions").glob("0001_*.py"))


def test_a_database_that_cannot_be_reached_at_start_up_is_a_clear_error_without_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    for name in ("KUMO_AUDIT_ANCHOR", "KUMO_DATA_DIR", "DATABASE_URL", "KUMO_AUDIT_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "postgres://kumo:hunter2secret@127.0.0.1:9/kumo")
    monkeypatch.setenv("KUMO_AUDIT_KEY", KEY.decode())
    assert main(["db", "upgrade"]) == 1
    err = capsys.readouterr().err
    assert "cannot be opened or brought up to date" in err and "Traceback" not in err
    assert "hunter2secret" not in err and "kumo:***@127.0.0.1:9" in err
