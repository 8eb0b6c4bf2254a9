"""The write commands of DESIGN 3, as typed models (the grammar is in ``bot.core.catalog``).

Whether a write runs, waits for Confirm or for sign-off is the guard's business
(``bot.core.guard``); these models only say what was asked.  ``--for`` and
``--reason`` are optional here so the guard, not the parser, answers their absence
with what to write instead.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from pydantic import ConfigDict, field_validator

from bot.core.env_filter import check_env_filter
from bot.core.models import Model


class _Write(Model):
    model_config = ConfigDict(frozen=True, extra="forbid", ser_json_timedelta="float")

    incident: str | None = None

    def guard_args(self) -> dict[str, Any]:
        """The arguments as the guard reads them (durations as ``timedelta``)."""
        return {k: v for k, v in self.model_dump().items() if k not in ("verb", "incident")}


class Suspend(_Write):
    """``suspend DOMAIN [--tenant T] [--campaign C] --for DUR --reason R``."""

    verb: Literal["suspend"] = "suspend"
    domain: str
    tenant: str | None = None
    campaign: str | None = None
    duration: timedelta | None = None
    reason: str | None = None


class SuspendPath(_Write):
    """``suspend-path SOURCE SITE --for DUR --reason R``."""

    verb: Literal["suspend-path"] = "suspend-path"
    source: str
    site: str
    duration: timedelta | None = None
    reason: str | None = None

    @property
    def queue_name(self) -> str:
        """The ready-queue name kumod gives this path."""
        return f"{self.source}->{self.site}@smtp_client"


class Cancel(_Write):
    """``cancel HOLD``."""

    verb: Literal["cancel"] = "cancel"
    hold: str


class Bounce(_Write):
    """``bounce DOMAIN [--tenant T] [--campaign C] --reason R`` / ``--queue Q...`` /
    ``--everything``."""

    verb: Literal["bounce"] = "bounce"
    domain: str | None = None
    tenant: str | None = None
    campaign: str | None = None
    queues: tuple[str, ...] = ()
    everything: bool = False
    reason: str | None = None


class ShapingSet(_Write):
    """``shaping set DOMAIN KEY=VALUE [--source S] --for DUR``."""

    verb: Literal["shaping"] = "shaping"
    action: Literal["set"] = "set"
    domain: str
    setting: str
    source: str | None = None
    duration: timedelta | None = None

    @property
    def key(self) -> str:
        """The option's name."""
        return self.setting.partition("=")[0].strip()

    @property
    def value(self) -> str:
        """The option's value, as typed."""
        return self.setting.partition("=")[2].strip()

    def guard_args(self) -> dict[str, Any]:
        """As the guard reads them: ``setting`` is ``(key, value)``."""
        return {**super().guard_args(), "setting": (self.key, self.value)}


class Rebind(_Write):
    """``rebind DOMAIN --set KEY=VALUE... --reason R``."""

    verb: Literal["rebind"] = "rebind"
    domain: str
    settings: tuple[str, ...] = ()
    reason: str | None = None

    @property
    def data(self) -> dict[str, str]:
        """The ``--set`` pairs as kumod's ``data`` object."""
        return {k.strip(): v.strip() for k, _, v in (s.partition("=") for s in self.settings)}


class Xfer(_Write):
    """``xfer DOMAIN --target URL --reason R``."""

    verb: Literal["xfer"] = "xfer"
    domain: str
    target: str | None = None
    reason: str | None = None


class LogFilter(_Write):
    """``log-filter FILTER --for DUR``: it reverts to ``KUMO_LOG_FILTER_BASELINE`` by itself."""

    verb: Literal["log-filter"] = "log-filter"
    filter: str
    duration: timedelta | None = None

    @field_validator("filter")
    @classmethod
    def _env_filter(cls, value: str) -> str:
        return check_env_filter(value)  # a UserInputError naming what is wrong, and an example


WRITE_VERBS = frozenset({"suspend", "suspend-path", "cancel", "bounce", "shaping", "rebind",
                         "xfer", "log-filter"})
"""The write verbs this release answers (through the guard)."""

WriteCommand = Suspend | SuspendPath | Cancel | Bounce | ShapingSet | Rebind | Xfer | LogFilter
