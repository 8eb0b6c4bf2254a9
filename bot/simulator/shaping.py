"""The shaping policy of the simulated park: KumoMTA's shipped default file.

`scenarios/policy-shaping.toml` is an unchanged copy of
`assets/policy-extras/shaping.toml` (REFERENCE §5.7). This module reads it the
way `kumo.shaping.load` does (REFERENCE §5.6): domain blocks with
`mx_rollup=true` are stored under their MX site name at load time (and are
ignored when the domain is not in the park's site map, as a DNS failure would
make kumod ignore them), providers match on `MXSuffix`/`DomainSuffix`/`HostName`.
It answers two questions: which automation rules apply to a log record, and
which limits an egress path runs under once TSA's overrides are merged in.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from bot.simulator.scenario import SCENARIO_DIR, Domain
from bot.simulator.wire import parse_duration, parse_rate_per_minute

POLICY_FILE = SCENARIO_DIR / "policy-shaping.toml"
INTERNAL_PREFIX = "KumoMTA internal: "
_RESERVED = {"automation", "sources", "match", "mx_rollup", "replace_base"}


@dataclass(frozen=True)
class Action:
    kind: str  # Suspend, SuspendTenant, SuspendCampaign, Bounce*, SetConfig, SetDomainConfig
    name: str = ""
    value: object = None

    def canonical(self) -> object:
        return {self.kind: {"name": self.name, "value": self.value}} if self.name else self.kind


@dataclass(frozen=True)
class Rule:
    scope: str
    regexes: tuple[str, ...]
    actions: tuple[Action, ...]
    duration_ns: int
    threshold: int | None  # None means trigger Immediate
    match_internal: bool
    was_rollup: bool

    @property
    def reason_regex(self) -> str:
        """`regex_list_to_string`: one regex as is, several as `(r1,r2,...)`."""
        return self.regexes[0] if len(self.regexes) == 1 else f"({','.join(self.regexes)})"

    def action_hash(self, action: Action) -> str:
        """A stable sha256 hex of the rule plus one of its actions (TSA's action hash)."""
        blob = orjson.dumps(
            [self.scope, list(self.regexes), self.duration_ns, self.threshold,
             self.match_internal, action.canonical()],
            option=orjson.OPT_SORT_KEYS,
        )
        return hashlib.sha256(blob).hexdigest()

    def matches(self, line: str, content: str) -> bool:
        if not self.match_internal and content.startswith(INTERNAL_PREFIX):
            return False
        return any(re.search(rx, line) for rx in self.regexes)


@dataclass(frozen=True)
class Override:
    """One TSA config override (an entry of `/get_config_v1/shaping.toml`)."""

    domain: str
    mx_rollup: bool
    source: str
    name: str
    value: object


@dataclass(frozen=True)
class PathLimits:
    connection_limit: int
    messages_per_minute: float
    max_ready: int
    max_message_rate: str


class Shaping:
    """The loaded policy, resolved against the park's domains."""

    def __init__(self, domains: dict[str, Domain], path: Path = POLICY_FILE) -> None:
        with path.open("rb") as fh:
            data: dict[str, Any] = tomllib.load(fh)
        self.domains = domains
        self.default: dict[str, Any] = data.get("default", {})
        self.providers: dict[str, dict[str, Any]] = data.get("provider", {})
        self.by_site: dict[str, dict[str, Any]] = {}
        self.by_domain: dict[str, dict[str, Any]] = {}
        for key, block in data.items():
            if key in ("default", "provider") or not isinstance(block, dict):
                continue
            if block.get("mx_rollup", True):
                known = domains.get(key)
                if known is not None:  # otherwise kumod's load-time MX lookup fails: ignored
                    self.by_site[known.site] = block
            else:
                self.by_domain[key] = block
        self.rules = self._collect_rules()
        # An operator's extra override file (kumo-bot's), loaded before TSA's: see
        # `load_policy_overrides`.  Entries are (expires_ns, Override).
        self._policy: list[tuple[int, Override]] = []
        self.policy_revision = 0
        self._rules_cache: dict[tuple[str, str], list[Rule]] = {}
        self._provider_cache: dict[str, list[str]] = {}

    def load_policy_overrides(self, text: str) -> int:
        """Load an override file in tsa-daemon's layout (REFERENCE 5.4), replacing the last.

        Each option's `# expires:` comment ends it; returns how many options were loaded.
        """
        data = tomllib.loads(text)
        expiries = _expiry_comments(text)
        loaded: list[tuple[int, Override]] = []
        for domain, block in data.items():
            if not isinstance(block, dict):
                continue
            rollup = bool(block.get("mx_rollup", True))
            for source, options in block.get("sources", {}).items():
                for name, value in options.items():
                    expires = expiries.get((domain, source, name), 2**62)
                    loaded.append((expires, Override(domain, rollup, source, name, value)))
        self._policy = loaded
        self.policy_revision += 1
        return len(loaded)

    def policy_overrides(self, now_ns: int) -> list[Override]:
        """The extra file's overrides still in force."""
        live = [o for expires, o in self._policy if expires > now_ns]
        if len(live) != len(self._policy):
            self._policy = [(e, o) for e, o in self._policy if e > now_ns]
            self.policy_revision += 1
        return live

    def provider_for(self, domain: str) -> str | None:
        """The shaping provider whose `match` list covers `domain` (its `provider_name`)."""
        matching = self._matching_providers(domain)
        return matching[0] if matching else None

    def rules_for(self, domain: str, site: str) -> list[Rule]:
        """Automation rules in the four scopes of REFERENCE §5.6 step 3, in order."""
        found = self._rules_cache.get((domain, site))
        if found is None:
            scopes = ["default"]
            scopes += [f"provider:{n}" for n in self._matching_providers(domain)]
            scopes += [f"site:{site}", f"domain:{domain}"]
            found = [r for scope in scopes for r in self.rules.get(scope, [])]
            self._rules_cache[(domain, site)] = found
        return found

    def _matching_providers(self, domain: str) -> list[str]:
        found = self._provider_cache.get(domain)
        if found is None:
            found = [n for n, b in self.providers.items() if self._provider_matches(b, domain)]
            self._provider_cache[domain] = found
        return found

    def limits(self, domain: str, site: str, source: str,
               overrides: list[Override]) -> PathLimits:
        """Effective limits of one egress path (source x site) with TSA overrides merged."""
        merged: dict[str, Any] = {}
        layers = [self.default]
        provider = self.provider_for(domain)
        if provider is not None:
            layers.append(self.providers[provider])
        layers += [self.by_site.get(site, {}), self.by_domain.get(domain, {})]
        for layer in layers:
            merged.update({k: v for k, v in layer.items() if k not in _RESERVED})
        for layer in layers:
            merged.update(layer.get("sources", {}).get(source, {}))
        for o in overrides:
            o_site = self.domains[o.domain].site if o.domain in self.domains else None
            applies = (o_site == site) if o.mx_rollup else (o.domain == domain)
            if applies and o.source == source:
                merged[o.name] = o.value
        limit = _as_int(merged.get("connection_limit", 32))
        if "provider_connection_limit" in merged:
            # A simplification: the provider-wide limit caps each path of the provider.
            limit = min(limit, _as_int(merged["provider_connection_limit"]))
        rate = str(merged.get("max_message_rate", "100/s"))
        max_ready = _as_int(merged.get("max_ready", 1024))
        return PathLimits(limit, parse_rate_per_minute(rate), max_ready, rate)

    def _provider_matches(self, block: dict[str, Any], domain: str) -> bool:
        known = self.domains.get(domain)
        hosts = [m.host.lower().rstrip(".") for m in known.mx] if known else []
        for entry in block.get("match", []):
            for kind, arg in entry.items():
                arg = str(arg).lower()
                if kind == "MXSuffix" and any(h.endswith(arg) for h in hosts):
                    return True
                if kind == "DomainSuffix" and domain.lower().endswith(arg):
                    return True
                if kind == "HostName" and arg.rstrip(".") in hosts:
                    return True
        return False

    def _collect_rules(self) -> dict[str, list[Rule]]:
        found: dict[str, list[Rule]] = {}
        found["default"] = _rules("default", self.default, was_rollup=True)
        for name, block in self.providers.items():
            found[f"provider:{name}"] = _rules(f"provider:{name}", block, was_rollup=False)
        for site, block in self.by_site.items():
            found[f"site:{site}"] = _rules(f"site:{site}", block, was_rollup=True)
        for domain, block in self.by_domain.items():
            found[f"domain:{domain}"] = _rules(f"domain:{domain}", block, was_rollup=False)
        return found


def _rules(scope: str, block: dict[str, Any], *, was_rollup: bool) -> list[Rule]:
    rules = []
    for raw in block.get("automation", []):
        regex = raw["regex"]
        actions = raw["action"] if isinstance(raw["action"], list) else [raw["action"]]
        trigger = raw.get("trigger", "Immediate")
        threshold = None
        if isinstance(trigger, dict):
            # The code counts over the rule's duration; the period is ignored (§5.6).
            threshold = int(str(trigger["Threshold"]).split("/")[0])
        rules.append(Rule(
            scope=scope,
            regexes=tuple(regex if isinstance(regex, list) else [regex]),
            actions=tuple(_action(a) for a in actions),
            duration_ns=parse_duration(raw["duration"]),
            threshold=threshold,
            match_internal=bool(raw.get("match_internal", False)),
            was_rollup=was_rollup,
        ))
    return rules


def _action(raw: object) -> Action:
    if isinstance(raw, str):
        return Action(raw)
    if not isinstance(raw, dict) or len(raw) != 1:
        raise ValueError(f"invalid automation action {raw!r}")
    ((kind, body),) = raw.items()
    return Action(kind, str(body["name"]), body["value"])


def _as_int(value: object) -> int:
    # `connection_limit = "local:5"` is a limit that is not shared through redis.
    return int(str(value).split(":")[-1])


def response_line(code: int, enhanced: dict[str, int] | None, content: str) -> str:
    """The single-line response form matched by TSA and the classifier (§4.3)."""
    if enhanced is None:
        return f"{code} {content}"
    return f"{code} {enhanced['class']}.{enhanced['subject']}.{enhanced['detail']} {content}"


_TABLE = re.compile(r'^\[\s*"([^"]+)"\.sources\."([^"]+)"\s*\]\s*$')
_OPTION = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*=")
_EXPIRES = re.compile(r"^#\s*expires:\s*(\S+)\s*$")


def _expiry_comments(text: str) -> dict[tuple[str, str, str], int]:
    """`# expires:` comments of an override file, by (domain, source, option), in ns."""
    found: dict[tuple[str, str, str], int] = {}
    where: tuple[str, str] | None = None
    pending: int | None = None
    for line in text.splitlines():
        line = line.strip()
        if (table := _TABLE.match(line)) is not None:
            where, pending = (table.group(1), table.group(2)), None
        elif (stamp := _EXPIRES.match(line)) is not None:
            pending = int(datetime.fromisoformat(stamp.group(1)).timestamp() * 1e9)
        elif where is not None and (option := _OPTION.match(line)) is not None:
            if pending is not None:
                found[(*where, option.group(1))] = pending
            pending = None
    return found
