"""Idempotency keys in SQL: the first claim of a key wins, in any process, once."""

from __future__ import annotations

from typing import Any

from bot.adapters.clock import SystemClock
from bot.adapters.storage import Storage
from tests.fakes import FixedClock

from .databases import T0, open_test_storage
from .processes import worker_context

KEYS = 30
PROCESSES = 4


def test_a_key_is_claimed_once_and_kinds_do_not_collide(storage: Storage) -> None:
    keys = storage.keys
    assert keys.claim("trigger_id", "1.2.3") is True
    assert keys.claim("trigger_id", "1.2.3") is False
    assert keys.claim("envelope_id", "1.2.3") is True
    assert keys.claim("action_ts", "1700000000.000100") is True
    assert keys.claim("action_ts", "1700000000.000100") is False


def test_a_very_long_or_odd_key_is_still_claimed_once(storage: Storage) -> None:
    odd = "é<!channel>" + "9" * 1000
    assert storage.keys.claim("envelope_id", odd) is True
    assert storage.keys.claim("envelope_id", odd) is False


def test_old_keys_are_forgotten_and_new_ones_kept(storage: Storage, clock: FixedClock) -> None:
    storage.keys.claim("trigger_id", "old")
    clock.current = T0.replace(day=T0.day + 1)
    storage.keys.claim("trigger_id", "new")
    assert storage.keys.forget_before(T0.replace(hour=T0.hour + 1)) == 1
    assert storage.keys.claim("trigger_id", "new") is False


def _claimer(url: str, barrier: Any, out: Any) -> None:
    storage = open_test_storage(url, SystemClock(), migrate=False)
    barrier.wait()
    out.put([k for k in range(KEYS) if storage.keys.claim("trigger_id", f"t{k}")])
    storage.close()


def test_processes_racing_for_the_same_keys_each_win_different_ones(
    database_url: str, storage: Storage
) -> None:
    ctx = worker_context()
    barrier, out = ctx.Barrier(PROCESSES), ctx.Queue()
    procs = [ctx.Process(target=_claimer, args=(database_url, barrier, out))
             for _ in range(PROCESSES)]
    for proc in procs:
        proc.start()
    won = [k for _ in procs for k in out.get(timeout=120)]
    for proc in procs:
        proc.join(timeout=60)
    assert sorted(won) == list(range(KEYS))  # every key won exactly once, in all
