"""`SimulatedPark`: a KumoMTA park (kumods + one tsa-daemon) on loopback.

Starting a park replays the scenario's history (by default two hours) so that
metrics, holds and delivery logs look like a park that has been running;
minute 0 is the clock's time at start. A background ticker, and every request,
run the timeline up to the clock's present; `advance()` jumps the clock and
runs the minutes in between at once.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import urllib.request
from datetime import timedelta
from pathlib import Path
from types import TracebackType

from bot.simulator.auth import SimAuth
from bot.simulator.clock import SimClock
from bot.simulator.engine import Engine
from bot.simulator.httpbase import Knobs, SimServer
from bot.simulator.kumod_http import kumod_route
from bot.simulator.logs import SegmentLog
from bot.simulator.node import NodeState, World
from bot.simulator.receivers import Receivers
from bot.simulator.records import Classifier, Delivery, Reply
from bot.simulator.scenario import SCENARIO_DIR, Scenario, load_scenario, scenario_names
from bot.simulator.shaping import PathLimits, Shaping
from bot.simulator.tsa import TsaState
from bot.simulator.tsa_http import tsa_route, tsa_sockets
from bot.simulator.wire import NS_PER_MIN

_log = logging.getLogger(__name__)
DEFAULT_SCENARIO = "yahoo-tss04"
TSA_NAME = "tsa"


class SimulatedPark:
    """A running simulated park. Use `SimulatedPark.start(...)`; call `stop()` when done."""

    def __init__(self, scenario: Scenario, *, clock: SimClock | None = None,
                 log_root: Path | None = None, auth: SimAuth | None = None,
                 site_map_path: Path | None = None) -> None:
        self.scenario = scenario
        self.clock = clock or SimClock()
        self.lock = threading.RLock()
        self.stopping = threading.Event()
        self._owns_root = log_root is None
        self.log_root = Path(tempfile.mkdtemp(prefix="kumo-sim-")) if log_root is None else log_root
        self.site_map_path = site_map_path or SCENARIO_DIR / "sitemap.toml"
        anchor = self.clock.now_ns()
        self.online_since_ns = anchor - scenario.history_minutes * NS_PER_MIN
        shaping = Shaping(scenario.domains)
        self.tsa = TsaState(shaping)
        self.world = World(scenario, shaping, self.tsa, Receivers(scenario), Classifier(), anchor)
        self._nodes = {
            spec.name: NodeState(spec, self.world,
                                 SegmentLog(self.log_root / spec.name,
                                            scenario.segment_minutes * NS_PER_MIN),
                                 self.online_since_ns)
            for spec in scenario.nodes
        }
        self.engine = Engine(self.world, list(self._nodes.values()))
        with self.lock:
            self.engine.run_until(anchor)
        now = self._epoch_now
        self._servers = {name: SimServer(name, kumod_route(self, name), auth, now=now)
                         for name in self._nodes}
        self._servers[TSA_NAME] = SimServer(TSA_NAME, tsa_route(self), auth, tsa_sockets(self),
                                            now=now)
        self._overrides_url: str | None = None  # an `extra_files` URL kumod reloads
        self._overrides_seen: tuple[int, str] | None = None  # (minute, text) last loaded
        self._ticker = threading.Thread(target=self._tick, name="sim-ticker", daemon=True)
        self._ticker.start()

    def _epoch_now(self) -> float:
        return self.clock.now().timestamp()

    # -- the public API ----------------------------------------------------------------

    @classmethod
    def start(cls, scenario: str | Path = DEFAULT_SCENARIO, log_root: Path | None = None,
              clock: SimClock | None = None, auth: SimAuth | None = None) -> SimulatedPark:
        """Load a scenario (a bundled name or a TOML path), replay its history, serve it."""
        return cls(load_scenario(scenario), clock=clock, log_root=log_root, auth=auth)

    @classmethod
    def synthetic(cls, nodes: int = 100, series_per_node: int = 300, latency: float = 0.0,
                  log_root: Path | None = None, clock: SimClock | None = None) -> SimulatedPark:
        """A big, healthy park for benchmarks: about `series_per_node` queue series per node."""
        from bot.simulator.synthetic import synthetic_scenario, write_site_map

        scenario = synthetic_scenario(nodes, series_per_node)
        root = Path(tempfile.mkdtemp(prefix="kumo-sim-")) if log_root is None else log_root
        park = cls(scenario, clock=clock, log_root=root,
                   site_map_path=write_site_map(scenario, root / "sitemap.toml"))
        park._owns_root = log_root is None
        for name in park.node_urls:
            park.knobs(name).latency = latency
        return park

    @staticmethod
    def scenario_names() -> list[str]:
        return scenario_names()

    @property
    def node_urls(self) -> dict[str, str]:
        return {name: self._servers[name].url for name in self._nodes}

    @property
    def tsa_urls(self) -> dict[str, str]:
        return {TSA_NAME: self._servers[TSA_NAME].url}

    @property
    def tsa_ws_url(self) -> str:
        """The event stream, on the tsa-daemon's own port as in the real daemon."""
        return self._servers[TSA_NAME].url.replace("http://", "ws://") + "/subscribe_event_v1"

    @property
    def log_dirs(self) -> dict[str, Path]:
        return {name: node.log.directory for name, node in self._nodes.items()}

    def knobs(self, name: str) -> Knobs:
        """Failure knobs of a node (or of `"tsa"`): latency, down, fail_status."""
        return self._servers[name].knobs

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward and run the timeline up to the new time."""
        self.clock.advance(delta)
        self.sync()
        self.refresh_overrides()

    def follow_overrides(self, url: str) -> None:
        """Load the override file at `url` now and again each simulated minute, as kumod's
        shaping setup reloads a URL in `extra_files` (loaded before TSA's file)."""
        self._overrides_url = url
        self._overrides_seen = None
        self.refresh_overrides()

    def refresh_overrides(self) -> None:
        """Reload the followed override file once per simulated minute (never under the lock:
        the file's server may be busy); a failed fetch keeps the last good file, as kumod."""
        url = self._overrides_url
        minute = self.clock.now_ns() // NS_PER_MIN
        if url is None or (self._overrides_seen is not None
                           and self._overrides_seen[0] == minute):
            return
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 - loopback URL
                text = answer.read().decode()
        except OSError as exc:
            _log.warning("simulated kumod could not reload %s: %s", url, exc)
            return
        if self._overrides_seen is None or self._overrides_seen[1] != text:
            self.load_shaping_overrides(text)
        self._overrides_seen = (minute, text)

    def load_shaping_overrides(self, text: str) -> int:
        """Load an extra override file before TSA's, as kumod's policy would (TSA still wins)."""
        with self.lock:
            return self.world.shaping.load_policy_overrides(text)

    def path_limits(self, node: str, ready_queue: str) -> PathLimits:
        """The limits one egress path of one node runs under now (for tests and the demo)."""
        with self.lock:
            state = self._nodes[node]
            return state.limits(state.ready[ready_queue])

    def restart_node(self, name: str) -> None:
        """Restart a kumod: admin holds forgotten, new `online_since`, TSA replays its items."""
        with self.lock:
            now = self.sync()
            node = self._nodes[name]
            node.restart(now)
            self.engine.replay_to(node, now)

    def stop(self) -> None:
        """Stop the servers and the ticker; close the live log segments."""
        self.stopping.set()
        self._ticker.join(timeout=2)
        # Each listener takes a poll interval to notice; stop them side by side.
        stoppers = [threading.Thread(target=server.stop, daemon=True)
                    for server in self._servers.values()]
        for thread in stoppers:
            thread.start()
        for thread in stoppers:
            thread.join(timeout=5)
        with self.lock:
            for node in self._nodes.values():
                node.log.close()
        if self._owns_root:
            shutil.rmtree(self.log_root, ignore_errors=True)

    def __enter__(self) -> SimulatedPark:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # -- used by the routes ------------------------------------------------------------

    def sync(self) -> int:
        """Run every minute completed by now; returns the clock's time in ns."""
        with self.lock:
            now = self.clock.now_ns()
            self.engine.run_until(now)
            return now

    def node(self, name: str) -> NodeState:
        return self._nodes[name]

    def xfer_deliver(self, source: str, target: str, queue: str, count: int,
                     now_ns: int) -> bool:
        """Hand `count` messages of `queue` to the park node listening at `target`."""
        for name, server in self._servers.items():
            if name in self._nodes and name != source and server.url == target.rstrip("/"):
                node = self._nodes[name]
                origin = self._nodes[source].scheduled[queue]
                dest = node.queue(queue, origin.pool, origin.sender)
                dest.add(node.minute + 1, (node.minute, 0), count)
                node.received += count
                reply = Reply(250, None, f"Transferred from {self._servers[source].url}", None)
                for _ in range(count):
                    node.record("XferIn", dest, node.minute, 0, reply, Delivery(), now_ns)
                node.flush()
                return True
        return False

    def _tick(self) -> None:
        while not self.stopping.wait(0.2):
            try:
                self.sync()
                self.refresh_overrides()
            except Exception:  # noqa: BLE001 - keep the park's clock running; the error is logged
                _log.exception("simulated park failed to run its timeline")
