"""The served overrides file: tsa-daemon's layout, valid TOML, expired entries gone."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta

from bot.core.effective_shaping import OverrideEntry
from bot.core.overrides_toml import render_overrides

NOW = datetime(2026, 8, 4, 12, 0, tzinfo=UTC)


def entry(source: str, name: str, value: object, minutes: int = 60) -> OverrideEntry:
    return OverrideEntry("yahoo.com", source, name, value, mx_rollup=False,
                         expires=NOW + timedelta(minutes=minutes), reason='raise "ok"\nby bob')


def test_the_overrides_parse_as_toml_in_tsa_daemons_layout() -> None:
    text = render_overrides([entry("ip-1", "max_message_rate", "10/s"),
                             entry("ip-2", "connection_limit", 2)], now=NOW)
    data = tomllib.loads(text)
    assert data == {"yahoo.com": {"mx_rollup": False, "sources": {
        "ip-1": {"max_message_rate": "10/s"}, "ip-2": {"connection_limit": 2}}}}
    assert "# Number of entries: 2" in text
    assert '# reason: raise "ok" by bob' in text  # one line, whatever was typed
    assert f"# expires: {(NOW + timedelta(hours=1)).isoformat()}" in text


def test_an_expired_override_leaves_the_file_by_itself() -> None:
    text = render_overrides([entry("ip-1", "max_message_rate", "10/s", minutes=-1)], now=NOW)
    assert tomllib.loads(text) == {}
    assert "# Number of entries: 0" in text


def test_a_later_override_of_the_same_option_wins() -> None:
    text = render_overrides([entry("ip-1", "connection_limit", 5),
                             entry("ip-1", "connection_limit", 2)], now=NOW)
    assert tomllib.loads(text)["yahoo.com"]["sources"]["ip-1"] == {"connection_limit": 2}
