"""Shaping files read the way ``kumo.shaping.load`` reads them (REFERENCE 5.6).

One file's text becomes a :class:`ShapingFile`: the ``default`` block, the domain
blocks (with their ``mx_rollup``) and the providers (with their ``match`` lists), each
with its automation rules.  What kumod refuses to load (a bad action, a missing
duration, a malformed trigger) is a ``ConfigError`` naming the file and the rule;
what kumod silently ignores (an unknown key in a rule) is kept as a warning.
Resolving domain blocks to sites needs MX lookups; ``bot.core.automation`` does that
with records the caller looked up, so this module stays pure.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

from bot.core.errors import ConfigError
from bot.core.fancy_regex import UntranslatableRegex, compile_fancy
from bot.core.humantime import parse_humantime

ActionKind = Literal[
    "Suspend", "SuspendTenant", "SuspendCampaign", "Bounce", "BounceTenant", "BounceCampaign",
    "SetConfig", "SetDomainConfig",
]
_PLAIN_ACTIONS = ("Suspend", "SuspendTenant", "SuspendCampaign", "Bounce", "BounceTenant",
                  "BounceCampaign")
_CONFIG_ACTIONS = ("SetConfig", "SetDomainConfig")
_RULE_KEYS = frozenset({"regex", "action", "trigger", "duration", "match_internal"})
_MATCH_KINDS = ("MXSuffix", "DomainSuffix", "HostName")
_THRESHOLD = re.compile(r"\s*(?:local:)?\s*(\d+)\s*/\s*([A-Za-z]+)\s*")
_PERIODS = frozenset({"s", "sec", "second", "seconds", "m", "min", "mins", "minute", "minutes",
                      "h", "hr", "hrs", "hour", "hours", "d", "day", "days"})
# A literal backslash in a regex: what `'''\\[X\\]'''` (double escaping in a literal
# string) produces. Real replies carry no backslashes, so such a rule cannot fire.
_LITERAL_BACKSLASH = re.compile(r"(?<!\\)(?:\\\\)+(?!\\)")


@dataclass(frozen=True)
class Action:
    """One automation action; ``name``/``value`` only for SetConfig and SetDomainConfig."""

    kind: ActionKind
    name: str | None = None
    value: Any = None

    @property
    def text(self) -> str:
        """``Suspend`` or ``SetConfig max_message_rate=1/minute``."""
        return self.kind if self.name is None else f"{self.kind} {self.name}={self.value}"


@dataclass(frozen=True)
class Rule:
    """One automation rule as written in one file."""

    file: str
    block: str
    """Where it sits: ``default``, ``provider:yahoo`` or ``domain:comcast.net``."""
    number: int
    """Its position among the block's rules in that file, from 1."""
    regexes: tuple[str, ...]
    actions: tuple[Action, ...]
    duration: timedelta
    duration_text: str
    threshold: int | None = None
    """None: ``Immediate``. Otherwise the limit N of ``{Threshold="N/period"}``."""
    threshold_text: str | None = None
    match_internal: bool = False
    patterns: tuple[re.Pattern[str], ...] = ()
    untranslatable: str | None = None
    """Why the bot cannot evaluate one of its regexes (None: it can)."""

    @property
    def reason_regex(self) -> str:
        """The regex text as TSA writes it in reasons: one as is, several as ``(r1,r2)``."""
        if len(self.regexes) == 1:
            return self.regexes[0]
        return "(" + ",".join(self.regexes) + ")"

    @property
    def label(self) -> str:
        """``provider "yahoo" rule 1 in shaping.toml``."""
        kind, _, name = self.block.partition(":")
        where = "default" if kind == "default" else f'{kind} "{name}"'
        return f"{where} rule {self.number} in {self.file}"

    @property
    def trigger_text(self) -> str:
        """``Immediate`` or ``Threshold 2/hr``."""
        return "Immediate" if self.threshold is None else f"Threshold {self.threshold_text}"

    @property
    def needs_literal_backslash(self) -> bool:
        """Every regex demands a literal ``\\``: double-escaped, it will not match a real reply."""
        return bool(self.regexes) and all(_LITERAL_BACKSLASH.search(r) for r in self.regexes)

    def search(self, line: str, *, internal: bool) -> str | None:
        """The first regex that finds ``line`` (tsa-daemon's ``Rule::matches``), or None."""
        if internal and not self.match_internal:
            return None
        for regex, pattern in zip(self.regexes, self.patterns, strict=False):
            if pattern.search(line):
                return regex
        return None


