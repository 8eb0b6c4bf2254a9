"""Scenario files: the TOML timelines in `bot/simulator/scenarios/`.

A scenario names the nodes, their egress sources and pools, the destination
domains (with the site names kumod would build from their MX records), the
traffic injected into scheduled queues, and what the receivers answer when.
Minutes are relative to the moment the park starts ("now" = 0). Everything
else (TSA holds, shaping overrides, KumoMTA's own internal failures, queue
counts) follows from KumoMTA's semantics in the engine, not from the file.
Loading is strict: an unknown key or a wrong type names the file and field.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCENARIO_DIR = Path(__file__).parent / "scenarios"
# Data files that live beside the scenarios but are not scenarios.
NOT_SCENARIOS = frozenset({"sitemap", "policy-shaping", "iana-bounces"})
RECORD_TYPES = frozenset({"TransientFailure", "Bounce"})


class ScenarioError(ValueError):
    """A scenario file is invalid; the message names the file and the field."""


@dataclass(frozen=True)
class MxHost:
    host: str
    ip: str


@dataclass(frozen=True)
class Domain:
    name: str
    site: str
    mx: tuple[MxHost, ...]


@dataclass(frozen=True)
class Node:
    name: str
    sources: dict[str, str]
    memory_limit: int = 6 * 1024**3
    memory_ratio: float = 0.3
    disk_free_percent: int = 64
    tsa_subscribed: bool = True  # False: its TSA subscriber is broken; it never gets TSA holds


@dataclass(frozen=True)
class Pool:
    name: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Burst:
    at: int
    count: int


@dataclass(frozen=True)
class Flow:
    queue: str
    pool: str
    per_node: dict[str, int]
    start: int | None = None
    end: int | None = None
    sender: str = "bounces@mail.acme.example"
    bursts: tuple[Burst, ...] = ()


@dataclass(frozen=True)
class Response:
    domain: str
    type: str
    code: int
    enhanced: tuple[int, int, int] | None
    content: str
    start: int | None = None
    end: int | None = None
    fraction: float = 1.0
    session_close: bool = False
    command: str = "."
    sources: frozenset[str] | None = None
    nodes: frozenset[str] | None = None
    tenant: str | None = None


@dataclass(frozen=True)
class Condition:
    node: str
    start: int | None = None
    end: int | None = None
    memory_ratio: float | None = None
    disk_free_percent: int | None = None
    spool_unhealthy: bool | None = None
    denied_per_minute: int | None = None


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    history_minutes: int
    segment_minutes: int
    seed: int
    nodes: tuple[Node, ...]
    pools: dict[str, Pool]
    domains: dict[str, Domain]
    flows: tuple[Flow, ...]
    responses: tuple[Response, ...] = ()
    conditions: tuple[Condition, ...] = ()
    per_connection_per_minute: int = 30  # messages one SMTP connection delivers a minute
    internal_log_cap: int = 3  # KumoMTA-internal records logged per queue and minute


def scenario_names() -> list[str]:
    """Names of the bundled scenarios, sorted."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml") if p.stem not in NOT_SCENARIOS)


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load and validate a bundled scenario by name, or a scenario file by path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = SCENARIO_DIR / f"{name_or_path}.toml"
    if not path.is_file():
        raise ScenarioError(f"no such scenario {name_or_path!r}; known: {scenario_names()}")
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    return _Reader(str(path)).scenario(data)


