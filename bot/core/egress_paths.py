"""Which egress paths exist now, from kumod's metrics (REFERENCE 3.2, kcli 2.2 step 7).

A ready queue (egress path) is ``SOURCE->SITE@smtp_client``; kumod reports each one
that exists in the per-path metrics whose ``service`` label is ``smtp_client:<name>``.
``suspend-path`` must name a path that exists on some node (kumod itself accepts any
string, so a typo would suspend nothing and look like it worked).
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.core.models import MetricSample
from bot.core.queuenames import split_ready_queue
from bot.core.summary_queue import READY_COLUMNS, metric_name

PATH_METRICS = frozenset(READY_COLUMNS)
"""The per-path metric families a path's existence is read from."""
_SHOWN = 12


def known_paths(samples: Iterable[MetricSample]) -> set[str]:
    """Every ready-queue name in the samples' ``service`` labels (``proto:name``)."""
    found: set[str] = set()
    for sample in samples:
        if metric_name(sample.name) in PATH_METRICS:
            _protocol, colon, name = sample.labels.get("service", "").partition(":")
            if colon and name:
                found.add(name)
    return found


def missing_path(source: str, site: str, paths: Iterable[str]) -> str | None:
    """None when ``source->site`` is a known path, else what does exist, in one sentence."""
    split = [split_ready_queue(p) for p in paths]
    if any(p.source == source and p.site == site for p in split):
        return None
    to_site = sorted({p.source for p in split if p.site == site})
    from_source = sorted({p.site for p in split if p.source == source})
    if to_site:
        return f"Site `{site}` is reached from source(s) {_listed(to_site)}, not `{source}`."
    if from_source:
        return f"Source `{source}` has paths to {_listed(from_source)}, not to `{site}`."
    return f"No node's metrics show source `{source}` or site `{site}`."


def _listed(names: list[str]) -> str:
    shown = ", ".join(f"`{n}`" for n in names[:_SHOWN])
    return shown + (f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else "")


def sources_to_site(paths: Iterable[str], site: str) -> set[str]:
    """The egress sources of the SMTP paths ``source->site`` that reach ``site``."""
    split = (split_ready_queue(p) for p in paths)
    return {p.source for p in split if p.site == site and p.source and p.proto == "smtp_client"}
