"""Fixtures: a started emulator with a controllable clock, and a real WebClient on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from bot.adapters.slack.emulator import SlackEmulator

from .fake_clock import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def emulator(clock: FakeClock) -> Iterator[SlackEmulator]:
    with SlackEmulator(clock=clock) as running:
        yield running


@pytest.fixture
def client(emulator: SlackEmulator) -> WebClient:
    return WebClient(token="xoxb-test", base_url=emulator.api_url)
