"""Fixtures: a fake kumod and a fake tsa-daemon on loopback, loaded with recorded answers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .fakehttp import FakeServer
from .helpers import load_kumod, load_tsa


@pytest.fixture
def kumod() -> Iterator[FakeServer]:
    with FakeServer() as server:
        yield load_kumod(server)


@pytest.fixture
def tsa() -> Iterator[FakeServer]:
    with FakeServer() as server:
        yield load_tsa(server)
