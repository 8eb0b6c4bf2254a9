"""Run a simulated park in the foreground: `python -m bot.simulator --scenario yahoo-tss04`."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from bot.simulator.clock import SimClock
from bot.simulator.park import DEFAULT_SCENARIO, SimulatedPark
from bot.simulator.scenario import ScenarioError, load_scenario, scenario_names


def main(argv: list[str] | None = None) -> int:
    """Start the park, print where everything is, and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m bot.simulator", description=__doc__)
    parser.add_argument("--scenario", default=DEFAULT_SCENARIO,
                        help="a bundled scenario name or a scenario TOML file")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="simulated seconds per real second (60 = an hour a minute)")
    parser.add_argument("--log-root", type=Path, default=None,
                        help="where to write the delivery logs (default: a temporary directory)")
    parser.add_argument("--list", action="store_true", help="list the bundled scenarios and exit")
    args = parser.parse_args(argv)
    if args.list:
        for name in scenario_names():
            print(f"{name:20} {load_scenario(name).title}")
        return 0
    try:
        park = SimulatedPark.start(args.scenario, log_root=args.log_root,
                                   clock=SimClock(scale=args.scale))
    except ScenarioError as err:
        print(err, file=sys.stderr)
        return 2
    print(f"scenario {park.scenario.name}: {park.scenario.title}")
    for name, url in park.node_urls.items():
        print(f"  kumod {name:8} {url}   logs {park.log_dirs[name]}")
    print(f"  tsa-daemon     {park.tsa_urls['tsa']}   events {park.tsa_ws_url}")
    print(f"  site map       {park.site_map_path}")
    print(f"  clock          {park.clock.now().isoformat()} x{park.clock.scale:g}")
    print("Ctrl-C to stop.", flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        done.wait()
    except KeyboardInterrupt:
        pass
    finally:
        park.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
