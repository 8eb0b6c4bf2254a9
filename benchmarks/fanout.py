"""Fan-out: ``queue DOMAIN`` over 100 simulated kumods, each answering after 100 ms.

Run: ``.venv/bin/python benchmarks/fanout.py`` (about a minute; loopback only).

The park (100 nodes of about 300 queue series, every request answered after
100 ms) runs in a child process, so the bot's side is what is measured: the
whole ``Services.handle`` (fan-out, parsing, core summary, audit) in this process.

Configurations, all in the same run:

* ``HttpPark`` as production builds it (``bootstrap.build_park``: concurrency 32)
  and with concurrency 100 (every node at once);
* the named baseline, ``HttpPark(concurrency=1)``: one node after another (each
  node's five reads still concurrent), measured on the first 20 nodes and
  scaled ×5;
* for reference, a shell loop over ``kcli``: one node at a time *and* its five
  reads one after another, measured on 5 nodes and scaled ×20.

Targets: under 1 s wall, and at least 10× faster than the named baseline.
Then one profiled run says where the time goes.
"""

from __future__ import annotations

import asyncio
import cProfile
import json
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
from _sim import ParkProcess, table

from bot.adapters.kumomta import HttpPark
from bot.adapters.kumomta.prom import parse_metrics
from bot.bootstrap import build_park, build_services
from bot.core.audit import Actor
from bot.core.models import ParkAnswer
from bot.ports import MtaReader
from bot.services import RequestContext, Services
from bot.settings import Settings, TsaEndpoint
from bot.use_cases.summaries import QUEUE_METRICS

NODES = 100
SERIES = 300
LATENCY_S = 0.1
COMMAND = "queue customer001.example"
RUNS = 5
BASELINE_NODES = 20  # the named baseline: 20 nodes, scaled linearly to 100
KCLI_NODES = 5  # the kcli-loop reference: 5 nodes, scaled linearly to 100
TARGET_WALL_S = 1.0
TARGET_RATIO = 10.0

T = TypeVar("T")
CTX = RequestContext(actor=Actor(id="bench", name="bench"), transport="cli")


class OneReadAtATime:
    """A reader whose reads wait for each other, the way kcli makes them."""

    def __init__(self, reader: MtaReader) -> None:
        self._reader = reader
        self._lock = asyncio.Lock()

    def __getattr__(self, name: str) -> Any:
        read = getattr(self._reader, name)

        async def in_turn(*args: Any, **kwargs: Any) -> Any:
            async with self._lock:
                return await read(*args, **kwargs)

        return in_turn


class KcliLoopPark(HttpPark):
    """Reference: one node at a time, each node's reads in turn (``for n in ...; kcli``)."""

    async def ask_async(self, question: Callable[[MtaReader], Awaitable[T]], *,
                        nodes: Sequence[str] | None = None) -> ParkAnswer[T]:
        async def serially(reader: MtaReader) -> T:
            return await question(OneReadAtATime(reader))  # type: ignore[arg-type]

        return await super().ask_async(serially, nodes=nodes)


@dataclass
class Result:
    name: str
    nodes: int
    walls: list[float]
    cpus: list[float]

    @property
    def scale(self) -> float:
        return NODES / self.nodes

    @property
    def wall(self) -> float:
        """Median wall time, scaled to 100 nodes."""
        return statistics.median(self.walls) * self.scale

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpus) * self.scale


def settings_for(park: ParkProcess, nodes: dict[str, str], workdir: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]  # pydantic-settings' own keyword
        KUMO_NODES=nodes,
        KUMO_TSA_URLS=tuple(TsaEndpoint(name=n, url=u) for n, u in park.tsa.items()),
        KUMO_SITE_MAP=Path(park.site_map),
        KUMO_DATA_DIR=workdir,
    )


def ask_once(services: Services, command: str) -> tuple[float, float]:
    """One ``handle``: (wall s, process CPU s); exits when the answer is not a clean one."""
    wall0, cpu0 = time.perf_counter(), time.process_time()
    answer = services.handle(command, CTX)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    if getattr(answer, "kind", "") != "queue" or answer.failures:
        detail = getattr(answer, "message", "") or [f.detail for f in answer.failures][:3]
        sys.exit(f"broken setup: {command!r} gave {getattr(answer, 'kind', '?')}: {detail}")
    return wall, cpu


def measure(name: str, services: Services, nodes: int, runs: int, warmups: int = 1,
            command: str = COMMAND) -> Result:
    for _ in range(warmups):
        ask_once(services, command)
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = ask_once(services, command)
        walls.append(wall)
        cpus.append(cpu)
    result = Result(name, nodes, walls, cpus)
    print(f"  {name}: median {result.wall:.3f} s"
          f"{f' (scaled ×{result.scale:g})' if result.scale != 1 else ''}", flush=True)
    return result


