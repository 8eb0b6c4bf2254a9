"""The shaping value in force on one egress path, layer by layer (DESIGN 5).

kumod loads the shaping files in order and later files win: the base files
(``KUMO_SHAPING_FILES``), then the bot's own overrides, then TSA's overrides.  So
the **effective** value of an option for a path (source x domain) is the last layer
that sets it: TSA's active override beats the bot's, which beats the base.  Both the
guard ("does this raise or lower the limit?") and time-to-drain read it from here.

Values are compared by meaning, not text: rates (``100/s``, ``1/minute``,
``10000/h``) become messages per second; counts (``connection_limit``) are numbers.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from bot.core.errors import UserInputError

Layer = Literal["base", "bot", "tsa"]

# Options whose value is a rate ``N/period``; every other option we compare is a count.
RATE_KEYS = frozenset({"max_message_rate", "max_connection_rate"})
COUNT_KEYS = frozenset({
    "connection_limit", "max_deliveries_per_connection", "max_ready",
    "provider_connection_limit",
})
LIMIT_KEYS = RATE_KEYS | COUNT_KEYS
"""The options the bot lets people override: every one is a limit (higher sends faster)."""

_RESERVED = frozenset({"mx_rollup", "replace_base", "automation", "sources", "match",
                       "provider_name"})
_PERIOD_SECONDS = {
    "s": 1, "sec": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
}
_RATE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*/\s*([a-z]+)\s*$")


def rate_per_second(text: str) -> float:
    """``"100/s"`` -> 100.0, ``"1/minute"`` -> 1/60; a malformed rate is a ``UserInputError``."""
    found = _RATE.match(text.lower())
    if found is None or found.group(2) not in _PERIOD_SECONDS:
        raise UserInputError(
            f"`{text[:40]}` is not a rate.",
            hint="Write a rate as `N/period`: `100/s`, `600/min`, `10000/h`, `1/minute`.",
        )
    return float(found.group(1)) / _PERIOD_SECONDS[found.group(2)]


def limit_magnitude(key: str, value: object) -> float:
    """How much ``value`` lets through for option ``key``: bigger means faster."""
    if key not in LIMIT_KEYS:
        raise UserInputError(
            f"`{key[:40]}` is not a shaping limit the bot can override.",
            hint="Overridable: " + ", ".join(f"`{k}`" for k in sorted(LIMIT_KEYS)) + ".",
        )
    if key in RATE_KEYS:
        return rate_per_second(str(value))
    try:
        number = int(str(value))
    except ValueError:
        raise UserInputError(f"`{key}` takes a whole number, not `{str(value)[:40]}`.") from None
    if number < 1:
        raise UserInputError(f"`{key}` must be at least 1 (got {number}).")
    return float(number)


@dataclass(frozen=True)
class Path:
    """One egress path as shaping sees it: the recipient domain, its site, a source."""

    domain: str
    site: str
    source: str
    mx_hosts: tuple[str, ...] = ()


@dataclass(frozen=True)
class LayerValue:
    """One layer's setting of an option: where it came from and until when it holds."""

    layer: Layer
    value: object
    origin: str
    expires: datetime | None = None
    reason: str | None = None


@dataclass(frozen=True)
class OverrideEntry:
    """An override in tsa-daemon's layout (REFERENCE 5.4), the bot's or TSA's."""

    domain: str
    source: str
    name: str
    value: object
    mx_rollup: bool
    expires: datetime | None = None
    reason: str | None = None
    site: str | None = None  # the domain's site, when known: a rollup entry covers it

    def applies_to(self, path: Path) -> bool:
        """Whether this entry sets its option on ``path``."""
        if self.source != path.source:
            return False
        if self.mx_rollup and self.site is not None:
            return self.site == path.site
        return self.domain == path.domain


