"""The verb table of DESIGN section 3, as data.

Every designed verb is here, with its usage, what it does, its action class and its
grammar (positional arguments and flags).  ``available`` says whether this release
answers it.  The parser in ``bot.core.commands`` reads only these specs: shipping a
verb means flipping ``available`` and adding its command model to ``Command``; the
parser itself does not change.  ``bot.core.help`` turns these specs into ``/kumo help``.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from bot.core.errors import UserInputError
from bot.core.models import Model

GENERAL_USAGE = "`/kumo VERB [ARGS] [--flag VALUE]`"


class Kind(StrEnum):
    """What a value must look like; the parser checks each kind the same way everywhere."""

    DOMAIN = "domain"  # IDNA hostname, lower-cased, returned in its ASCII form
    NAME = "name"  # node names, incident ids: letters, digits, -_.
    COUNT = "count"  # a whole number 1..1000
    DURATION = "duration"  # parse_duration
    TEXT = "text"  # verbatim, non-empty
    VERB = "verb"  # a verb of this catalog (help topics)
    SETTING = "setting"  # KEY=VALUE


class ArgSpec(Model):
    """One positional argument.

    ``word`` makes it a literal sub-word that sets a bool field (``tsa history``);
    ``choices`` makes it a sub-command whose word is the value (``incident start``);
    ``rest`` takes every remaining positional word, joined by spaces (``incident note``).
    """

    field: str
    metavar: str
    kind: Kind = Kind.TEXT
    required: bool = False
    word: str | None = None
    choices: tuple[str, ...] = ()
    rest: bool = False


class FlagSpec(Model):
    """One ``--flag``: a switch when ``kind`` is None, otherwise it takes one value."""

    name: str
    field: str
    help: str
    kind: Kind | None = None
    metavar: str = ""
    repeatable: bool = False

    @property
    def display(self) -> str:
        """The flag as written in usage: ``--node N`` or ``--by-volume``."""
        return f"--{self.name} {self.metavar}" if self.kind else f"--{self.name}"


class VerbSpec(Model):
    """One verb: usage forms, one-line summary, action class, availability and grammar."""

    name: str
    usage: tuple[str, ...]
    summary: str
    action_class: str
    available: bool
    args: tuple[ArgSpec, ...] = ()
    flags: tuple[FlagSpec, ...] = ()

    @property
    def all_flags(self) -> tuple[FlagSpec, ...]:
        """The verb's flags plus ``--incident``, which every verb accepts."""
        if any(flag.name == INCIDENT_FLAG.name for flag in self.flags):
            return self.flags
        return (*self.flags, INCIDENT_FLAG)


INCIDENT_FLAG = FlagSpec(
    name="incident", field="incident", kind=Kind.NAME, metavar="ID",
    help="file this command under incident ID (every verb accepts it)",
)


def _value(name: str, kind: Kind, metavar: str, help: str, *, field: str = "") -> FlagSpec:
    return FlagSpec(name=name, field=field or name.replace("-", "_"), kind=kind,
                    metavar=metavar, help=help)


def _switch(name: str, help: str) -> FlagSpec:
    return FlagSpec(name=name, field=name.replace("-", "_"), help=help)


def _domain_arg(*, required: bool) -> ArgSpec:
    return ArgSpec(field="domain", metavar="DOMAIN", kind=Kind.DOMAIN, required=required)


# Flags that several verbs share, so their help reads the same everywhere.
_NODE = _value("node", Kind.NAME, "N", "ask only this node of the park")
_LIMIT = _value("limit", Kind.COUNT, "N", "show at most N rows (1-1000)")
_SINCE = _value("since", Kind.DURATION, "DUR", "look back this far, e.g. `2h`")
_FOR = _value("for", Kind.DURATION, "DUR", "how long until it reverts by itself", field="duration")
_REASON = _value("reason", Kind.TEXT, "R", "why, in quotes; shown in kumod and the audit log")
_SITE = _switch("site", "widen to every domain on the domain's site")
_INTERNAL = _switch("internal", "include KumoMTA's own `KumoMTA internal:` responses")
_TENANT = _value("tenant", Kind.TEXT, "T", "only this tenant's mail")
_CAMPAIGN = _value("campaign", Kind.TEXT, "C", "only this campaign's mail")

