"""Each broken playbook in tests/data/playbooks_broken/ breaks one rule of playbooks/README.md,
and the validator says so with an error that names the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.adapters.playbook_files import check_directory, playbook_paths
from bot.core.playbook_spec import PlaybookInvalid, parse_playbook

BROKEN = Path(__file__).parent / "data" / "playbooks_broken"
SHOWN = "tests/data/playbooks_broken"

# (file stem, the field path the error must name, a fragment of its message).
# A field of None: the error is about the file as a whole (its TOML syntax).
CASES: list[tuple[str, str | None, str]] = [
    ("unknown-top-level-field", "owner", "unknown field"),
    ("unknown-step-field", "steps[0].timeout", "unknown field"),
    ("dangling-next", "steps[0].next", 'no step "chek-holds"'),
    ("dangling-choice-next", "steps[1].choices[1].next", 'no step "look-again"'),
    ("dangling-start", "start", 'no step "first"'),
    ("duplicate-step-id", "steps[2].id", 'duplicate id "look"'),
    ("duplicate-choice-id", "steps[1].choices[1].id", 'duplicate choice id "a"'),
    ("unknown-command-verb", "steps[0].command", "I don't know the verb `quue`"),
    ("check-with-change-verb", "steps[0].command", "`suspend` is not a read-only verb"),
    ("guarded-with-read-verb", "steps[1].command", "`queue` is not a change"),
    ("unknown-placeholder", "steps[0].command", 'unknown placeholder "{domian}"'),
    ("unknown-finding-kind", "steps[1].choices[0].findings[0]",
     '"tsa-suspended" is not a diagnosis finding'),
    ("unreachable-step", "steps[1]", 'step "orphan" is not reachable'),
    ("no-end-step", "steps", 'no step of kind "end"'),
    ("name-not-stem", "name", 'must equal the file name "name-not-stem"'),
    ("ask-one-choice", "steps[1].choices", "at least 2"),
    ("invalid-phase", "steps[0].phase", "'triage' is not a phase"),
    ("invalid-kind", "steps[0]", "kind must be one of"),
    ("missing-required-field", "steps[0].command", "required field is missing"),
    ("domain-without-needs-domain", "steps[0].command", "needs_domain is false"),
    ("reason-without-reason", "steps[1].command", 'uses "{reason}" but the step has no `reason`'),
    ("finding-picks-two-choices", "steps[1].choices[1].findings[0]",
     '"tsa-holding" already picks choice "a"'),
    ("auto-without-domain", "steps[1].auto", "needs_domain is false"),
    ("bad-toml", None, "not valid TOML"),
]


def errors_of(stem: str) -> list[str]:
    """The validator's errors for one broken fixture, read as `kumo-bot playbooks check` reads it."""
    source = f"{SHOWN}/{stem}.toml"
    with pytest.raises(PlaybookInvalid) as caught:
        parse_playbook((BROKEN / f"{stem}.toml").read_text(encoding="utf-8"), source=source,
                       stem=stem)
    return caught.value.errors


@pytest.mark.parametrize(("stem", "field", "fragment"), CASES, ids=[c[0] for c in CASES])
def test_a_broken_playbook_fails_naming_its_file_and_field(
        stem: str, field: str | None, fragment: str) -> None:
    errors = errors_of(stem)
    prefix = f"{SHOWN}/{stem}.toml: " + (f"{field}: " if field is not None else "")
    named = [e for e in errors if e.startswith(prefix)]
    assert named, f"no error names {prefix!r}: {errors}"
    assert any(fragment in e for e in named), errors
    # One mistake per file: the fixture tests that rule and no other.
    assert len(errors) == 1, errors


def test_a_toml_syntax_error_names_the_line() -> None:
    (error,) = errors_of("bad-toml")
    assert "line 3" in error


def test_every_broken_fixture_is_in_the_table() -> None:
    assert sorted(p.stem for p in playbook_paths(BROKEN)) == sorted(c[0] for c in CASES)


def test_the_directory_check_fails_every_broken_file() -> None:
    reports = check_directory(BROKEN)
    assert len(reports) == len(CASES)
    for report in reports:
        assert report.errors, report.path
        assert all(e.startswith(report.path + ": ") for e in report.errors), report.errors
