"""A synthetic big park for benchmarks: many nodes, many egress paths, steady traffic.

Each node has four egress sources (addresses from 198.18.0.0/15, the range
RFC 2544 sets aside for benchmarks) and delivers to enough single-MX domains
that its `/metrics` carries about the requested number of queue series: seven
per egress path (ready_count, connection_count, total_connection_count,
delivered, transfail, fail, ready_full) and three per scheduled queue.
"""

from __future__ import annotations

from pathlib import Path

from bot.simulator.scenario import Domain, Flow, MxHost, Node, Pool, Response, Scenario

SOURCES_PER_NODE = 4
_SERIES_PER_DOMAIN = 7 * SOURCES_PER_NODE + 3


def synthetic_scenario(nodes: int, series_per_node: int) -> Scenario:
    """A healthy park of `nodes` kumods with light, steady traffic and a little deferral."""
    if nodes < 1 or nodes > 500:
        raise ValueError("synthetic parks have 1 to 500 nodes")
    domain_count = max(1, round(series_per_node / _SERIES_PER_DOMAIN))
    sources = [f"ip-{i + 1}" for i in range(SOURCES_PER_NODE)]
    specs = tuple(
        Node(name=f"mta{n + 1:03d}",
             sources={s: f"198.{18 + (n >> 8)}.{n & 255}.{i + 10}" for i, s in enumerate(sources)})
        for n in range(nodes)
    )
    domains = {}
    for d in range(domain_count):
        name = f"customer{d + 1:03d}.example"
        host = f"mx1.{name}"
        domains[name] = Domain(name, host, (MxHost(host, f"198.51.100.{d % 250 + 1}"),))
    flows = tuple(Flow(queue=name, pool="pool0", per_node={s.name: 2 for s in specs})
                  for name in domains)
    responses = tuple(
        Response(domain=name, type="TransientFailure", code=451, enhanced=(4, 7, 1),
                 content="Greylisted, please try again later", fraction=0.05)
        for name in domains
    )
    return Scenario(
        name="synthetic", title=f"synthetic park of {nodes} nodes", history_minutes=5,
        segment_minutes=20, seed=7, nodes=specs,
        pools={"pool0": Pool("pool0", tuple(sources))}, domains=domains, flows=flows,
        responses=responses,
    )


def write_site_map(scenario: Scenario, path: Path) -> Path:
    """The demo site-map format: each domain with its MX records and preferences."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["# Site map of a synthetic park: one MX host per domain."]
    for name, domain in scenario.domains.items():
        entries = ", ".join(f'{{pref = 10, host = "{mx.host}"}}' for mx in domain.mx)
        lines.append(f'"{name}" = [{entries}]')
    path.write_text("\n".join(lines) + "\n")
    return path
