"""Playbook files are checked strictly: every error names the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.playbook_spec import (
    AskStep,
    PlaybookInvalid,
    fill,
    load_library,
    parse_playbook,
)

DRILL = (Path(__file__).resolve().parents[1] / "data" / "playbooks" / "drill.toml").read_text()
SOURCE = "playbooks/drill.toml"


def errors_of(text: str, *, stem: str = "drill") -> list[str]:
    with pytest.raises(PlaybookInvalid) as caught:
        parse_playbook(text, source=SOURCE, stem=stem)
    return caught.value.errors


def test_the_drill_is_valid_and_starts_at_its_first_step() -> None:
    book = parse_playbook(DRILL, source=SOURCE, stem="drill")
    assert book.first == "holds" and book.source == SOURCE
    assert book.successors("why") == ["wait", "pause"]
    assert book.steps_to_end("holds") == 5  # holds, why, wait, record, done
    assert isinstance(book.step("why"), AskStep)


def test_an_unknown_field_is_named_with_its_path() -> None:
    text = DRILL.replace('next = "why"', 'next = "why"\ncolour = "red"')
    assert errors_of(text) == [f"{SOURCE}: steps[0].colour: unknown field"]


def test_an_unknown_field_in_a_choice_is_named_with_its_path() -> None:
    text = DRILL.replace('label = "A block"', 'label = "A block"\nweight = 3')
    assert f"{SOURCE}: steps[1].choices[1].weight: unknown field" in errors_of(text)


def test_a_dangling_next_names_the_step_it_looked_for() -> None:
    text = DRILL.replace('next = "why"', 'next = "chek-holds"')
    assert f'{SOURCE}: steps[0].next: no step "chek-holds"' in errors_of(text)


def test_a_dangling_choice_and_start_are_named() -> None:
    text = DRILL.replace("needs_domain = true\n", 'needs_domain = true\nstart = "nowhere"\n')
    text = text.replace('next = "pause"', 'next = "paws"')
    found = errors_of(text)
    assert f'{SOURCE}: start: no step "nowhere"' in found
    assert f'{SOURCE}: steps[1].choices[1].next: no step "paws"' in found


def test_duplicate_step_and_choice_ids_are_errors() -> None:
    text = DRILL.replace('id = "wait"', 'id = "holds"').replace('id = "block"', 'id = "tsa"')
    found = errors_of(text)
    assert f'{SOURCE}: steps[2].id: duplicate id "holds" (also steps[0])' in found
    assert f'{SOURCE}: steps[1].choices[1].id: duplicate choice id "tsa" (also choices[0])' \
        in found


def test_every_error_of_a_file_is_reported_not_only_the_first() -> None:
    text = (DRILL.replace('next = "why"', 'next = "nope"')
            .replace('"holds {domain}"', '"hodls {domain}"')
            .replace('"tsa-holding"', '"tsa-hold"'))
    found = errors_of(text)
    assert len(found) == 3, found
    assert all(e.startswith(f"{SOURCE}: steps[") for e in found)


def test_an_unknown_command_is_an_error_naming_the_verb() -> None:
    text = DRILL.replace('"holds {domain}"', '"hodls {domain}"')
    (error,) = errors_of(text)
    assert error.startswith(f"{SOURCE}: steps[0].command: `hodls {{domain}}`: I don't know the verb")


def test_a_bad_flag_in_a_command_is_an_error() -> None:
    text = DRILL.replace('"holds {domain}"', '"holds {domain} --since 2h"')
    (error,) = errors_of(text)
    assert "steps[0].command" in error and "`holds` has no flag `--since`" in error


def test_a_check_must_only_read_and_a_guarded_step_must_change() -> None:
    text = DRILL.replace('"holds {domain}"', '"bounce {domain} --reason x"')
    text = text.replace('command = "suspend {domain} --for 1h --reason \\"{reason}\\""',
                        'command = "queue {domain}"')
    found = errors_of(text)
    assert any("steps[0].command: `bounce` is not a read-only verb" in e for e in found)
    assert any("steps[3].command: `queue` is not a change" in e for e in found)


def test_a_check_may_not_start_a_playbook_from_a_playbook() -> None:
    text = DRILL.replace('"holds {domain}"', '"playbook list"')
    (error,) = errors_of(text)
    assert "steps[0].command" in error


def test_placeholders_are_checked() -> None:
    text = DRILL.replace('"holds {domain}"', '"holds {domian}"')
    (error,) = errors_of(text)
    assert error == (f'{SOURCE}: steps[0].command: unknown placeholder "{{domian}}" '
                     "(use {domain}, {reason}, {run})")
    no_reason = DRILL.replace('reason = "drill: stop pressure"\n', "")
    assert any('steps[3].command: uses "{reason}" but the step has no `reason`' in e
               for e in errors_of(no_reason))


def test_domain_placeholders_need_needs_domain() -> None:
    text = DRILL.replace("needs_domain = true", "needs_domain = false")
    found = errors_of(text)
    assert f'{SOURCE}: steps[0].command: uses "{{domain}}" but needs_domain is false' in found
    assert f'{SOURCE}: steps[1].auto: "diagnose" needs a domain, but needs_domain is false' \
        in found


def test_findings_must_be_diagnosis_finding_kinds() -> None:
    (error,) = errors_of(DRILL.replace('"reputation-block"', '"ip-block"'))
    assert error.startswith(f'{SOURCE}: steps[1].choices[1].findings[0]: "ip-block" is not a '
                            "diagnosis finding (one of ")
    assert "reputation-block" in error


def test_a_finding_may_pick_only_one_choice() -> None:
    (error,) = errors_of(DRILL.replace('"reputation-block"', '"tsa-holding"'))
    assert error == (f'{SOURCE}: steps[1].choices[1].findings[0]: "tsa-holding" already picks '
                     'choice "tsa"')


def test_an_unreachable_step_is_an_error() -> None:
    text = DRILL.replace('next = "pause"', 'next = "wait"')
    (error,) = errors_of(text)
    assert error == f'{SOURCE}: steps[3]: step "pause" is not reachable from the start "holds"'


def test_a_playbook_without_an_end_is_an_error() -> None:
    text = DRILL.replace('kind = "end"', 'kind = "instruct"\nnext = "holds"')
    assert f'{SOURCE}: steps: no step of kind "end": every run must be able to end' in \
        errors_of(text)


def test_the_name_must_be_the_file_name() -> None:
    assert errors_of(DRILL, stem="drill-2") == [
        f'{SOURCE}: name: "drill" must equal the file name "drill-2"']


def test_structure_errors_say_what_is_wrong() -> None:
    found = errors_of(DRILL.replace('kind = "instruct"', 'kind = "chat"')
                      .replace('phase = "stabilize"', 'phase = "panic"'))
    assert f"{SOURCE}: steps[2].kind: kind must be one of check, ask, instruct, guarded, note, " \
        "end" in found or any("steps[2]" in e and "kind must be one of" in e for e in found)
    assert any(e.startswith(f"{SOURCE}: steps[0].phase: 'panic' is not a phase") for e in found)
    missing = errors_of(DRILL.replace('title = "A drill with every kind of step"\n', ""))
    assert missing == [f"{SOURCE}: title: required field is missing"]


def test_a_toml_syntax_error_names_the_file() -> None:
    (error,) = errors_of("name = \n")
    assert error.startswith(f"{SOURCE}: not valid TOML:")


def test_a_library_reports_a_name_used_twice_and_keeps_the_valid_files() -> None:
    library, errors = load_library([("a/drill.toml", "drill", DRILL),
                                    ("b/drill.toml", "drill", DRILL),
                                    ("c/bad.toml", "bad", "name = 1")])
    assert list(library) == ["drill"]
    assert errors[0] == 'b/drill.toml: name: "drill" is also the name of a/drill.toml'
    assert any(e.startswith("c/bad.toml: ") for e in errors[1:])


def test_fill_replaces_the_placeholders_and_quotes_safely() -> None:
    assert fill('suspend {domain} --reason "{reason}" ({run})', domain="yahoo.com",
                reason='say "no"', run="run-1") == \
        "suspend yahoo.com --reason \"say 'no'\" (run-1)"