_SPECS: tuple[VerbSpec, ...] = (
    VerbSpec(
        name="help", usage=("help [VERB]",), action_class="read", available=True,
        summary="usage and action class of each verb",
        args=(ArgSpec(field="topic", metavar="VERB", kind=Kind.VERB),),
    ),
    VerbSpec(
        name="queue", usage=("queue [DOMAIN] [--node N] [--limit N] [--by-volume]",),
        summary="what is queued, by domain and egress path, over the whole park "
        "(kcli queue-summary)",
        action_class="read", available=True, args=(_domain_arg(required=False),),
        flags=(_NODE, _LIMIT, _switch("by-volume", "order by queued messages, largest first")),
    ),
    VerbSpec(
        name="providers", usage=("providers [--by-pool] [--node N] [--limit N]",),
        summary="queued and delivering mail by provider (kcli provider-summary)",
        action_class="read", available=True,
        flags=(_switch("by-pool", "split each provider by egress pool"), _NODE, _LIMIT),
    ),
    VerbSpec(
        name="holds", usage=("holds [DOMAIN] [--node N]",),
        summary="every suspension and bounce, manual or TSA, with time left and a stable hold id",
        action_class="read", available=True, args=(_domain_arg(required=False),),
        flags=(_NODE,),
    ),
    VerbSpec(
        name="tsa", usage=("tsa [DOMAIN]", "tsa history [DOMAIN] [--since DUR]"),
        summary="what Traffic Shaping Automation holds now / what it did",
        action_class="read", available=True,
        args=(ArgSpec(field="history", metavar="history", word="history"),
              _domain_arg(required=False)),
        flags=(_value("since", Kind.DURATION, "DUR", "with `history`: look back this far"),),
    ),
    VerbSpec(
        name="log",
        usage=("log DOMAIN [--site] [--type T] [--limit N] [--since DUR] [--node N] [--internal]",),
        summary="the newest matching delivery log records", action_class="read", available=True,
        args=(_domain_arg(required=True),),
        flags=(_SITE, _value("type", Kind.TEXT, "T", "only records of this type: `deferral`, "
                             "`bounce`, `delivery`, `rejection`, `expiration`, `adminbounce`, "
                             "`oob`, `feedback` (or any kumod type name)"),
               _LIMIT, _SINCE, _NODE, _INTERNAL),
    ),
    VerbSpec(
        name="responses",
        usage=("responses DOMAIN [--site] [--since DUR] [--node N] [--internal]",),
        summary="receivers' responses, 4xx/5xx first, grouped", action_class="read",
        available=True, args=(_domain_arg(required=True),),
        flags=(_SITE, _SINCE, _NODE, _INTERNAL),
    ),
    VerbSpec(
        name="health", usage=("health [NODE]",), action_class="read", available=True,
        summary="liveness, memory headroom, disk and spool of each node",
        args=(ArgSpec(field="node", metavar="NODE", kind=Kind.NAME),),
    ),
    VerbSpec(
        name="explain", usage=('explain "RESPONSE" [--domain D]',), action_class="read",
        summary="classify a receiver's response and show the TSA rules that fire on it",
        available=True, args=(ArgSpec(field="response", metavar="RESPONSE", required=True,
                                       rest=True),),
        flags=(_value("domain", Kind.DOMAIN, "D", "the domain that sent it"),),
    ),
    VerbSpec(
        name="diagnose", usage=("diagnose DOMAIN",), action_class="read", available=True,
        summary="the first five minutes: a verdict with its evidence",
        args=(_domain_arg(required=True),),
    ),
    VerbSpec(
        name="trend", usage=("trend DOMAIN [--since DUR]",), action_class="read", available=True,
        summary="queued / delivered / deferred over time, drain rate, time to drain",
        args=(_domain_arg(required=True),), flags=(_SINCE,),
    ),
    VerbSpec(
        name="who", usage=("who DOMAIN",), action_class="read", available=True,
        summary="which tenants and campaigns hold the mail", args=(_domain_arg(required=True),),
    ),
    VerbSpec(
        name="blocklists", usage=("blocklists [NODE|IP]",), action_class="read", available=True,
        summary="egress IPs against DNS blocklists",
        args=(ArgSpec(field="target", metavar="NODE|IP"),),
    ),
    VerbSpec(
        name="auth", usage=("auth DOMAIN",), action_class="read", available=True,
        summary="SPF, DKIM and DMARC of a sending domain", args=(_domain_arg(required=True),),
    ),
    VerbSpec(
        name="doctor", usage=("doctor",), action_class="read", available=True,
        summary="per node: reachable, read/write permission (with the ACL to paste), version, "
        "TSA, log dirs, clock skew",
    ),
    VerbSpec(
        name="audit", usage=("audit [--user U] [--since DUR] [--incident ID] [--limit N]",),
        summary="the audit record", action_class="read", available=True,
        flags=(_value("user", Kind.TEXT, "U", "only this person's actions"), _SINCE,
               _value("incident", Kind.NAME, "ID", "only this incident's record"), _LIMIT),
    ),
    VerbSpec(
        name="suspend", usage=("suspend DOMAIN [--tenant T] [--campaign C] --for DUR --reason R",),
        summary="scheduled-queue suspension on every node",
        action_class="change (dangerous beyond 4 h)", available=True,
        args=(_domain_arg(required=True),), flags=(_TENANT, _CAMPAIGN, _FOR, _REASON),
    ),
    VerbSpec(
        name="suspend-path", usage=("suspend-path SOURCE SITE --for DUR --reason R",),
        summary="ready-queue suspension; the path must exist in current metrics",
        action_class="change (dangerous beyond 4 h)", available=True,
        args=(ArgSpec(field="source", metavar="SOURCE", required=True),
              ArgSpec(field="site", metavar="SITE", required=True)),
        flags=(_FOR, _REASON),
    ),
    VerbSpec(
        name="cancel", usage=("cancel HOLD",), summary="cancel a hold by its stable id",
        action_class="change for a manual hold; dangerous for a TSA hold", available=True,
        args=(ArgSpec(field="hold", metavar="HOLD", kind=Kind.NAME, required=True),),
    ),
    VerbSpec(
        name="shaping", usage=("shaping set DOMAIN KEY=VALUE [--source S] --for DUR",),
        summary="temporary shaping override",
        action_class="change when it lowers the effective value, dangerous when it raises it",
        available=True,
        args=(ArgSpec(field="action", metavar="set", choices=("set",), required=True),
              _domain_arg(required=True),
              ArgSpec(field="setting", metavar="KEY=VALUE", kind=Kind.SETTING, required=True)),
        flags=(_value("source", Kind.TEXT, "S", "only this egress source"), _FOR),
    ),
    VerbSpec(
        name="log-filter", usage=("log-filter FILTER --for DUR",),
        summary="diagnostic log filter with automatic revert",
        action_class="change up to 60 min, dangerous beyond", available=True,
        args=(ArgSpec(field="filter", metavar="FILTER", required=True),), flags=(_FOR,),
    ),
    VerbSpec(
        name="bounce",
        usage=("bounce DOMAIN [--tenant T] [--campaign C] --reason R",
               "bounce --queue Q... --reason R", "bounce --everything --reason R"),
        summary="admin bounce, with a blast-radius preview",
        action_class="dangerous; no criteria and no `--everything`: refused; "
        "`--everything` needs two approvers",
        available=True, args=(_domain_arg(required=False),),
        flags=(_TENANT, _CAMPAIGN,
               FlagSpec(name="queue", field="queues", kind=Kind.TEXT, metavar="Q",
                        help="bounce this exact queue", repeatable=True),
               _switch("everything", "bounce every queue (needs two approvers)"), _REASON),
    ),
    VerbSpec(
        name="rebind", usage=("rebind DOMAIN --set KEY=VALUE... --reason R",),
        summary="move queued mail to other routing", action_class="dangerous", available=True,
        args=(_domain_arg(required=True),),
        flags=(FlagSpec(name="set", field="settings", kind=Kind.SETTING, metavar="KEY=VALUE",
                        help="a queue attribute to change", repeatable=True),
               _REASON),
    ),
    VerbSpec(
        name="xfer", usage=("xfer DOMAIN --target URL --reason R",),
        summary="drain mail to another node", action_class="dangerous", available=True,
        args=(_domain_arg(required=True),),
        flags=(_value("target", Kind.TEXT, "URL", "the node that takes the mail"), _REASON),
    ),
    VerbSpec(
        name="incident",
        usage=('incident start "TITLE" [--domain D]... [--channel]', "incident note TEXT",
               "incident status", "incident resolve", "incident list"),
        summary="open, annotate, resolve and list incidents",
        action_class="change (records only)", available=True,
        args=(ArgSpec(field="action", metavar="start|note|status|resolve|list", required=True,
                      choices=("start", "note", "status", "resolve", "list")),
              ArgSpec(field="text", metavar="TEXT", rest=True)),
        flags=(FlagSpec(name="domain", field="domains", kind=Kind.DOMAIN, metavar="D",
                        help="a domain the incident is about", repeatable=True),
               _switch("channel", "open a dedicated incident channel")),
    ),
    VerbSpec(
        name="playbook", usage=("playbook list", "playbook start NAME [DOMAIN]", "playbook runs"),
        summary="guided runs of a method, one step at a time",
        action_class="read / change (records only)", available=True,
        args=(ArgSpec(field="action", metavar="list|start|runs", required=True,
                      choices=("list", "start", "runs")),
              ArgSpec(field="name", metavar="NAME", kind=Kind.NAME),
              _domain_arg(required=False)),
    ),
    VerbSpec(
        name="postmortem", usage=("postmortem [INCIDENT]",), action_class="read",
        summary="render the post-mortem and post it", available=True,
        args=(ArgSpec(field="target", metavar="INCIDENT", kind=Kind.NAME),),
    ),
)

