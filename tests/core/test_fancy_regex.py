"""fancy_regex patterns read by Python's re: rewritten where they differ, refused where they can't."""

from __future__ import annotations

import pytest

from bot.core.fancy_regex import UntranslatableRegex, compile_fancy, translate


@pytest.mark.parametrize(("fancy", "python"), [
    (r"\[TS?S04\]", r"\[TS?S04\]"),
    (r"^(?!.*KumoMTA internal).*RL000010", r"^(?!.*KumoMTA internal).*RL000010"),
    (r"(?<ip>\d+)-\k<ip>", r"(?P<ip>\d+)-(?P=ip)"),
    (r"[[:digit:][:upper:]]+\z", r"[0-9A-Z]+\Z"),
    (r"(?<=from )\h+", r"(?<=from )[0-9A-Fa-f]+"),
    (r"[]x]", r"[\]x]"),
])
def test_rust_spellings_become_python_spellings(fancy: str, python: str) -> None:
    assert translate(fancy) == python


def test_look_around_works_as_tsa_daemon_runs_it() -> None:
    rule = compile_fancy(r"^(?!.*KumoMTA internal).*RL000010")
    assert rule.search("421 4.7.0 Throttled RL000010")
    assert not rule.search("451 4.4.4 KumoMTA internal: RL000010")


@pytest.mark.parametrize("fancy", [r"\p{L}+", r"a(?i)b", r"(?U)a+", r"[a-z&&[^aeiou]]", "[ab",
                                   "abc\\", r"(x", r"[[:nonsense:]]"])
def test_what_python_cannot_express_is_refused_not_misread(fancy: str) -> None:
    with pytest.raises(UntranslatableRegex):
        compile_fancy(fancy)
