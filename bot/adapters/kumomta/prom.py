"""kumod's ``/metrics`` text turned into ``MetricSample`` values (REFERENCE 3.3).

A busy node prints tens of thousands of series and ``prometheus_client``'s parser
is pure Python, so parsing is the hot path: when the caller names the families it
wants, lines are selected by family name with plain string tests first and only
those are parsed.  Histograms and summaries are parsed only when asked for by
name (nothing in the bot reads them from a full dump).

Sample names are kept as kumod writes them: the parser renames counter samples
to the OpenMetrics ``<name>_total`` form, which we undo, so
``total_messages_delivered`` stays ``total_messages_delivered``.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.parser import text_string_to_metric_families

from bot.core.models import MetricSample

_BUCKETED = frozenset({"histogram", "summary", "gaugehistogram"})
_FOLLOWERS = " {_\t"  # what may follow a family name on its sample lines


def parse_metrics(text: str, names: frozenset[str] | None = None) -> list[MetricSample]:
    """Parse Prometheus text; only the families in ``names`` when given.

    Raises ``ValueError`` when a selected line is not Prometheus text.
    """
    selected, plain_counters = _select(text, names)
    if not selected:
        return []
    samples: list[MetricSample] = []
    for family in text_string_to_metric_families("\n".join(selected)):
        rename = family.type == "counter" and family.name in plain_counters
        for sample in family.samples:
            name = sample.name
            if rename and name == family.name + "_total":
                name = family.name
            samples.append(MetricSample(name, sample.labels, float(sample.value)))
    return samples


def _select(text: str, names: frozenset[str] | None) -> tuple[list[str], set[str]]:
    """The lines of the wanted families, and the counter families not named ``*_total``."""
    kept: list[str] = []
    plain_counters: set[str] = set()
    family = ""
    keep = False
    for line in _lines(text):
        if line[0] == "#":
            parts = line.split(None, 3)
            if len(parts) < 3 or parts[1] not in ("HELP", "TYPE"):
                continue
            if parts[2] != family:
                family = parts[2]
                keep = names is None or family in names
            if parts[1] == "TYPE" and len(parts) == 4:
                kind = parts[3].strip()
                if kind == "counter" and not family.endswith("_total"):
                    plain_counters.add(family)
                if names is None and kind in _BUCKETED:
                    keep = False
            if keep:
                kept.append(line)
            continue
        if not (family and line.startswith(family)
                and line[len(family):len(family) + 1] in _FOLLOWERS):
            # A sample with no HELP/TYPE of its own: an untyped family of one.
            family = _sample_name(line)
            keep = names is None or family in names
        if keep:
            kept.append(line)
    return kept, plain_counters


def _lines(text: str) -> Iterable[str]:
    for raw in text.splitlines():
        line = raw.strip()
        if line:
            yield line


def _sample_name(line: str) -> str:
    end = len(line)
    for stop in ("{", " ", "\t"):
        found = line.find(stop)
        if 0 <= found < end:
            end = found
    return line[:end]
