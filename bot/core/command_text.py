"""Command text before it has a meaning: ``normalise`` and ``tokenise`` (DESIGN 3).

``normalise`` undoes what Slack clients do to text (curly quotes, HTML escapes, link
markup, odd spaces); ``tokenise`` splits the result like a shell, so quoted words stay
together.  ``bot.core.commands`` runs both before it binds the words to a verb's spec.
"""

from __future__ import annotations

import re
import shlex
import unicodedata

from bot.core.catalog import CATALOG, GENERAL_USAGE, usage
from bot.core.errors import UserInputError

__all__ = ["MAX_COMMAND_CHARS", "MAX_ECHO_CHARS", "echo", "normalise", "tokenise"]

MAX_COMMAND_CHARS = 4000
MAX_ECHO_CHARS = 120  # a bad word is quoted back, but never so long it floods the reply

# --- normalising -------------------------------------------------------------------------

_QUOTES = str.maketrans(dict.fromkeys("“”„‟″", '"') | dict.fromkeys("‘’‚‛′", "'"))
# Slack escapes exactly these; html.unescape would also eat `&copy` and friends in a
# response text, so only these five are undone, in one pass (`&amp;lt;` -> `&lt;`).
_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'"}
_ENTITY = re.compile("|".join(_ENTITIES))
# Slack markup: `<@U1|bob>`, `<#C1|ops>`, `<!here>`, `<http://x|label>`, `<mailto:a@b|a@b>`.
_MARKUP = re.compile(r"<([@#!][^<>|\s]*|[A-Za-z][A-Za-z0-9+.\-]*:[^<>|\s]+)(?:\|([^<>]*))?>")
_BARE_HOST_URL = re.compile(r"https?://([^/:?#@\s]+)/?", re.IGNORECASE)
_WHITESPACE_CONTROLS = frozenset("\t\n\r\v\f\x1c\x1d\x1e\x1f\x85")
# Zero-width and bidi-control characters: invisible, and a way to hide text in plain sight.
_INVISIBLE = frozenset(
    "\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"
)


def _unwrap(match: re.Match[str]) -> str:
    target, label = match.group(1), match.group(2)
    if target[0] in "@#!":
        return f"<{target}>"  # a mention stays a mention, only its display label goes
    if label:
        return label  # what the person typed; Slack auto-links `yahoo.com` this way
    if target.lower().startswith("mailto:"):
        return target[len("mailto:") :]
    bare = _BARE_HOST_URL.fullmatch(target)
    return bare.group(1) if bare else target


def _clean_char(char: str) -> str:
    if char in _WHITESPACE_CONTROLS or unicodedata.category(char) in ("Zs", "Zl", "Zp"):
        return " "
    if char in _INVISIBLE or unicodedata.category(char) in ("Cc", "Cs"):
        return ""
    return char


def normalise(text: str) -> str:
    """Undo what Slack did to the text: curly quotes, HTML escapes, link markup, odd spaces."""
    if len(text) > 16 * MAX_COMMAND_CHARS:  # do not even walk megabytes of text
        raise _too_long(len(text))
    text = "".join(_clean_char(char) for char in text).translate(_QUOTES)
    # Markup first: `&lt;http://x&gt;` is text the person typed, not a Slack link.
    text = _MARKUP.sub(_unwrap, text)
    text = _ENTITY.sub(lambda m: _ENTITIES[m.group(0)], text).strip()
    if len(text) > MAX_COMMAND_CHARS:
        raise _too_long(len(text))
    return text


def _too_long(length: int) -> UserInputError:
    return UserInputError(
        f"The command is too long ({length} characters; at most {MAX_COMMAND_CHARS}).",
        hint=f"Usage: {GENERAL_USAGE}; `/kumo help` lists the verbs.",
    )


# --- splitting ---------------------------------------------------------------------------

# `we can't` in chat is an apostrophe, not a quote; NUL never survives normalise().
_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")
_PLACEHOLDER = "\x00"


def tokenise(text: str) -> list[str]:
    """Split normalised text like a shell: quotes group words, `\\` escapes, no comments."""
    lexer = shlex.shlex(_APOSTROPHE.sub(_PLACEHOLDER, text), posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""  # `#` starts channel refs and ids, never a comment
    try:
        words = list(lexer)
    except ValueError as exc:
        verb = next(iter(text.lower().removeprefix("/kumo").split()), "")
        hint = f"Usage: {usage(verb)}" if verb in CATALOG else f"Usage: {GENERAL_USAGE}"
        if "quotation" in str(exc):
            raise UserInputError(
                f"Unclosed quote in `{echo(text)}`: every `\"` or `'` needs its partner.",
                hint=hint,
            ) from None
        raise UserInputError(f"`{echo(text)}` ends with a lone `\\`.", hint=hint) from None
    return [word.replace(_PLACEHOLDER, "'") for word in words]


def echo(word: str) -> str:
    """A word as quoted back in an error: cut to ``MAX_ECHO_CHARS``, with an ellipsis."""
    return word if len(word) <= MAX_ECHO_CHARS else word[: MAX_ECHO_CHARS - 1] + "…"
