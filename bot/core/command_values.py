"""The value checks of the command grammar: one function per ``Kind`` of the catalog.

``check_value`` reads one word the person typed as the value of an argument or flag:
a domain (IDNA, RFC 1123 labels), a name, a count, a duration, free text, a verb or a
``KEY=VALUE`` setting.  A bad value is a ``UserInputError`` that quotes the word.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.core.catalog import CATALOG, Kind, unknown_verb
from bot.core.command_text import echo
from bot.core.durations import parse_duration
from bot.core.errors import UserInputError

__all__ = ["check_value"]

_LDH = re.compile(r"[a-z0-9-]+")  # letters, digits, hyphen: what a hostname label may hold
_ADDRESS = re.compile(r"[^@\s<>]+@[^@\s<>]+")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_SETTING = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*=\S.*")


def _domain(raw: str) -> str:
    text = raw.lower().removesuffix(".")  # `yahoo.com.` is the same domain, fully qualified
    why = _domain_shape(text)
    if why is None and not text.isascii():
        try:
            text = text.encode("idna").decode("ascii")  # queue names carry the A-label
        except UnicodeError:
            why = "it holds characters a domain name cannot"
    why = why or _domain_labels(text)
    if why:
        raise UserInputError(f"`{echo(raw)}` is not a domain: {why}.")
    return text


def _domain_shape(text: str) -> str | None:
    """What is wrong before IDNA encoding (which would only say "label empty or too long")."""
    if not text:
        return "it is empty"
    if _ADDRESS.fullmatch(text):
        return f"that is an address; give its domain, `{text.rpartition('@')[2]}`"
    if any(char.isspace() for char in text):
        return "it contains a space"
    if "" in text.split("."):
        return "it has an empty label (two dots in a row, or a leading dot)"
    return None


def _domain_labels(text: str) -> str | None:
    """What is wrong with the ASCII form: hostname labels, RFC 1123 style."""
    labels = text.split(".")
    if not all(_LDH.fullmatch(label) for label in labels):
        return "only letters, digits, hyphens and dots belong in a domain"
    if any(label.startswith("-") or label.endswith("-") for label in labels):
        return "a label starts or ends with `-`"
    if len(text) > 253 or any(len(label) > 63 for label in labels):
        return "it is longer than DNS allows (63 per label, 253 in all)"
    if len(labels) < 2:
        return "it needs at least one dot, like `yahoo.com`"
    if labels[-1].isdigit():
        return "that is an IP address; give the domain"
    return None


def _name(raw: str) -> str:
    if not _NAME.fullmatch(raw):
        raise UserInputError(
            f"`{echo(raw)}` is not a valid name: use letters, digits, `-`, `_` and `.`."
        )
    return raw


def _count(raw: str) -> int:
    # ASCII digits only: int() would also accept `1_000`, ` 5` and Arabic-Indic digits.
    if re.fullmatch(r"[0-9]{1,4}", raw) and 1 <= int(raw) <= 1000:
        return int(raw)
    raise UserInputError(f"`{echo(raw)}` is not a whole number from 1 to 1000.")


def _text(raw: str) -> str:
    if not raw.strip():
        raise UserInputError("the value is empty.")
    return raw


def _verb(raw: str) -> str:
    word = raw.lower()
    if word not in CATALOG:
        raise unknown_verb(raw)
    return word


def _setting(raw: str) -> str:
    if not _SETTING.fullmatch(raw):
        raise UserInputError(f"`{echo(raw)}` is not a `KEY=VALUE` setting.")
    return raw


_CONVERT: dict[Kind, Callable[[str], object]] = {
    Kind.DOMAIN: _domain, Kind.NAME: _name, Kind.COUNT: _count, Kind.DURATION: parse_duration,
    Kind.TEXT: _text, Kind.VERB: _verb, Kind.SETTING: _setting,
}


def check_value(kind: Kind, raw: str, hint: str, *, label: str = "") -> object:
    """Check one value; the error names the flag it was for and ends with the usage."""
    try:
        return _CONVERT[kind](raw)
    except UserInputError as exc:
        raise UserInputError(
            label + exc.message, hint="\n".join(filter(None, (exc.hint, hint)))
        ) from None
