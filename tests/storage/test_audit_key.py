"""KUMO_AUDIT_KEY: generated once (0600) into the data dir with SQLite, required with PostgreSQL."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from bot.adapters.storage.audit_key import KEY_FILE, resolve_audit_key
from bot.bootstrap import build_storage
from bot.core.errors import ConfigError
from bot.settings import Settings


def test_with_sqlite_a_key_is_generated_into_the_data_dir_owner_only(tmp_path: Path) -> None:
    key = resolve_audit_key(None, sqlite=True, data_dir=tmp_path / "data")
    path = tmp_path / "data" / KEY_FILE
    assert len(key) == 64 and path.read_text().strip() == key.decode()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_generated_key_is_reused_from_then_on(tmp_path: Path) -> None:
    first = resolve_audit_key(None, sqlite=True, data_dir=tmp_path)
    assert resolve_audit_key(None, sqlite=True, data_dir=tmp_path) == first
    assert [p.name for p in tmp_path.iterdir()] == [KEY_FILE]  # no staging files left behind


def test_a_given_key_wins_and_nothing_is_written(tmp_path: Path) -> None:
    given = "a-shared-secret-for-every-replica"
    assert resolve_audit_key(given, sqlite=True, data_dir=tmp_path) == given.encode()
    assert not (tmp_path / KEY_FILE).exists()


def test_postgres_without_a_key_is_a_config_error_naming_the_variable(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, DATABASE_URL="postgres://kumo:pw@127.0.0.1:9/kumo",
                        KUMO_DATA_DIR=tmp_path)
    with pytest.raises(ConfigError, match="KUMO_AUDIT_KEY is required with PostgreSQL"):
        build_storage(settings)
    assert not (tmp_path / KEY_FILE).exists()


def test_a_short_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="KUMO_AUDIT_KEY is too short"):
        resolve_audit_key("short", sqlite=False, data_dir=tmp_path)


def test_a_damaged_key_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / KEY_FILE).write_text("\n")
    with pytest.raises(ConfigError, match="empty or damaged"):
        resolve_audit_key(None, sqlite=True, data_dir=tmp_path)
