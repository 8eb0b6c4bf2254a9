"""A simulated KumoMTA park: kumod nodes and a tsa-daemon on loopback HTTP.

It powers the demo, the drills, the tests and the benchmarks. It is a second,
independent reading of `REFERENCE.md`: nothing here imports `bot.core`,
`bot.adapters` or `bot.ports`, so a field name the client gets wrong cannot
hide in a shared model. Only the standard library plus orjson, zstandard and
tomlkit are used.

    from bot.simulator import SimulatedPark, SimClock
    park = SimulatedPark.start("yahoo-tss04", clock=SimClock(scale=60))
    park.node_urls, park.tsa_urls, park.log_dirs, park.site_map_path
    park.advance(timedelta(minutes=50)); park.stop()
"""

from bot.simulator.auth import SimAuth
from bot.simulator.clock import SimClock
from bot.simulator.httpbase import Knobs
from bot.simulator.park import SimulatedPark
from bot.simulator.scenario import ScenarioError

__all__ = ["Knobs", "ScenarioError", "SimAuth", "SimClock", "SimulatedPark"]
