"""Every storage test runs twice: on a fresh SQLite file and on a fresh PostgreSQL schema."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.adapters.storage import Storage
from tests.fakes import FixedClock

from .databases import (
    SKIP_REASON,
    T0,
    PostgresSchemas,
    open_test_storage,
    postgres_url,
    sqlite_url,
)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresSchemas]:
    url = postgres_url()
    if url is None:
        pytest.skip(SKIP_REASON)
    schemas = PostgresSchemas(url)
    yield schemas
    schemas.drop_all()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL to an empty database of each kind."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path)
    schemas: PostgresSchemas = request.getfixturevalue("postgres")
    return schemas.new_url()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def storage(database_url: str, clock: FixedClock) -> Iterator[Storage]:
    opened = open_test_storage(database_url, clock)
    yield opened
    opened.close()
