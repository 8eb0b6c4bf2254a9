"""The classifier's rules file is checked hard at load: every error names the file and rule."""

from __future__ import annotations

import pytest

from bot.core.classifier_rules import CATEGORIES, load_rules
from bot.core.errors import ConfigError
from tests.core.classifier_helpers import RULES

CATEGORY_TABLES = "\n".join(
    f'[categories.{name}]\ntemporary = true\nmeaning = "m"\ndo = "d"\ndont = "n"\n'
    for name in CATEGORIES
)
PROVIDER = '[[provider]]\nname = "yahoo"\nlabel = "Yahoo"\nsignatures = ["yahoo"]\n'


def rules_file(rule: str, *, extra: str = "") -> str:
    return f"version = 1\n{CATEGORY_TABLES}\n{PROVIDER}\n{extra}\n[[rule]]\n{rule}\n"


def refusal(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_rules(text, source="my-rules.toml")
    return caught.value.message


def test_the_packaged_rules_load() -> None:
    compiled = load_rules(RULES.read_text(encoding="utf-8"), source=RULES.name)
    assert len(compiled.rules) > 40 and set(compiled.categories) == set(CATEGORIES)


def test_an_unknown_key_names_the_file_and_the_rule() -> None:
    message = refusal(rules_file('id = "brake"\ncategory = "rate_limit_brake"\nmatch = ["x"]\n'
                                 'colour = "red"'))
    assert message == "my-rules.toml: rule 'brake'.colour: unknown key"


def test_a_bad_regex_names_the_rule_and_the_pattern() -> None:
    message = refusal(rules_file('id = "brake"\ncategory = "rate_limit_brake"\nmatch = ["(x"]'))
    assert message.startswith("my-rules.toml: rule 'brake': bad regex in `match`: '(x'")


def test_an_unknown_category_is_refused() -> None:
    message = refusal(rules_file('id = "odd"\ncategory = "weird"\nmatch = ["x"]'))
    assert message.startswith("my-rules.toml: rule 'odd'.category:")


def test_suppression_is_refused_for_anything_but_a_dead_address() -> None:
    message = refusal(rules_file('id = "blk"\ncategory = "reputation_block"\nmatch = ["x"]\n'
                                 "suppress = true"))
    assert "`suppress` is only for dead addresses" in message and "'blk'" in message


def test_a_rule_without_any_condition_would_claim_everything_and_is_refused() -> None:
    assert "has no condition" in refusal(rules_file('id = "all"\ncategory = "policy"'))


def test_an_unknown_provider_and_a_duplicate_id_are_refused() -> None:
    assert "unknown provider 'gmial'" in refusal(
        rules_file('id = "g"\ncategory = "policy"\nmatch = ["x"]\nprovider = "gmial"'))
    twice = rules_file('id = "a"\ncategory = "policy"\nmatch = ["x"]',
                       extra='[[rule]]\nid = "a"\ncategory = "policy"\nmatch = ["y"]\n')
    assert "duplicate names: a" in refusal(twice)


def test_a_bad_code_pattern_and_broken_toml_are_refused() -> None:
    assert "bad code pattern '4x'" in refusal(
        rules_file('id = "c"\ncategory = "policy"\ncodes = ["4x"]'))
    assert refusal("version = 1\n[[rule]\n").startswith("my-rules.toml: not valid TOML")


def test_a_missing_category_table_is_refused() -> None:
    text = rules_file('id = "c"\ncategory = "policy"\ncodes = ["4xx"]').replace(
        '[categories.greylisting]\ntemporary = true\nmeaning = "m"\ndo = "d"\ndont = "n"\n', "")
    assert refusal(text) == "my-rules.toml: categories missing: greylisting"