class _Reader:
    """Typed access to TOML tables with errors that name the file and field."""

    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, at: str, message: str) -> ScenarioError:
        return ScenarioError(f"{self.where}: {at}: {message}")

    def table(self, value: object, at: str, allowed: set[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(at, "expected a table")
        unknown = set(value) - allowed
        if unknown:
            raise self.fail(at, f"unknown field(s) {sorted(unknown)}")
        return value

    def get(self, t: dict[str, Any], key: str, kind: type, at: str, default: Any = ...) -> Any:
        if key not in t:
            if default is ...:
                raise self.fail(f"{at}.{key}", "missing")
            return default
        value = t[key]
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if not ok:
            raise self.fail(f"{at}.{key}", f"expected {kind.__name__}, got {value!r}")
        return value

    def names(self, t: dict[str, Any], key: str, at: str) -> frozenset[str] | None:
        value = self.get(t, key, list, at, None)
        if value is None:
            return None
        if not all(isinstance(v, str) for v in value):
            raise self.fail(f"{at}.{key}", "expected a list of strings")
        return frozenset(value)

    def scenario(self, data: dict[str, Any]) -> Scenario:
        top = self.table(data, "top", {"scenario", "nodes", "pools", "domains", "flows",
                                       "responses", "conditions"})
        head = self.table(top.get("scenario"), "scenario", {
            "name", "title", "history_minutes", "segment_minutes", "seed",
            "per_connection_per_minute", "internal_log_cap"})
        nodes = tuple(self.node(n, f"nodes[{i}]") for i, n in enumerate(top.get("nodes", [])))
        if not nodes:
            raise self.fail("nodes", "at least one node is required")
        node_names = {n.name for n in nodes}
        pools = {}
        for i, raw in enumerate(top.get("pools", [])):
            p = self.table(raw, f"pools[{i}]", {"name", "sources"})
            pools[self.get(p, "name", str, f"pools[{i}]")] = Pool(
                p["name"], tuple(sorted(self.names(p, "sources", f"pools[{i}]") or ())))
        raw_domains = top.get("domains", {})
        if not isinstance(raw_domains, dict):
            raise self.fail("domains", "expected a table of domain tables")
        domains = {name: self.domain(name, raw) for name, raw in raw_domains.items()}
        flows = tuple(self.flow(f, f"flows[{i}]", node_names)
                      for i, f in enumerate(top.get("flows", [])))
        for i, flow in enumerate(flows):
            if flow.pool not in pools:
                raise self.fail(f"flows[{i}].pool", f"unknown pool {flow.pool!r}")
            if flow.queue.rpartition("@")[2].partition("!")[0] not in domains:
                raise self.fail(f"flows[{i}].queue", f"domain of {flow.queue!r} not in [domains]")
        responses = tuple(self.response(r, f"responses[{i}]", domains)
                          for i, r in enumerate(top.get("responses", [])))
        conditions = tuple(self.condition(c, f"conditions[{i}]", node_names)
                           for i, c in enumerate(top.get("conditions", [])))
        return Scenario(
            name=self.get(head, "name", str, "scenario"),
            title=self.get(head, "title", str, "scenario"),
            history_minutes=self.get(head, "history_minutes", int, "scenario", 120),
            segment_minutes=self.get(head, "segment_minutes", int, "scenario", 20),
            seed=self.get(head, "seed", int, "scenario", 1),
            per_connection_per_minute=self.get(head, "per_connection_per_minute", int,
                                               "scenario", 30),
            internal_log_cap=self.get(head, "internal_log_cap", int, "scenario", 3),
            nodes=nodes, pools=pools, domains=domains, flows=flows,
            responses=responses, conditions=conditions,
        )

    def node(self, raw: object, at: str) -> Node:
        t = self.table(raw, at, {"name", "sources", "memory_limit", "memory_ratio",
                                 "disk_free_percent", "tsa_subscribed"})
        sources = self.get(t, "sources", dict, at)
        if not sources or not all(isinstance(v, str) for v in sources.values()):
            raise self.fail(f"{at}.sources", "expected a table of source name = IP")
        return Node(
            name=self.get(t, "name", str, at), sources=dict(sources),
            memory_limit=self.get(t, "memory_limit", int, at, 6 * 1024**3),
            memory_ratio=self.get(t, "memory_ratio", float, at, 0.3),
            disk_free_percent=self.get(t, "disk_free_percent", int, at, 64),
            tsa_subscribed=self.get(t, "tsa_subscribed", bool, at, True),
        )

    def domain(self, name: str, raw: object) -> Domain:
        at = f"domains.{name}"
        t = self.table(raw, at, {"site", "mx"})
        mx = []
        for i, m in enumerate(self.get(t, "mx", list, at)):
            mt = self.table(m, f"{at}.mx[{i}]", {"host", "ip"})
            mx.append(MxHost(self.get(mt, "host", str, at), self.get(mt, "ip", str, at)))
        return Domain(name, self.get(t, "site", str, at), tuple(mx))

    def flow(self, raw: object, at: str, node_names: set[str]) -> Flow:
        t = self.table(raw, at, {"queue", "pool", "per_minute", "per_node", "start", "end",
                                 "sender", "bursts"})
        if "per_node" in t:
            per_node = self.get(t, "per_node", dict, at)
            if set(per_node) - node_names:
                raise self.fail(f"{at}.per_node", f"unknown node(s) {set(per_node) - node_names}")
        else:
            rate = self.get(t, "per_minute", int, at)
            per_node = dict.fromkeys(node_names, rate)
        bursts = tuple(
            Burst(self.get(b, "at", int, at), self.get(b, "count", int, at))
            for b in (self.table(x, f"{at}.bursts", {"at", "count"})
                      for x in self.get(t, "bursts", list, at, []))
        )
        return Flow(
            queue=self.get(t, "queue", str, at), pool=self.get(t, "pool", str, at),
            per_node=per_node, start=self.get(t, "start", int, at, None),
            end=self.get(t, "end", int, at, None),
            sender=self.get(t, "sender", str, at, "bounces@mail.acme.example"), bursts=bursts,
        )

    def response(self, raw: object, at: str, domains: dict[str, Domain]) -> Response:
        t = self.table(raw, at, {"domain", "type", "code", "enhanced", "content", "start",
                                 "end", "fraction", "session_close", "command", "sources",
                                 "nodes", "tenant"})
        domain = self.get(t, "domain", str, at)
        if domain not in domains:
            raise self.fail(f"{at}.domain", f"unknown domain {domain!r}")
        kind = self.get(t, "type", str, at)
        if kind not in RECORD_TYPES:
            raise self.fail(f"{at}.type", f"expected one of {sorted(RECORD_TYPES)}")
        enhanced_text = self.get(t, "enhanced", str, at, None)
        enhanced = None
        if enhanced_text is not None:
            parts = enhanced_text.split(".")
            if len(parts) != 3 or not all(p.isdigit() for p in parts):
                raise self.fail(f"{at}.enhanced", f"expected N.N.N, got {enhanced_text!r}")
            enhanced = (int(parts[0]), int(parts[1]), int(parts[2]))
        return Response(
            domain=domain, type=kind, code=self.get(t, "code", int, at), enhanced=enhanced,
            content=self.get(t, "content", str, at), start=self.get(t, "start", int, at, None),
            end=self.get(t, "end", int, at, None),
            fraction=self.get(t, "fraction", float, at, 1.0),
            session_close=self.get(t, "session_close", bool, at, False),
            command=self.get(t, "command", str, at, "."),
            sources=self.names(t, "sources", at), nodes=self.names(t, "nodes", at),
            tenant=self.get(t, "tenant", str, at, None),
        )

    def condition(self, raw: object, at: str, node_names: set[str]) -> Condition:
        t = self.table(raw, at, {"node", "start", "end", "memory_ratio", "disk_free_percent",
                                 "spool_unhealthy", "denied_per_minute"})
        node = self.get(t, "node", str, at)
        if node not in node_names:
            raise self.fail(f"{at}.node", f"unknown node {node!r}")
        return Condition(
            node=node, start=self.get(t, "start", int, at, None),
            end=self.get(t, "end", int, at, None),
            memory_ratio=self.get(t, "memory_ratio", float, at, None),
            disk_free_percent=self.get(t, "disk_free_percent", int, at, None),
            spool_unhealthy=self.get(t, "spool_unhealthy", bool, at, None),
            denied_per_minute=self.get(t, "denied_per_minute", int, at, None),
        )


def active(start: int | None, end: int | None, minute: int) -> bool:
    """Whether a [start, end) window of scenario minutes covers `minute`."""
    return (start is None or minute >= start) and (end is None or minute < end)