CATALOG: Mapping[str, VerbSpec] = MappingProxyType({spec.name: spec for spec in _SPECS})
"""Every designed verb by name, in the order of DESIGN section 3."""


def usage(verb: str) -> str:
    """The usage of a verb, every form in backticks: ``/kumo tsa [DOMAIN]` or ...``."""
    spec = CATALOG.get(verb.lower())
    if spec is None:
        raise unknown_verb(verb)
    return " or ".join(f"`/kumo {form}`" for form in spec.usage)


def closest(word: str, options: list[str]) -> str | None:
    """The option nearest to a mistyped word, if one is near enough to suggest."""
    found = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return found[0] if found else None


def unknown_verb(word: str) -> UserInputError:
    """The error for a word that is no verb of the catalog, suggesting the nearest one."""
    nearest = closest(word.lower(), list(CATALOG))
    ready = ", ".join(f"`{name}`" for name, spec in CATALOG.items() if spec.available)
    hint = f"Usage: {GENERAL_USAGE}; available now: {ready} (`/kumo help` lists all)."
    if nearest:
        hint = f"Did you mean `{nearest}`?\n{hint}"
    shown = word if len(word) <= 60 else word[:59] + "…"
    return UserInputError(f"I don't know the verb `{shown}`.", hint=hint)