# -- where the time goes ------------------------------------------------------------

BUCKETS = (  # first match wins; matched against the profiled function's file name
    ("Prometheus parsing", ("prometheus_client", "kumomta/prom.py")),
    ("core summary (bot/core)", ("bot/core/",)),
    ("pydantic validation", ("pydantic",)),
    ("retry wrapper (tenacity)", ("tenacity",)),
    ("HTTP client (httpx/httpcore/h11)", ("httpx", "httpcore", "h11", "anyio", "sniffio")),
    ("TLS/SSL context set-up", ("ssl.py", "certifi")),
    ("asyncio event loop", ("asyncio", "selectors")),
    ("bot adapters (park/wire/reader)", ("bot/adapters/",)),
    ("use case + services", ("bot/use_cases/", "bot/services.py")),
)
IDLE = "waiting for the park (epoll)"


def bucket_of(func: tuple[str, int, str]) -> str | None:
    filename, _, funcname = func
    if "epoll" in funcname or "select.select" in funcname:
        return IDLE
    if filename == "~":
        return None  # a C builtin: charged to whoever called it
    for bucket, needles in BUCKETS:
        if any(n in filename for n in needles):
            return bucket
    return "other Python"


def breakdown(stats: pstats.Stats) -> dict[str, float]:
    """Own time per bucket; builtins' time goes to their callers' buckets, pro rata."""
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]  # pstats' own table
    out: dict[str, float] = {}
    for func, (_, _, tottime, _, callers) in raw.items():
        bucket = bucket_of(func)
        if bucket is not None:
            out[bucket] = out.get(bucket, 0.0) + tottime
            continue
        caller_time = {c: v[2] + v[3] for c, v in callers.items()} or {("", 0, ""): 1.0}
        total = sum(caller_time.values()) or 1.0
        for caller, share in caller_time.items():
            name = bucket_of(caller) or "other builtins"
            out[name] = out.get(name, 0.0) + tottime * share / total
    return out


def inclusive(stats: pstats.Stats, needle: str, funcname: str) -> float:
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    return sum(v[3] for f, v in raw.items() if needle in f[0] and f[2] == funcname)


def profile(services: Services) -> tuple[float, dict[str, float], dict[str, float]]:
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    services.handle(COMMAND, CTX)
    profiler.disable()
    wall = time.perf_counter() - start
    stats = pstats.Stats(profiler)
    stages = {
        "Services.handle": inclusive(stats, "bot/services.py", "handle"),
        "  park fan-out (HttpPark.ask)": inclusive(stats, "kumomta/park.py", "ask"),
        "    parse_metrics": inclusive(stats, "kumomta/prom.py", "parse_metrics"),
        "    new AsyncClient per node": inclusive(stats, "kumomta/park.py", "_client"),
        "  queue_summary (per node)": inclusive(stats, "bot/core/", "queue_summary"),
        "  park_queue_summary": inclusive(stats, "bot/core/", "park_queue_summary"),
    }
    return wall, breakdown(stats), stages


def parse_alone(url: str) -> float:
    """Seconds to parse one node's /metrics body 100 times, without a profiler."""
    text = httpx.get(f"{url}/metrics", timeout=5).text
    start = time.perf_counter()
    for _ in range(NODES):
        parse_metrics(text, QUEUE_METRICS)
    return time.perf_counter() - start


# -- the run ------------------------------------------------------------------------