@dataclass(frozen=True)
class DomainBlock:
    """``["<domain>"]``: stored under its MX site when ``mx_rollup`` (the default)."""

    domain: str
    mx_rollup: bool
    replace_base: bool
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class ProviderBlock:
    """``[provider."<name>"]`` with its ``match`` entries (kind, argument)."""

    name: str
    matches: tuple[tuple[str, str], ...]
    replace_base: bool
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class ShapingFile:
    """One shaping file, parsed."""

    name: str
    default_rules: tuple[Rule, ...] = ()
    default_replace_base: bool = False
    domains: tuple[DomainBlock, ...] = ()
    providers: tuple[ProviderBlock, ...] = ()
    warnings: tuple[str, ...] = field(default=())


def parse_shaping_file(text: str, *, name: str) -> ShapingFile:
    """Parse one shaping file's TOML text; ``ConfigError`` where kumod would refuse it."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"shaping file {name}: not valid TOML: {exc}") from None
    warnings: list[str] = []
    default_rules: tuple[Rule, ...] = ()
    default_replace = False
    domains: list[DomainBlock] = []
    providers: list[ProviderBlock] = []
    for key, block in data.items():
        if not isinstance(block, dict):
            raise ConfigError(f"shaping file {name}: `{key}` must be a table, not a value")
        if key == "default":
            default_rules = _rules(name, "default", block, warnings)
            default_replace = _flag(name, key, block, "replace_base", False)
        elif key == "provider":
            providers.extend(_provider(name, p, b, warnings) for p, b in block.items())
        else:
            domains.append(DomainBlock(
                domain=key,
                mx_rollup=_flag(name, key, block, "mx_rollup", True),
                replace_base=_flag(name, key, block, "replace_base", False),
                rules=_rules(name, f"domain:{key}", block, warnings),
            ))
    return ShapingFile(name=name, default_rules=default_rules, default_replace_base=default_replace,
                       domains=tuple(domains), providers=tuple(providers),
                       warnings=tuple(warnings))


def _flag(file: str, where: str, block: dict[str, Any], key: str, default: bool) -> bool:
    value = block.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"shaping file {file}: `{where}`: `{key}` must be true or false")
    return value


def _provider(file: str, name: str, block: Any, warnings: list[str]) -> ProviderBlock:
    if not isinstance(block, dict):
        raise ConfigError(f"shaping file {file}: provider `{name}` must be a table")
    matches: list[tuple[str, str]] = []
    raw = block.get("match", [])
    if not isinstance(raw, list):
        raise ConfigError(f"shaping file {file}: provider `{name}`: `match` must be a list")
    for entry in raw:
        if not (isinstance(entry, dict) and len(entry) == 1):
            raise ConfigError(f"shaping file {file}: provider `{name}`: each `match` entry is "
                              "one of {MXSuffix=...}, {DomainSuffix=...}, {HostName=...}")
        ((kind, arg),) = entry.items()
        if kind not in _MATCH_KINDS or not isinstance(arg, str):
            raise ConfigError(f"shaping file {file}: provider `{name}`: unknown match "
                              f"`{kind}` (expected MXSuffix, DomainSuffix or HostName)")
        matches.append((kind, arg))
    return ProviderBlock(
        name=name,
        matches=tuple(matches),
        replace_base=_flag(file, f"provider.{name}", block, "replace_base", False),
        rules=_rules(file, f"provider:{name}", block, warnings),
    )


def _rules(file: str, where: str, block: dict[str, Any], warnings: list[str]) -> tuple[Rule, ...]:
    raw = block.get("automation", [])
    if not isinstance(raw, list) or not all(isinstance(r, dict) for r in raw):
        raise ConfigError(f"shaping file {file}: `{where}`: `automation` must be [[...]] tables")
    return tuple(_rule(file, where, n, r, warnings) for n, r in enumerate(raw, start=1))


def _rule(file: str, where: str, number: int, raw: dict[str, Any],
          warnings: list[str]) -> Rule:
    label = f"shaping file {file}: {where} automation rule {number}"
    for key in sorted(set(raw) - _RULE_KEYS):
        # kumod ignores unknown keys in a rule too; an operator's typo is worth a word.
        warnings.append(f"{label}: unknown key `{key}` is ignored (by kumod too)")
    regexes = raw.get("regex")
    if isinstance(regexes, str):
        regexes = [regexes]
    if not isinstance(regexes, list) or not all(isinstance(r, str) for r in regexes):
        raise ConfigError(f"{label}: `regex` must be a string or a list of strings")
    duration_text = raw.get("duration")
    if isinstance(duration_text, int) and not isinstance(duration_text, bool):
        duration_text = f"{duration_text}s"
    if not isinstance(duration_text, str):
        raise ConfigError(f"{label}: `duration` is required (e.g. \"2 hours\")")
    try:
        duration = parse_humantime(duration_text)
    except ValueError as exc:
        raise ConfigError(f"{label}: `duration`: {exc}") from None
    threshold, threshold_text = _trigger(label, raw.get("trigger", "Immediate"))
    match_internal = raw.get("match_internal", False)
    if not isinstance(match_internal, bool):
        raise ConfigError(f"{label}: `match_internal` must be true or false")
    patterns: list[re.Pattern[str]] = []
    why: str | None = None
    for regex in regexes:
        try:
            patterns.append(compile_fancy(regex))
        except UntranslatableRegex as exc:
            why = f"regex {regex!r}: {exc}"
            warnings.append(f"{label}: the bot cannot evaluate {why}")
            patterns.append(re.compile(r"(?!)"))  # keeps positions aligned; never matches
    return Rule(
        file=file, block=where, number=number, regexes=tuple(regexes),
        actions=_actions(label, raw.get("action")), duration=duration,
        duration_text=duration_text, threshold=threshold, threshold_text=threshold_text,
        match_internal=match_internal, patterns=tuple(patterns), untranslatable=why,
    )


def _trigger(label: str, raw: Any) -> tuple[int | None, str | None]:
    if raw == "Immediate":
        return None, None
    if isinstance(raw, dict) and set(raw) == {"Threshold"} and isinstance(raw["Threshold"], str):
        spec = raw["Threshold"]
        found = _THRESHOLD.fullmatch(spec)
        if found and found.group(2).lower() in _PERIODS and int(found.group(1)) > 0:
            return int(found.group(1)), spec
        raise ConfigError(f"{label}: `trigger`: cannot read threshold {spec!r} (e.g. \"5/hr\")")
    raise ConfigError(f"{label}: `trigger` must be \"Immediate\" or {{Threshold=\"N/period\"}}")


def _actions(label: str, raw: Any) -> tuple[Action, ...]:
    items = raw if isinstance(raw, list) else [raw]
    if not items or raw is None:
        raise ConfigError(f"{label}: `action` is required")
    actions = []
    for item in items:
        if isinstance(item, str) and item in _PLAIN_ACTIONS:
            actions.append(Action(kind=item))  # type: ignore[arg-type]  # checked just above
            continue
        if isinstance(item, dict) and len(item) == 1:
            ((kind, body),) = item.items()
            if (kind in _CONFIG_ACTIONS and isinstance(body, dict)
                    and set(body) == {"name", "value"} and isinstance(body["name"], str)
                    and body["name"]):
                actions.append(Action(kind=kind, name=body["name"], value=body["value"]))
                continue
        raise ConfigError(
            f"{label}: unknown action {item!r}: expected one of {', '.join(_PLAIN_ACTIONS)}, "
            "{SetConfig={name=..., value=...}} or {SetDomainConfig={name=..., value=...}}"
        )
    return tuple(actions)


@dataclass(frozen=True)
class ShapingText:
    """One configured shaping source as read: its text, or why it could not be read.

    kumod ignores a remote source that fails (``remote_load`` defaults to Ignore) and
    refuses to start on a local file it cannot read; the reader says which it was.
    """

    name: str
    text: str | None
    problem: str | None = None
    remote: bool = False
