"""tsa-daemon's ``/get_config_v1/shaping.toml`` read into ``TsaOverride`` values (REFERENCE 5.4).

The layout tsa-daemon writes (through ``toml_edit``)::

    ["yahoo.com"]
    mx_rollup = true

    ["yahoo.com".sources."ip-1"]
    # reason: automation rule: ...
    # expires: 2026-08-04T13:30:00.500+00:00
    connection_limit = 1

Quoting, spacing, ordering and even table-vs-dotted-key style may vary, so the
document is walked as TOML (tomlkit keeps the comments) rather than matched as
text: every value at ``<domain>.sources.<source>.<option>`` is an override, the
``# reason:`` / ``# expires:`` comments written above it (or beside it) describe
it, and ``<domain>.mx_rollup`` applies to all of the domain's overrides.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import tomlkit
from tomlkit.container import Container
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import Bool, Comment, InlineTable, Item, Table, Whitespace

from bot.core.models import TsaOverride


@dataclass(frozen=True)
class _Leaf:
    path: tuple[str, ...]
    item: Item
    comments: tuple[str, ...]


def parse_overrides(text: str) -> list[TsaOverride]:
    """Parse the override TOML; ``ValueError`` when it is not TOML."""
    try:
        document = tomlkit.parse(text)
    except TOMLKitError as exc:
        raise ValueError(f"shaping.toml is not TOML: {exc}") from exc
    rollups: dict[str, bool] = {}
    found: list[tuple[_Leaf, str, str, str]] = []
    for leaf in _walk(document, ()):
        if len(leaf.path) == 2 and leaf.path[1] == "mx_rollup" and isinstance(leaf.item, Bool):
            rollups[leaf.path[0]] = bool(leaf.item.unwrap())
        elif len(leaf.path) == 4 and leaf.path[1] == "sources":
            domain, _, source, option = leaf.path
            found.append((leaf, domain, source, option))
        # Anything else is a key a newer tsa-daemon added: not an override, skip it.
    overrides = []
    for leaf, domain, source, option in found:
        reason, expires = _described(leaf.comments)
        overrides.append(
            TsaOverride(
                domain=domain,
                source=source,
                mx_rollup=rollups.get(domain),
                name=option,
                value=_as_text(leaf.item),
                reason=reason,
                expires=expires,
            )
        )
    return overrides


def _walk(
    container: Container, prefix: tuple[str, ...], above: tuple[str, ...] = ()
) -> Iterator[_Leaf]:
    """Every value in ``container`` with its full key path and the comments above it.

    ``above`` carries comments written over a dotted key (``sources."ip-1".x = 1``),
    which tomlkit stores as nested tables, down to the value they describe.
    """
    pending: list[str] = list(above)
    for key, item in container.body:
        if key is None:
            if isinstance(item, Comment):
                pending.append(item.as_string().strip())
            elif not isinstance(item, Whitespace):
                pending.clear()
            continue
        path = (*prefix, key.key)
        if isinstance(item, Table | InlineTable):
            # Comments above a [table] header describe the table, not its first option;
            # above a dotted key they describe the value at its end.
            inherited = tuple(pending) if key.is_dotted() else ()
            pending.clear()
            yield from _walk(item.value, path, inherited)
            continue
        inline = _inline_comment(item)
        comments = (*pending, inline) if inline else tuple(pending)
        pending.clear()
        yield _Leaf(path, item, comments)


def _inline_comment(item: Item) -> str:
    """A ``# ...`` written after the value on its own line, if any."""
    try:
        return item.trivia.comment.strip()
    except (AttributeError, RuntimeError):  # arrays of tables carry no trivia
        return ""


def _described(comments: tuple[str, ...]) -> tuple[str | None, datetime | None]:
    """``# reason: ...`` and ``# expires: <RFC 3339>`` out of an option's comments."""
    reason: str | None = None
    expires: datetime | None = None
    for comment in comments:
        label, sep, rest = comment.lstrip("#").strip().partition(":")
        if not sep:
            continue
        label, rest = label.strip().lower(), rest.strip()
        if label == "reason":
            reason = rest
        elif label == "expires":
            try:
                expires = datetime.fromisoformat(rest)
            except ValueError:
                expires = None  # an unreadable expiry is unknown, not a broken answer
            else:
                if expires.tzinfo is None:  # tsa-daemon writes UTC; say so
                    expires = expires.replace(tzinfo=UTC)
    return reason, expires


def _as_text(item: Item) -> str:
    """The option's value as an operator would write it: ``1``, ``1/minute``, ``true``."""
    value = item.unwrap()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return item.as_string().strip()
