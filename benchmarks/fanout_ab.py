"""Fan-out, two source trees head to head: the same ``queue`` over 100 simulated kumods.

Run: ``.venv/bin/python benchmarks/fanout_ab.py BEFORE_DIR [--rounds 4] [--runs 8]``
where ``BEFORE_DIR`` holds another checkout of the project (for instance
``git archive <commit> | tar -x -C /tmp/before``).  This tree is "after".

Each round runs one child per tree, in turn (so both see the same load on the box):
the child starts its own park (``benchmarks/_sim.py``: 100 nodes of ~300 series,
every request answered after 100 ms), warms up, then times ``Services.handle`` of
``queue customer001.example`` ``--runs`` times at each concurrency, and reports the
median wall time and the median CPU time of its process (every thread: the park's
event loop included).  CPU time is the steadier figure on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONCURRENCIES = (32, 64, 100, 128)

CHILD = r"""
import json, statistics, sys, tempfile, time
from pathlib import Path
sys.path[:0] = [ROOT, ROOT + "/benchmarks"]
from _sim import ParkProcess
from bot.adapters.kumomta import HttpPark
from bot.bootstrap import build_services
import fanout
out = {}
with ParkProcess("--synthetic", "100", "300", "--latency", "0.1") as park, \
        tempfile.TemporaryDirectory() as tmp:
    settings = fanout.settings_for(park, park.nodes, Path(tmp))
    tsas = {t.name: (t.url, t.serves) for t in settings.KUMO_TSA_URLS}
    for concurrency in CONCURRENCIES:
        services = build_services(settings, park=HttpPark(
            park.nodes, tsas, concurrency=concurrency, timeout=settings.KUMO_NODE_TIMEOUT))
        for _ in range(2):
            fanout.ask_once(services, fanout.COMMAND)
        walls, cpus = [], []
        for _ in range(RUNS):
            wall, cpu = fanout.ask_once(services, fanout.COMMAND)
            walls.append(wall)
            cpus.append(cpu)
        out[concurrency] = {"wall": statistics.median(walls), "cpu": statistics.median(cpus)}
        services.park.close()
print(json.dumps(out))
"""


def child(tree: Path, runs: int) -> dict[str, dict[str, float]]:
    """One child run in ``tree``: {concurrency: {"wall": s, "cpu": s}}."""
    code = (CHILD.replace("ROOT", repr(str(tree)), 2).replace("RUNS", str(runs))
            .replace("CONCURRENCIES", repr(CONCURRENCIES)))
    done = subprocess.run([sys.executable, "-c", code], cwd=tree, capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"the child in {tree} failed:\n{done.stderr[-2000:]}")
    result: dict[str, dict[str, float]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--runs", type=int, default=8)
    args = parser.parse_args()
    trees = {"before": args.before.resolve(), "after": ROOT}
    seen: dict[str, dict[str, list[dict[str, float]]]] = {"before": {}, "after": {}}
    for round_no in range(args.rounds):
        for label, tree in trees.items():
            for concurrency, figures in child(tree, args.runs).items():
                seen[label].setdefault(concurrency, []).append(figures)
            print(f"round {round_no + 1}: {label} done", file=sys.stderr, flush=True)
    summary = {}
    for label, by_c in seen.items():
        summary[label] = {c: {k: round(statistics.median(r[k] for r in rows), 3)
                              for k in ("wall", "cpu")} | {
                              "walls": [round(r["wall"], 3) for r in rows]}
                          for c, rows in by_c.items()}
    for c in summary["after"]:
        b, a = summary["before"][c], summary["after"][c]
        summary.setdefault("after/before", {})[c] = {
            "wall": round(a["wall"] / b["wall"], 2), "cpu": round(a["cpu"] / b["cpu"], 2)}
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
