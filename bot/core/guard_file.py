"""The guard file: the thresholds the bot judges by, as data (DESIGN 5, ``KUMO_GUARD_FILE``).

The built-in defaults are ``bot/data/guard.toml``.  An operator's file is laid over
them table by table and key by key, so it holds only the keys it changes.  Both are
checked strictly: an unknown table or key, a value of the wrong type or out of range
is a ``ConfigError`` that names the file and the key (STYLE 9).  An adapter reads the
files; this module only parses text.

Adding a section (the guard's own rules, say) takes three steps: a model below with
``extra="forbid"``, a field for it on :class:`GuardFile`, and its table, every key
set, in ``bot/data/guard.toml``.  The models carry no default values on purpose: the
values live in the data file alone, so there is one place to read and change them.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.core.durations import parse_duration
from bot.core.errors import ConfigError, UserInputError


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DiagnosisThresholds(_Section):
    """``[diagnosis]``: what ``diagnose`` reads and when it calls something a finding."""

    window: timedelta = Field(description="how far back receivers' replies are read")
    recent: timedelta = Field(description="the newest part of the window; the rest is the "
                              "baseline a sudden mass of 5xx is measured against")
    brake_min_replies: int = Field(ge=1, description="replies of one brake before calling it")
    block_min_replies: int = Field(ge=1, description="replies of one block before calling it")
    dead_address_min_replies: int = Field(ge=1, description="dead-address 5xx before calling "
                                          "a list problem")
    rejection_min_replies: int = Field(ge=1, description="other 5xx before calling them")
    spike_min_replies: int = Field(ge=1, description="5xx in the recent part for a spike")
    spike_ratio: float = Field(gt=1, description="recent 5xx rate over the baseline's")
    baseline_floor_per_hour: float = Field(gt=0, description="the lowest baseline rate used")

    @field_validator("window", "recent", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        if not isinstance(value, str):
            raise ValueError('write a duration as a string, e.g. "2h" or "30m"')
        try:
            return parse_duration(value)
        except UserInputError as exc:
            raise ValueError(exc.message) from None

    @model_validator(mode="after")
    def _recent_inside_window(self) -> DiagnosisThresholds:
        if self.recent >= self.window:
            raise ValueError("`recent` must be shorter than `window`: the rest of the window "
                             "is the baseline")
        return self

    @property
    def baseline(self) -> timedelta:
        """The earlier part of the window, before ``recent``."""
        return self.window - self.recent


class GuardRules(_Section):
    """``[guard]``: when a change becomes dangerous, and how long anything may last."""

    suspend_change_max: timedelta = Field(description="a suspension longer than this is "
                                          "dangerous")
    log_filter_change_max: timedelta = Field(description="a log filter longer than this is "
                                             "dangerous")
    hold_max: timedelta = Field(description="the longest suspension, override or filter "
                                "accepted at all")
    same_scope_window: timedelta = Field(description="changes on one scope inside this "
                                         "window are counted")
    same_scope_changes: int = Field(ge=1, description="this many earlier changes in the "
                                    "window make the next one dangerous")
    evidence_lookback: timedelta = Field(description="receivers' replies this recent count "
                                         "as evidence against a raise")
    approval_ttl: timedelta = Field(description="how long a sign-off request stays open")

    @field_validator("suspend_change_max", "log_filter_change_max", "hold_max",
                     "same_scope_window", "evidence_lookback", "approval_ttl", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        return DiagnosisThresholds._duration(value)


class GuardFile(_Section):
    """Every section of the guard file."""

    diagnosis: DiagnosisThresholds
    guard: GuardRules


def overlay(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``over`` laid on ``base``: tables merge key by key, any other value replaces."""
    merged = dict(base)
    for key, value in over.items():
        below = merged.get(key)
        if isinstance(value, Mapping) and isinstance(below, Mapping):
            merged[key] = overlay(below, value)
        else:
            merged[key] = value
    return merged


def _toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"guard file {source}: not valid TOML: {exc}") from None


def _has_path(data: Mapping[str, Any], path: tuple[str | int, ...]) -> bool:
    node: Any = data
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    return True


def parse_guard_file(
    defaults: str,
    *,
    defaults_name: str,
    override: str | None = None,
    override_name: str | None = None,
) -> GuardFile:
    """The built-in file with the operator's laid over it, checked; errors name file and key."""
    base = _toml(defaults, defaults_name)
    mine = _toml(override, override_name or "?") if override is not None else {}
    try:
        return GuardFile.model_validate(overlay(base, mine))
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        # Blame the file the offending key came from: the operator's, unless only ours has it.
        source = override_name if override is not None and _has_path(mine, loc) else defaults_name
        where = ".".join(str(p) for p in loc) or "the file"
        if err["type"] == "extra_forbidden":
            why = "unknown key (a typo, or a key this version does not have)"
        elif err["type"] == "missing":
            why = "missing"
        else:
            why = str(err["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"guard file {source}: {where}: {why}",
                          hint="See bot/data/guard.toml for every key and what it means.") from None
