"""Rust ``fancy_regex`` patterns as Python ``re`` patterns (REFERENCE 5.6).

Shaping files write automation regexes in ``fancy_regex`` syntax: the ``regex``
crate's syntax plus look-around and back-references.  Python's ``re`` reads most
of it the same way (look-around, ``(?i)``, classes, ``\\d``, ``\\b``, atomic groups and
possessive quantifiers since 3.11).  What differs is rewritten here; what has no
Python equivalent raises :class:`UntranslatableRegex` so the rule is reported as one
the bot cannot evaluate, never silently misread.

Rewritten: ``(?<name>...)`` -> ``(?P<name>...)``; ``\\k<name>`` -> ``(?P=name)``;
``\\z`` -> ``\\Z``; ``\\h``/``\\H`` (hex digit) and ``\\e`` (escape); POSIX classes
``[[:alpha:]]`` and friends inside brackets.
Refused: Unicode classes ``\\p{..}``, the swap-greed flag ``U``, flags set in the middle
of a pattern, class set operations (``&&``, ``--``, nested ``[..]``).
"""

from __future__ import annotations

import re

_POSIX = {
    "alnum": "0-9A-Za-z",
    "alpha": "A-Za-z",
    "ascii": "\\x00-\\x7F",
    "blank": "\\t ",
    "cntrl": "\\x00-\\x1F\\x7F",
    "digit": "0-9",
    "graph": "!-~",
    "lower": "a-z",
    "print": " -~",
    "punct": "!-/:-@\\[-`{-~",
    "space": "\\t\\n\\v\\f\\r ",
    "upper": "A-Z",
    "word": "0-9A-Za-z_",
    "xdigit": "0-9A-Fa-f",
}
_POSIX_AT = re.compile(r"\[:(\^?)([a-z]+):\]")
_FLAGS_AT = re.compile(r"\(\?([a-zA-Z]*)(?:-([a-zA-Z]*))?\)")
_NAMED_BACKREF = re.compile(r"k<([A-Za-z_][A-Za-z0-9_]*)>")


class UntranslatableRegex(ValueError):
    """A fancy_regex construct with no Python ``re`` equivalent."""


def translate(pattern: str) -> str:
    """The Python ``re`` spelling of a fancy_regex pattern (raises UntranslatableRegex)."""
    out: list[str] = []
    i = 0
    in_class = False
    n = len(pattern)
    while i < n:
        char = pattern[i]
        if char == "\\":
            if i + 1 >= n:
                raise UntranslatableRegex("the pattern ends with a lone backslash")
            i = _escape(pattern, i, out)
            continue
        if in_class:
            posix = _POSIX_AT.match(pattern, i)
            if posix is not None:
                negated, name = posix.groups()
                if negated or name not in _POSIX:
                    raise UntranslatableRegex(f"POSIX class [:{negated}{name}:] is not supported")
                out.append(_POSIX[name])
                i = posix.end()
                continue
            if char == "[":
                raise UntranslatableRegex("nested character classes are not supported")
            if pattern.startswith(("&&", "--", "~~"), i):
                raise UntranslatableRegex("character class set operations are not supported")
            if char == "]" and not _class_just_opened(pattern, i):
                in_class = False
            out.append(char)
            i += 1
            continue
        if char == "[":
            in_class = True
            out.append(char)
            i += 1
            if i < n and pattern[i] == "^":
                out.append("^")
                i += 1
            if i < n and pattern[i] == "]":  # a leading `]` is a literal in both syntaxes
                out.append("\\]")
                i += 1
            continue
        if char == "(" and pattern.startswith("(?", i):
            i = _group_opening(pattern, i, out)
            continue
        out.append(char)
        i += 1
    if in_class:
        raise UntranslatableRegex("unclosed character class")
    return "".join(out)


def _class_just_opened(pattern: str, i: int) -> bool:
    return pattern[i - 1] == "[" or (pattern[i - 1] == "^" and pattern[i - 2] == "[")


def _escape(pattern: str, i: int, out: list[str]) -> int:
    nxt = pattern[i + 1]
    if nxt in "pP":
        raise UntranslatableRegex("Unicode classes (\\p{...}) are not supported by Python re")
    if nxt == "z":
        out.append("\\Z")
    elif nxt == "h":
        out.append("[0-9A-Fa-f]")
    elif nxt == "H":
        out.append("[^0-9A-Fa-f]")
    elif nxt == "e":
        out.append("\\x1b")
    elif nxt == "k":
        named = _NAMED_BACKREF.match(pattern, i + 1)
        if named is None:
            raise UntranslatableRegex("\\k must name a group: \\k<name>")
        out.append(f"(?P={named.group(1)})")
        return named.end()
    else:
        out.append(pattern[i : i + 2])
    return i + 2


def _group_opening(pattern: str, i: int, out: list[str]) -> int:
    if pattern.startswith("(?<", i) and not pattern.startswith(("(?<=", "(?<!"), i):
        out.append("(?P<")
        return i + 3
    flags = _FLAGS_AT.match(pattern, i)
    if flags is not None:
        on, off = flags.group(1), flags.group(2) or ""
        if "U" in on + off:
            raise UntranslatableRegex("the swap-greed flag (?U) is not supported")
        if i != 0 or off:
            raise UntranslatableRegex("flags set in the middle of a pattern are not supported")
        out.append(flags.group(0))
        return flags.end()
    out.append("(?")
    return i + 2


def compile_fancy(pattern: str) -> re.Pattern[str]:
    """Translate and compile; ``UntranslatableRegex`` when Python cannot express it."""
    translated = translate(pattern)
    try:
        return re.compile(translated)
    except re.error as exc:
        raise UntranslatableRegex(f"Python re rejects it: {exc}") from None