def main() -> int:
    print(f"fanout: {COMMAND!r} over {NODES} simulated kumods of ~{SERIES} series, "
          f"every request answered after {LATENCY_S * 1000:.0f} ms (park in a child process)",
          flush=True)
    with ParkProcess("--synthetic", str(NODES), str(SERIES), "--latency", str(LATENCY_S)) as park, \
            tempfile.TemporaryDirectory(prefix="kumo-bench-") as tmp:
        work = Path(tmp)
        nodes = park.nodes
        if len(nodes) != NODES:
            sys.exit(f"broken setup: the park has {len(nodes)} nodes, not {NODES}")
        settings = settings_for(park, nodes, work)
        tsas = {t.name: (t.url, t.serves) for t in settings.KUMO_TSA_URLS}
        timeout = settings.KUMO_NODE_TIMEOUT

        def services_with(park_: HttpPark) -> Services:
            return build_services(settings, park=park_)

        default = build_park(settings)
        results = [
            measure(f"HttpPark, default concurrency ({default._concurrency})",  # noqa: SLF001
                    services_with(default), NODES, RUNS),
            measure("HttpPark, concurrency=100", services_with(
                HttpPark(nodes, tsas, concurrency=100, timeout=timeout)), NODES, RUNS),
        ]
        wide = measure("  (park-wide `queue`, concurrency=100)", services_with(
            HttpPark(nodes, tsas, concurrency=100, timeout=timeout)), NODES, 3, command="queue")
        first = dict(list(nodes.items())[:BASELINE_NODES])
        baseline = measure(f"baseline: HttpPark(concurrency=1), {BASELINE_NODES} nodes",
                           build_services(settings_for(park, first, work), park=HttpPark(
                               first, tsas, concurrency=1, timeout=timeout)),
                           BASELINE_NODES, 3)
        few = dict(list(nodes.items())[:KCLI_NODES])
        kcli = measure(f"reference: kcli loop, {KCLI_NODES} nodes",
                       build_services(settings_for(park, few, work), park=KcliLoopPark(
                           few, tsas, concurrency=1, timeout=timeout)),
                       KCLI_NODES, 2, warmups=0)

        prof_wall, buckets, stages = profile(
            services_with(HttpPark(nodes, tsas, concurrency=100, timeout=timeout)))
        parse_100 = parse_alone(next(iter(nodes.values())))

    best = min(results, key=lambda r: r.wall)
    rows = []
    for r in [*results, wide, baseline, kcli]:
        rows.append([
            r.name.strip(), r.nodes, f"{statistics.median(r.walls):.3f}",
            f"{r.wall:.3f}", f"{r.cpu:.3f}", len(r.walls),
            f"{baseline.wall / r.wall:.1f}×",
        ])
    print()
    print(table(["configuration", "nodes asked", "median s", "100 nodes s", "CPU s", "runs",
                 "baseline/this"], rows))
    meets_wall = best.wall < TARGET_WALL_S
    ratio = baseline.wall / best.wall
    default_ratio = baseline.wall / results[0].wall
    print(f"\nbaseline = {baseline.name.strip()} scaled ×{baseline.scale:g}; "
          f"kcli loop scaled ×{kcli.scale:g} (linear in nodes).")
    print(f"target wall < {TARGET_WALL_S:g} s: {'MET' if meets_wall else 'MISSED'} "
          f"(default {results[0].wall:.3f} s, best {best.wall:.3f} s)")
    print(f"target ≥ {TARGET_RATIO:g}× the baseline: "
          f"{'MET' if min(ratio, default_ratio) >= TARGET_RATIO else 'MISSED'} "
          f"(default {default_ratio:.1f}×, best {ratio:.1f}×; "
          f"vs kcli loop {kcli.wall / best.wall:.0f}×)")

    busy = sum(v for k, v in buckets.items() if k != IDLE)
    print(f"\nwhere the time goes: one cProfile'd run at concurrency=100, "
          f"{prof_wall:.3f} s wall under the profiler (which inflates Python-heavy parts)")
    ordered = sorted(buckets.items(), key=lambda kv: -kv[1])
    print(table(["own time (main thread)", "s", "% of busy"],
                [[k, f"{v:.3f}", f"{100 * v / busy:.0f}%" if k != IDLE else "-"]
                 for k, v in ordered if v >= 0.001]))
    print()
    print(table(["inclusive time", "s"], [[k, f"{v:.3f}"] for k, v in stages.items()]))
    print(f"\nwithout a profiler: parse_metrics on one node's /metrics ×{NODES}: "
          f"{parse_100:.3f} s")

    figures = {
        "benchmark": "fanout", "command": COMMAND, "nodes": NODES, "series_per_node": SERIES,
        "latency_s": LATENCY_S,
        "default_concurrency_s": round(results[0].wall, 3),
        "concurrency_100_s": round(results[1].wall, 3),
        "park_wide_queue_c100_s": round(wide.wall, 3),
        "baseline_concurrency_1_s": round(baseline.wall, 3),
        "baseline_measured_nodes": BASELINE_NODES,
        "kcli_loop_s": round(kcli.wall, 3), "kcli_loop_measured_nodes": KCLI_NODES,
        "ratio_baseline_over_default": round(default_ratio, 1),
        "ratio_baseline_over_best": round(ratio, 1),
        "target_wall_met": meets_wall, "target_ratio_met": min(ratio, default_ratio) >= 10,
        "profile_s": {k: round(v, 3) for k, v in ordered},
        "parse_metrics_100_nodes_s": round(parse_100, 3),
    }
    print(json.dumps(figures, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
