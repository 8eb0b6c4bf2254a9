"""Reading a rule's text back as a regex, for `tsa history`'s "on which responses"."""

from __future__ import annotations

from bot.use_cases.tsa_history import _concrete, _pattern

DEFAULT_RULE = ("(Messages from \\d+\\.\\d+\\.\\d+\\.\\d+ temporarily deferred,"
                "Unfortunately, messages from \\d+\\.\\d+\\.\\d+\\.\\d+ weren.t sent,"
                "Server busy\\. Please try again later from)")


def test_a_rule_with_several_regexes_matches_any_of_them_and_keeps_prose_commas() -> None:
    pattern = _pattern(DEFAULT_RULE)
    assert pattern is not None
    assert pattern.search("421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred")
    assert pattern.search("550 5.7.1 Unfortunately, messages from 192.0.2.1 weren't sent")
    assert not pattern.search("550 5.7.1 Unfortunately the mailbox is full")


def test_a_grouped_response_gets_sample_values_back_for_its_placeholders() -> None:
    pattern = _pattern(DEFAULT_RULE)
    assert pattern is not None
    line = _concrete(421, "4.7.0", "[TSS04] Messages from <ip> temporarily deferred")
    assert pattern.search(line)


def test_a_single_regex_rule_is_used_as_it_is() -> None:
    pattern = _pattern("\\[TS?S04\\]")
    assert pattern is not None and pattern.search("421 4.7.0 [TSS04] deferred")
