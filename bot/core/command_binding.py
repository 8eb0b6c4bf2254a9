"""Binding the words after a verb to its spec in ``bot.core.catalog`` (DESIGN 3).

``bind`` reads flags (``--node web1``, ``--node=web1``, a phone's en dash for ``--``,
a repeatable flag given twice) and positional words (a fixed word, one of some
choices, a value, the rest of the line), checks each value with
``bot.core.command_values`` and returns the fields of the verb's command model.
Every mistake is a ``UserInputError`` that quotes the bad word and carries the usage.
``bot.core.commands.parse`` calls it and re-exports it.
"""

from __future__ import annotations

import re

from bot.core.catalog import ArgSpec, FlagSpec, VerbSpec, closest, usage
from bot.core.command_text import echo
from bot.core.command_values import check_value
from bot.core.errors import UserInputError


def bind(spec: VerbSpec, words: list[str]) -> dict[str, object]:
    """Bind the words after the verb to the fields of ``spec``'s command, checking each value."""
    flags = {flag.name: flag for flag in spec.all_flags}
    hint = f"Usage: {usage(spec.name)}"
    values: dict[str, object] = {}
    positional: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        written = _flag_name(word, flags)
        if written is None:
            positional.append(word)
            continue
        name, has_value, raw = written.partition("=")
        flag = flags.get(name.lower())
        if flag is None:
            nearest = closest(name.lower(), list(flags))
            suggestion = f"Did you mean `--{nearest}`?\n" if nearest else ""
            raise UserInputError(
                f"`{spec.name}` has no flag `{echo(word)}`.", hint=suggestion + hint
            )
        if flag.field in values and not flag.repeatable:
            raise UserInputError(f"`--{flag.name}` is given twice; give it once.", hint=hint)
        if flag.kind is None:
            if has_value:
                raise UserInputError(
                    f"`--{flag.name}` is a switch and takes no value (got `{echo(word)}`).",
                    hint=hint,
                )
            values[flag.field] = True
            continue
        if not has_value and index < len(words) and not _is_flag(words[index], flags):
            raw = words[index]
            index += 1
        if not raw:
            raise UserInputError(f"`--{flag.name}` needs a value: `{flag.display}`.", hint=hint)
        value = check_value(flag.kind, raw, hint, label=f"`--{flag.name}`: ")
        if flag.repeatable:
            values[flag.field] = [*_as_list(values.get(flag.field)), value]
        else:
            values[flag.field] = value
    _bind_positional(spec, positional, values, hint)
    return values


def _as_list(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []


def _bind_positional(
    spec: VerbSpec, words: list[str], values: dict[str, object], hint: str
) -> None:
    queue = list(words)
    for arg in spec.args:
        if arg.word is not None or arg.choices:
            _bind_word(spec, arg, queue, values, hint)
        elif arg.rest and queue:
            values[arg.field] = check_value(arg.kind, " ".join(queue), hint)
            queue.clear()
        elif queue:
            values[arg.field] = check_value(arg.kind, queue.pop(0), hint)
        elif arg.required:
            raise UserInputError(f"`{spec.name}` needs {arg.metavar}.", hint=hint)
    if queue and not spec.args:
        raise UserInputError(
            f"`{spec.name}` takes no arguments (got `{echo(queue[0])}`).", hint=hint
        )
    if queue:
        raise UserInputError(
            f"`{echo(queue[0])}` is one argument too many for `{spec.name}`.", hint=hint
        )


def _bind_word(
    spec: VerbSpec, arg: ArgSpec, queue: list[str], values: dict[str, object], hint: str
) -> None:
    head = queue[0].lower() if queue else None
    if head is not None and head in (arg.word, *arg.choices):
        values[arg.field] = True if arg.word is not None else head
        queue.pop(0)
        return
    if not arg.required:
        return
    options = ", ".join(f"`{choice}`" for choice in arg.choices)
    if head is None:
        raise UserInputError(f"`{spec.name}` needs one of {options}.", hint=hint)
    nearest = closest(head, list(arg.choices))
    suggestion = f"Did you mean `{nearest}`?\n" if nearest else ""
    raise UserInputError(f"`{echo(queue[0])}` is not one of {options}.", hint=suggestion + hint)


def _is_flag(word: str, flags: dict[str, FlagSpec]) -> bool:
    written = _flag_name(word, flags)
    return written is not None and written.partition("=")[0].lower() in flags


def _flag_name(word: str, flags: dict[str, FlagSpec]) -> str | None:
    """The flag a word names (without dashes), or None when it is a positional word."""
    # Phones and macOS turn `--` into an en or em dash; read those as the two dashes.
    word = re.sub(r"^[\u2012-\u2015\u2212]-?(?=[A-Za-z])", "--", word)
    if word.startswith("--"):
        return word[2:]
    if word.startswith("-") and word[1:].partition("=")[0].lower() in flags:
        return word[1:]  # `-node web1` is a typo we can read without guessing
    return None
