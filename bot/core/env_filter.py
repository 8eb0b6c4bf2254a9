"""KumoMTA's diagnostic log filter: tracing's env-filter text, checked before it is sent.

``POST /api/admin/set_diagnostic_log_filter/v1`` takes ``{"filter": "..."}`` in
tracing's env-filter syntax (REFERENCE 1.19).  The bot accepts the plain part of that
syntax: directives separated by commas, each ``target=level`` (``kumod=debug``,
``kumo_server_common::http=trace``) or a bare ``level`` (the default for every
target).  Anything else is refused with what to write instead, before any guard or
write: a filter kumod cannot parse would fail on every node.
"""

from __future__ import annotations

import re

from bot.core.errors import UserInputError

LEVELS = ("off", "error", "warn", "info", "debug", "trace")
MAX_FILTER_CHARS = 1000
_TARGET = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*(?:::[A-Za-z_][A-Za-z0-9_-]*)*")
_EXAMPLE = "e.g. `kumod=debug` or `kumod=trace,kumo_server_common=info`"


def check_env_filter(text: str) -> str:
    """The filter, normalised (no spaces, levels lower-case); ``UserInputError`` if not valid."""
    cleaned = text.strip()
    if not cleaned:
        raise UserInputError("The log filter is empty.", hint=f"Write one, {_EXAMPLE}.")
    if len(cleaned) > MAX_FILTER_CHARS:
        raise UserInputError(f"The log filter is longer than {MAX_FILTER_CHARS} characters.",
                             hint=f"Name fewer targets, {_EXAMPLE}.")
    directives = [part.strip() for part in cleaned.split(",")]
    return ",".join(_directive(part) for part in directives)


def _directive(part: str) -> str:
    if not part:
        raise UserInputError("The log filter has an empty directive (two commas in a row, or "
                             "a comma at an end).", hint=f"Separate directives with one comma, "
                             f"{_EXAMPLE}.")
    target, equals, level = (p.strip() for p in part.partition("="))
    if not equals:
        if target.lower() in LEVELS:
            return target.lower()
        raise UserInputError(f"`{part[:80]}` is neither a level nor `target=level`.",
                             hint=f"Levels: {', '.join(LEVELS)}; {_EXAMPLE}.")
    if not _TARGET.fullmatch(target):
        raise UserInputError(f"`{target[:80]}` is not a target name (a Rust module path such "
                             "as `kumod` or `kumo_server_common::http`).", hint=_EXAMPLE + ".")
    if level.lower() not in LEVELS:
        raise UserInputError(f"`{level[:80]}` is not a log level.",
                             hint=f"Levels: {', '.join(LEVELS)}; {_EXAMPLE}.")
    return f"{target}={level.lower()}"

