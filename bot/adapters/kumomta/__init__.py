"""KumoMTA over HTTP: kumod and tsa-daemon readers, and the park that asks them all.

``HttpPark`` implements ``Park``; ``KumoHttpReader`` implements ``MtaReader`` and
``KumoTsaReader`` implements ``TsaReader``.  ``wire`` is the one place that sends
requests, retries them and translates failures into ``bot.core.errors``.
"""

from bot.adapters.kumomta.credentials import BasicAuth, BearerToken, Credentials
from bot.adapters.kumomta.gather import gather_all, gather_named
from bot.adapters.kumomta.park import HttpPark
from bot.adapters.kumomta.reader import KumoHttpReader
from bot.adapters.kumomta.tsa import KumoTsaReader
from bot.adapters.kumomta.wire import BadAnswer, RetryPolicy, UpstreamTimeout

__all__ = [
    "BadAnswer",
    "BasicAuth",
    "BearerToken",
    "Credentials",
    "HttpPark",
    "KumoHttpReader",
    "KumoTsaReader",
    "RetryPolicy",
    "UpstreamTimeout",
    "gather_all",
    "gather_named",
]
