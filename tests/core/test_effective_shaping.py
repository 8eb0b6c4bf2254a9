"""The effective shaping value of a path: base files, then the bot's override, then TSA's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.effective_shaping import OverrideEntry, Path, effective_value, rate_per_second
from bot.core.errors import UserInputError
from tests.fixtures import KUMOMTA

NOW = datetime(2026, 8, 4, 12, 0, tzinfo=UTC)
SHAPING = KUMOMTA / "shaping.toml"
YAHOO = Path("yahoo.com", "(alt1|alt2).mta.am0.yahoodns.net", "ip-1",
             ("mta5.am0.yahoodns.net",))


def base() -> list[tuple[str, str]]:
    return [("shaping.toml", SHAPING.read_text())]


def tsa_throttle(minutes: int = 17) -> OverrideEntry:
    return OverrideEntry("yahoo.com", "ip-1", "max_message_rate", "1/minute", mx_rollup=False,
                         expires=NOW + timedelta(minutes=minutes), reason="automation rule")


def test_rates_are_compared_by_meaning_not_text() -> None:
    assert rate_per_second("100/s") == 100
    assert rate_per_second("1/minute") == pytest.approx(1 / 60)
    assert rate_per_second("10000/h") > rate_per_second("1/minute")
    with pytest.raises(UserInputError):
        rate_per_second("fast")


def test_the_base_value_comes_from_the_shipped_default_block() -> None:
    found = effective_value("max_message_rate", YAHOO, base_texts=base(), now=NOW)
    assert found.value is not None and found.value.value == "100/s"
    assert found.value.layer == "base"


def test_a_provider_block_matched_by_mx_suffix_outranks_the_default() -> None:
    found = effective_value("max_deliveries_per_connection", YAHOO, base_texts=base(), now=NOW)
    assert found.value is not None and found.value.value == 20


def test_tsa_outranks_the_bots_override_which_outranks_the_base() -> None:
    bot = OverrideEntry("yahoo.com", "ip-1", "max_message_rate", "50/s", mx_rollup=False,
                        expires=NOW + timedelta(hours=1))
    found = effective_value("max_message_rate", YAHOO, base_texts=base(), bot=[bot],
                            tsa=[tsa_throttle()], now=NOW)
    assert [layer.layer for layer in found.layers] == ["base", "bot", "tsa"]
    assert found.value is not None and found.value.value == "1/minute"
    assert found.compare("10000/h") == 1
    assert found.compare("1/h") == -1


def test_an_expired_override_or_another_source_does_not_count() -> None:
    other = OverrideEntry("yahoo.com", "ip-2", "max_message_rate", "1/minute", mx_rollup=False)
    found = effective_value("max_message_rate", YAHOO, base_texts=base(),
                            tsa=[tsa_throttle(-1), other], now=NOW)
    assert found.tsa is None


def test_a_rollup_override_covers_every_domain_of_its_site() -> None:
    entry = OverrideEntry("ymail.com", "ip-1", "connection_limit", 1, mx_rollup=True,
                          site=YAHOO.site)
    found = effective_value("connection_limit", YAHOO, base_texts=base(), tsa=[entry], now=NOW)
    assert found.value is not None and found.value.value == 1
