"""The command grammar: text a person typed -> one typed command (DESIGN 3).

``parse`` runs three steps: ``normalise`` undoes what Slack clients do to text (curly
quotes, HTML escapes, link markup, odd spaces), a shell-like split groups quoted words,
and the verb's spec in ``bot.core.catalog`` binds words and flags to the fields of its
command model.  Every mistake is a ``UserInputError`` whose message quotes the bad word
and whose hint carries the usage; nothing here crashes on text, however odd.

The first two steps live in ``bot.core.command_text``, the binding in
``bot.core.command_binding``, the value checks in ``bot.core.command_values`` and
``help_text`` in ``bot.core.help``; this module re-exports their public names, so
callers import everything from here.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.core.catalog import CATALOG, VerbSpec, closest, unknown_verb, usage
from bot.core.command_binding import bind
from bot.core.command_text import MAX_COMMAND_CHARS as MAX_COMMAND_CHARS
from bot.core.command_text import MAX_ECHO_CHARS as MAX_ECHO_CHARS
from bot.core.command_text import echo, normalise, tokenise
from bot.core.commands_write import (
    Bounce,
    Cancel,
    LogFilter,
    Rebind,
    ShapingSet,
    Suspend,
    SuspendPath,
    Xfer,
)
from bot.core.durations import format_duration, parse_duration
from bot.core.errors import UserInputError
from bot.core.help import HelpSection, HelpText, help_text
from bot.core.logrecords import TYPE_WORDS, type_for_word
from bot.core.models import Model

__all__ = [
    "CATALOG", "Audit", "Auth", "Blocklists", "Command", "Diagnose", "Doctor", "Explain",
    "Health", "Help", "HelpSection", "HelpText",
    "Holds", "Incident", "Log", "Playbook", "Postmortem", "Providers", "Queue", "Responses",
    "Trend", "Tsa", "VerbSpec", "Who", "bind",
    "command_to_dict",
    "format_duration", "help_text", "normalise", "parse", "parse_duration", "tokenise", "usage",
]

# --- the commands ------------------------------------------------------------------------


class _CommandModel(Model):
    # forbid: a catalog field that no model has is a bug to see, not a value to drop.
    model_config = ConfigDict(frozen=True, extra="forbid", ser_json_timedelta="float")

    incident: str | None = None


class Help(_CommandModel):
    """``help [VERB]``."""

    verb: Literal["help"] = "help"
    topic: str | None = None


class Queue(_CommandModel):
    """``queue [DOMAIN] [--node N] [--limit N] [--by-volume]``."""

    verb: Literal["queue"] = "queue"
    domain: str | None = None
    node: str | None = None
    limit: int | None = None
    by_volume: bool = False


class Providers(_CommandModel):
    """``providers [--by-pool] [--node N] [--limit N]``."""

    verb: Literal["providers"] = "providers"
    by_pool: bool = False
    node: str | None = None
    limit: int | None = None


class Holds(_CommandModel):
    """``holds [DOMAIN] [--node N]``."""

    verb: Literal["holds"] = "holds"
    domain: str | None = None
    node: str | None = None


class Tsa(_CommandModel):
    """``tsa [DOMAIN]`` / ``tsa history [DOMAIN] [--since DUR]``."""

    verb: Literal["tsa"] = "tsa"
    domain: str | None = None
    history: bool = False
    since: timedelta | None = None

    @model_validator(mode="after")
    def _since_only_with_history(self) -> Tsa:
        if self.since is not None and not self.history:
            raise ValueError("`--since` only works with `tsa history`.")
        return self


class Health(_CommandModel):
    """``health [NODE]``."""

    verb: Literal["health"] = "health"
    node: str | None = None


class Doctor(_CommandModel):
    """``doctor``."""

    verb: Literal["doctor"] = "doctor"


class Log(_CommandModel):
    """``log DOMAIN [--site] [--type T] [--limit N] [--since DUR] [--node N] [--internal]``."""

    verb: Literal["log"] = "log"
    domain: str
    site: bool = False
    type: str | None = None  # a kumod record type name; `deferral` becomes TransientFailure
    limit: int | None = None
    since: timedelta | None = None
    node: str | None = None
    internal: bool = False

    @field_validator("type")
    @classmethod
    def _record_type(cls, word: str | None) -> str | None:
        if word is None:
            return None
        found = type_for_word(word)
        if found is None:
            nearest = closest(word.lower(), sorted(TYPE_WORDS))
            guess = f" Did you mean `{nearest}`?" if nearest else ""
            raise ValueError(
                f"`--type {echo(word)}` is not a log record type.{guess} Use one of "
                "`deferral`, `bounce`, `delivery`, `rejection`, `expiration`, `adminbounce`, "
                "`oob`, `feedback`."
            )
        return found.value


class Responses(_CommandModel):
    """``responses DOMAIN [--site] [--since DUR] [--node N] [--internal]``."""

    verb: Literal["responses"] = "responses"
    domain: str
    site: bool = False
    since: timedelta | None = None
    node: str | None = None
    internal: bool = False


class Explain(_CommandModel):
    """``explain "RESPONSE" [--domain D]``."""

    verb: Literal["explain"] = "explain"
    response: str
    domain: str | None = None


class Audit(_CommandModel):
    """``audit [--user U] [--since DUR] [--incident ID] [--limit N]``."""

    verb: Literal["audit"] = "audit"
    user: str | None = None
    since: timedelta | None = None
    limit: int | None = None


class Diagnose(_CommandModel):
    """``diagnose DOMAIN``."""

    verb: Literal["diagnose"] = "diagnose"
    domain: str


class Trend(_CommandModel):
    """``trend DOMAIN [--since DUR]``."""

    verb: Literal["trend"] = "trend"
    domain: str
    since: timedelta | None = None


class Who(_CommandModel):
    """``who DOMAIN``."""

    verb: Literal["who"] = "who"
    domain: str


class Blocklists(_CommandModel):
    """``blocklists [NODE|IP]``."""

    verb: Literal["blocklists"] = "blocklists"
    target: str | None = None


class Auth(_CommandModel):
    """``auth DOMAIN``."""

    verb: Literal["auth"] = "auth"
    domain: str


class Incident(_CommandModel):
    """``incident start "TITLE" [--domain D]... [--channel]`` / ``note TEXT`` / ``status`` /
    ``resolve`` / ``list``."""

    verb: Literal["incident"] = "incident"
    action: Literal["start", "note", "status", "resolve", "list"]
    text: str | None = None
    domains: tuple[str, ...] = ()
    channel: bool = False

    @model_validator(mode="after")
    def _fits_the_action(self) -> Incident:
        if self.action in ("start", "note") and not (self.text or "").strip():
            what = '"TITLE"' if self.action == "start" else "TEXT"
            raise ValueError(f"`incident {self.action}` needs {what}.")
        if self.action not in ("start", "note") and self.text:
            raise ValueError(f"`incident {self.action}` takes no text (got `{echo(self.text)}`).")
        if self.action != "start" and (self.domains or self.channel):
            raise ValueError("`--domain` and `--channel` only work with `incident start`.")
        return self


class Playbook(_CommandModel):
    """``playbook list`` / ``playbook start NAME [DOMAIN]`` / ``playbook runs``."""

    verb: Literal["playbook"] = "playbook"
    action: Literal["list", "start", "runs"]
    name: str | None = None
    domain: str | None = None

    @model_validator(mode="after")
    def _fits_the_action(self) -> Playbook:
        if self.action == "start" and not self.name:
            raise ValueError("`playbook start` needs the playbook's NAME "
                             "(`/kumo playbook list` shows them).")
        if self.action != "start" and (self.name or self.domain):
            raise ValueError(f"`playbook {self.action}` takes no arguments.")
        return self


class Postmortem(_CommandModel):
    """``postmortem [INCIDENT]``: without an id, the incident of the channel."""

    verb: Literal["postmortem"] = "postmortem"
    target: str | None = None


Command = Annotated[
    Help | Queue | Providers | Holds | Tsa | Health | Doctor | Log | Responses | Explain | Audit
    | Diagnose | Trend | Suspend | SuspendPath | Cancel | Bounce | ShapingSet | Rebind | Xfer | Who
    | LogFilter
    | Blocklists
    | Auth | Incident
    | Playbook
    | Postmortem,
    Field(discriminator="verb"),
]
"""Every command this release answers; ``verb`` tells them apart."""

_COMMAND: TypeAdapter[Command] = TypeAdapter(Command)


def command_to_dict(command: Command) -> dict[str, Any]:
    """The command as JSON-safe data for the audit log (durations in seconds)."""
    return command.model_dump(mode="json")


# --- reading a command line ------------------------------------------------------------------


def parse(text: str) -> Command:
    """Read one command line (``/kumo`` prefix optional) as a typed command; empty is help."""
    words = tokenise(normalise(text))
    if words and words[0].lower() == "/kumo":
        words = words[1:]
    if not words or words[0].lower() in ("--help", "-h"):
        return Help()
    spec = CATALOG.get(words[0].lower())
    if spec is None:
        raise unknown_verb(words[0])
    if any(word.lower() in ("--help", "-h") for word in words[1:]):
        return Help(topic=spec.name)
    if not spec.available:
        raise UserInputError(
            f"`{spec.name}` is designed but not available in this version yet.",
            hint=f"Usage: {usage(spec.name)}\n`/kumo help` lists what works now.",
        )
    values = bind(spec, words[1:])
    try:
        return _COMMAND.validate_python({"verb": spec.name, **values})
    except ValidationError as exc:
        # A model's own rule about a combination of values (``--since`` needs ``history``)
        # is the person's mistake; any other validation failure is our bug and propagates.
        broken = [e for e in exc.errors() if e["type"] == "value_error"]
        if not broken:
            raise
        reason = broken[0].get("ctx", {}).get("error", broken[0]["msg"])
        raise UserInputError(str(reason), hint=f"Usage: {usage(spec.name)}") from None