@dataclass(frozen=True)
class Effective:
    """Every layer that sets an option on a path, lowest first; the last one is in force."""

    key: str
    path: Path
    layers: tuple[LayerValue, ...]

    @property
    def value(self) -> LayerValue | None:
        """The value in force, or None when no layer sets it (kumod's built-in default)."""
        return self.layers[-1] if self.layers else None

    @property
    def tsa(self) -> LayerValue | None:
        """TSA's active override of this option, when it has one."""
        return next((lv for lv in self.layers if lv.layer == "tsa"), None)

    def compare(self, proposed: object) -> int:
        """-1 when ``proposed`` lowers the effective value, 0 same, 1 raises (or sets anew)."""
        now = self.value
        new = limit_magnitude(self.key, proposed)
        if now is None:
            return 1
        old = limit_magnitude(self.key, now.value)
        return (new > old) - (new < old)


def base_layers(texts: Sequence[tuple[str, str]], key: str, path: Path) -> list[LayerValue]:
    """The base files' settings of ``key`` on ``path``, in load order (``(name, text)`` each).

    Within a file kumod merges ``default``, matching providers, the site or domain
    block, then each of those blocks' ``sources.<source>`` table; later wins.
    """
    found: list[LayerValue] = []
    for name, text in texts:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            continue  # the shaping-files check reports broken files; here they set nothing
        blocks = _blocks(data, path)
        for label, block in blocks:
            if key in block and key not in _RESERVED:
                found.append(LayerValue("base", block[key], f"{name} [{label}]"))
        for label, block in blocks:
            per_source = block.get("sources", {})
            if isinstance(per_source, dict) and isinstance(per_source.get(path.source), dict):
                value = per_source[path.source].get(key)
                if value is not None:
                    found.append(LayerValue("base", value,
                                            f"{name} [{label}.sources.{path.source}]"))
    return found


def _blocks(data: dict[str, Any], path: Path) -> list[tuple[str, dict[str, Any]]]:
    blocks: list[tuple[str, dict[str, Any]]] = []
    if isinstance(data.get("default"), dict):
        blocks.append(("default", data["default"]))
    providers = data.get("provider", {})
    if isinstance(providers, dict):
        for name, block in providers.items():
            if isinstance(block, dict) and _provider_matches(block, path):
                blocks.append((f'provider."{name}"', block))
    block = data.get(path.domain)
    if isinstance(block, dict):
        blocks.append((f'"{path.domain}"', block))
    return blocks


def _provider_matches(block: dict[str, Any], path: Path) -> bool:
    hosts = [h.lower().rstrip(".") for h in path.mx_hosts]
    for entry in block.get("match", []):
        if not isinstance(entry, dict):
            continue
        for kind, arg in entry.items():
            word = str(arg).lower()
            if kind == "MXSuffix" and any(h.endswith(word) for h in hosts):
                return True
            if kind == "DomainSuffix" and path.domain.endswith(word):
                return True
            if kind == "HostName" and word.rstrip(".") in hosts:
                return True
    return False


def override_layers(entries: Iterable[OverrideEntry], key: str, path: Path, layer: Layer,
                    now: datetime) -> list[LayerValue]:
    """The live overrides of ``key`` on ``path`` from one layer (expired ones do nothing)."""
    return [
        LayerValue(layer, e.value, f"{layer} override", e.expires, e.reason)
        for e in entries
        if e.name == key and e.applies_to(path) and (e.expires is None or e.expires > now)
    ]


def effective_value(
    key: str,
    path: Path,
    *,
    base_texts: Sequence[tuple[str, str]],
    bot: Iterable[OverrideEntry] = (),
    tsa: Iterable[OverrideEntry] = (),
    now: datetime,
) -> Effective:
    """The value of ``key`` on ``path`` now: base, then the bot's override, then TSA's."""
    layers = [
        *base_layers(base_texts, key, path),
        *override_layers(bot, key, path, "bot", now),
        *override_layers(tsa, key, path, "tsa", now),
    ]
    return Effective(key, path, tuple(layers))


def time_left(layer: LayerValue | None, now: datetime) -> timedelta | None:
    """How long an override still holds; None for a base value or an unknown expiry."""
    if layer is None or layer.expires is None:
        return None
    return max(layer.expires - now, timedelta(0))
