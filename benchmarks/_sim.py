"""Shared by the benchmarks: a simulated park in its own process, and small helpers.

The park runs in a child process so its request handling never competes with the
bot for the GIL: what a benchmark measures is the bot's side.  The child prints
the park's addresses as one JSON line, serves until its stdin closes (so it also
goes away if the benchmark dies), then stops.

Run by hand: ``.venv/bin/python benchmarks/_sim.py --synthetic 100 300 --latency 0.1``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 60.0


# -- the child ----------------------------------------------------------------------


def _serve(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description="a simulated park for the benchmarks")
    parser.add_argument("--synthetic", nargs=2, type=int, metavar=("NODES", "SERIES"))
    parser.add_argument("--scenario", default="yahoo-tss04")
    parser.add_argument("--latency", type=float, default=0.0,
                        help="seconds before every kumod and tsa-daemon answer")
    args = parser.parse_args(argv)

    from bot.simulator import SimulatedPark

    if args.synthetic:
        nodes, series = args.synthetic
        park = SimulatedPark.synthetic(nodes=nodes, series_per_node=series, latency=args.latency)
    else:
        park = SimulatedPark.start(args.scenario)
        for name in [*park.node_urls, *park.tsa_urls]:
            park.knobs(name).latency = args.latency
    for name in park.tsa_urls:  # synthetic() leaves the tsa-daemon instant; be uniform
        park.knobs(name).latency = args.latency
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # then `finally` stops the park
    try:
        print(json.dumps({"nodes": park.node_urls, "tsa": park.tsa_urls,
                          "site_map": str(park.site_map_path)}), flush=True)
        sys.stdin.read()  # until the benchmark closes our stdin (or dies)
    finally:
        park.stop()
    return 0


# -- the parent ---------------------------------------------------------------------


class ParkProcess:
    """A simulated park in a child process: ``nodes``, ``tsa``, ``site_map`` once started."""

    def __init__(self, *args: str) -> None:
        self._stderr = tempfile.NamedTemporaryFile(  # noqa: SIM115  # closed in stop()
            prefix="kumo-bench-park-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
            cwd=ROOT, text=True, start_new_session=True,
        )
        assert self.proc.stdout is not None
        line = _readline(self.proc.stdout, START_TIMEOUT_S)
        if not line:
            log = self.log_tail()
            self.stop()
            raise RuntimeError("the simulated park did not start:\n" + log)
        info: dict[str, Any] = json.loads(line)
        self.nodes: dict[str, str] = info["nodes"]
        self.tsa: dict[str, str] = info["tsa"]
        self.site_map: str = info["site_map"]

    def cpu_seconds(self) -> float:
        """CPU time the park process has used so far (user + system, all its threads)."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log_tail(self, lines: int = 30) -> str:
        return tail(Path(self._stderr.name), lines)

    def stop(self) -> None:
        """Close the child's stdin (it stops its park), then make sure it is gone."""
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            self.proc.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(8)  # the park stops its listeners side by side: about a second
        stop_process(self.proc, grace=3.0)
        self._stderr.close()
        os.unlink(self._stderr.name)

    def __enter__(self) -> ParkProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _readline(stream: IO[str], timeout: float) -> str:
    """One line from ``stream``, or "" after ``timeout`` seconds."""
    out: list[str] = []
    reader = threading.Thread(target=lambda: out.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return out[0] if out else ""


def stop_process(proc: subprocess.Popen[Any], *, grace: float) -> None:
    """SIGTERM the child's process group; SIGKILL the group if it is not gone in ``grace`` s."""
    if proc.poll() is not None:
        return
    _signal_group(proc, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(grace)
        return
    # The child's own children (gunicorn's worker) may outlive it: the whole group goes.
    _signal_group(proc, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(5)


def _signal_group(proc: subprocess.Popen[Any], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # already gone
        os.killpg(proc.pid, sig)  # the child leads its own session: group id == its pid


def tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:]) or "(empty log)"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class CpuMeter:
    """How much of the machine's CPU went to processes other than the benchmark's own.

    The machine may be shared: another process's work slows ours and shows up as
    noise in wall times.  Ours are this process and the process groups of the
    children it started (each child leads its own group, gunicorn's worker included).
    """

    def __init__(self, *children: subprocess.Popen[Any]) -> None:
        self.groups = {child.pid for child in children}
        self._tick = os.sysconf("SC_CLK_TCK")
        self._start = self._sample()

    def restart(self) -> None:
        self._start = self._sample()

    def others_share(self) -> float:
        """Since the last (re)start: others' CPU as a share of all cores' time (0..1)."""
        now = self._sample()
        wall, busy, ours = (b - a for a, b in zip(self._start, now, strict=True))
        cores = os.cpu_count() or 1
        return max(0.0, busy - ours) / (wall * cores) if wall > 0 else 0.0

    def _sample(self) -> tuple[float, float, float]:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
        user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
        busy = (user + nice + system + irq + softirq + steal) / self._tick
        mine = os.times()
        ours = mine.user + mine.system + sum(group_cpu(self.groups).values())
        return time.monotonic(), busy, ours


def group_cpu(groups: set[int]) -> dict[int, float]:
    """CPU seconds used so far by the processes of each process group in ``groups``."""
    tick = os.sysconf("SC_CLK_TCK")
    out = dict.fromkeys(groups, 0.0)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            rest = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended while we looked
        if int(rest[2]) in out:
            out[int(rest[2])] += (int(rest[11]) + int(rest[12])) / tick
    return out


def machine_load() -> str:
    """The 1-minute load average against the cores: other work skews wall times."""
    return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (p99 of 200 values is the 198th smallest)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain text table, columns left-aligned but numbers right-aligned."""
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def fmt(row: list[str]) -> str:
        out = []
        for i, cell in enumerate(row):
            numeric = cell.replace(".", "", 1).replace("×", "").replace("~", "").isdigit()
            out.append(cell.rjust(widths[i]) if numeric else cell.ljust(widths[i]))
        return "  ".join(out).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(cells[0]), rule, *(fmt(r) for r in cells[1:])])


if __name__ == "__main__":
    sys.exit(_serve(sys.argv[1:]))
