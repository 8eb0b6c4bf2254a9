"""The guard file: built-in thresholds as data, an operator's file laid over them, checked hard."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.adapters.guard_toml import load_guard_file, read_packaged_guard
from bot.core.errors import ConfigError
from bot.core.guard_file import GuardFile, parse_guard_file


def load(tmp_path: Path, text: str) -> GuardFile:
    path = tmp_path / "guard.toml"
    path.write_text(text, encoding="utf-8")
    return load_guard_file(path)


def refusal(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    return caught.value.message


def test_the_built_in_thresholds_load_from_the_packaged_file() -> None:
    d = load_guard_file(None).diagnosis
    assert (d.window, d.recent, d.baseline) == (timedelta(hours=2), timedelta(minutes=30),
                                                timedelta(minutes=90))
    assert (d.brake_min_replies, d.block_min_replies, d.spike_ratio) == (20, 5, 4.0)


def test_every_threshold_is_set_in_the_data_file_not_in_code() -> None:
    name, text = read_packaged_guard()
    with pytest.raises(ConfigError, match=r"diagnosis\.window: missing"):
        parse_guard_file(text.replace('window = "2h"', ""), defaults_name=name)


def test_an_operator_file_changes_only_the_keys_it_names(tmp_path: Path) -> None:
    d = load(tmp_path, '[diagnosis]\nwindow = "4h"\nspike_ratio = 10\n').diagnosis
    assert (d.window, d.spike_ratio, d.recent) == (timedelta(hours=4), 10.0,
                                                   timedelta(minutes=30))


def test_an_unknown_key_is_an_error_naming_the_file_and_the_key(tmp_path: Path) -> None:
    message = refusal(tmp_path, "[diagnosis]\nbrake_min_replys = 3\n")
    assert message.startswith(f"guard file {tmp_path / 'guard.toml'}: "
                              "diagnosis.brake_min_replys: unknown key")


def test_an_unknown_section_is_an_error_too(tmp_path: Path) -> None:
    assert "guard.toml: diagnosys: unknown key" in refusal(tmp_path, "[diagnosys]\nwindow='1h'\n")


@pytest.mark.parametrize(("text", "says"), [
    ('[diagnosis]\nwindow = 2\n', 'diagnosis.window: write a duration as a string'),
    ('[diagnosis]\nwindow = "soon"\n', "diagnosis.window: `soon` is not a duration"),
    ("[diagnosis]\nspike_ratio = 0.5\n", "diagnosis.spike_ratio: Input should be greater than 1"),
    ("[diagnosis]\nblock_min_replies = 0\n", "diagnosis.block_min_replies: Input should be"),
    ('[diagnosis]\nrecent = "3h"\n', "diagnosis: `recent` must be shorter than `window`"),
    ("diagnosis = 3\n", "diagnosis: Input should be a valid dictionary"),
    ("[diagnosis\n", "not valid TOML"),
])
def test_a_bad_value_is_an_error_naming_the_key(tmp_path: Path, text: str, says: str) -> None:
    message = refusal(tmp_path, text)
    assert "guard.toml" in message and says in message


def test_a_file_that_cannot_be_read_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="KUMO_GUARD_FILE: cannot read"):
        load_guard_file(tmp_path / "missing.toml")
