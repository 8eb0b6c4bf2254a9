"""A watcher process for the multi-process test: its own engine, stream and notifier."""

from __future__ import annotations

import time
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event

from bot.adapters.clock import SystemClock
from bot.adapters.slack.app import make_web_client
from bot.adapters.slack.notices import SlackNoticePoster
from bot.adapters.slack.text import escape
from bot.adapters.storage.tsa_diary_sql import SqlTsaDiary
from bot.adapters.tsa_watcher import TsaWatcher, TsaWatchers
from bot.use_cases.tsa_notices import TsaNotifier
from tests.storage.databases import open_test_storage


def watch(db_url: str, tsa_url: str, slack_url: str, worker: str, ready: Event, stop: Event,
          frames: Synchronized[int]) -> None:
    """Watch the tsa-daemon until ``stop``; post notices to #incident; count frames."""
    clock = SystemClock()
    storage = open_test_storage(db_url, clock, migrate=False)
    diary = SqlTsaDiary(storage.engine)
    notifier = TsaNotifier(claims=diary, clock=clock, channels=["C0INCIDENT"], worker=worker,
                           poster=SlackNoticePoster(make_web_client("xoxb-local", slack_url)),
                           escape=escape)
    watcher = TsaWatcher(tsa="tsa", base_url=tsa_url, diary=diary, clock=clock, worker=worker,
                         on_started=notifier, poll=0.2, max_backoff=0.2)
    watchers = TsaWatchers([watcher]).start()
    try:
        while not watcher.watching and not stop.wait(0.05):
            pass
        ready.set()
        deadline = time.monotonic() + 120
        while not stop.wait(0.05) and time.monotonic() < deadline:
            frames.value = watcher.frames  # live, so the test can wait for both streams
    finally:
        watchers.stop()
        watcher.poll_once()  # a last complete look: everything this process saw is written
        frames.value = watcher.frames
        storage.close()
