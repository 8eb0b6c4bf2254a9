"""Which egress paths the nodes report now (REFERENCE 3.2): one read of the per-path
metrics on every node, for the writes that must name, or find, real paths."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.core.egress_paths import PATH_METRICS, known_paths
from bot.core.models import MetricSample, NodeFailure
from bot.ports import MtaReader

if TYPE_CHECKING:
    from bot.services import Services


@dataclass(frozen=True)
class PathsNow:
    """Every ready-queue name in the answering nodes' metrics, and who did not answer."""

    paths: frozenset[str]
    answered: tuple[str, ...]
    failures: tuple[NodeFailure, ...]

    @property
    def unheard(self) -> str:
        """`` (mta2 did not answer.)`` or empty."""
        names = ", ".join(f.node for f in self.failures)
        return f" ({names} did not answer.)" if names else ""


def current_paths(svc: Services) -> PathsNow:
    """The egress paths every node that answered reports in its metrics now."""

    async def samples(reader: MtaReader) -> list[MetricSample]:
        return await reader.metrics(PATH_METRICS)

    answer = svc.park.ask(samples)
    found: set[str] = set()
    for node_samples in answer.results.values():
        found |= known_paths(node_samples)
    return PathsNow(frozenset(found), tuple(answer.results), tuple(answer.failures))
