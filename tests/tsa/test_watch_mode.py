"""`kumo-bot watch` keeps the TSA diary beside the scheduler."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.adapters.clock import SystemClock
from bot.adapters.storage.tsa_diary_sql import SqlTsaDiary
from bot.simulator import SimulatedPark
from tests.storage.databases import KEY, open_test_storage, sqlite_url


def test_watch_once_writes_what_the_tsa_daemon_holds_into_the_diary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    for name in ("KUMO_AUDIT_ANCHOR", "KUMO_NODES", "SLACK_BOT_TOKEN", "KUMO_NOTICE_CHANNELS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    url = sqlite_url(tmp_path)
    with SimulatedPark.start("tsa-cycle", log_root=tmp_path / "logs") as park:
        park.advance(timedelta(minutes=7))
        monkeypatch.setenv("DATABASE_URL", url)
        monkeypatch.setenv("KUMO_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.setenv("KUMO_AUDIT_KEY", KEY.decode())
        monkeypatch.setenv("KUMO_TSA_URLS", f"tsa={park.tsa_urls['tsa']}")
        assert main(["watch", "--once"]) == 0
    assert "looked at 1 tsa-daemon(s)" in capsys.readouterr().out
    storage = open_test_storage(url, SystemClock())
    try:
        entries = SqlTsaDiary(storage.engine).entries(since=park.clock.now() - timedelta(hours=1))
    finally:
        storage.close()
    assert sorted(e.kind for e in entries) == ["suspend-path", "throttle", "throttle"]
