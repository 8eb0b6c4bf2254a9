"""The post-mortem's chart as PNG bytes: deferrals, bounces and deliveries per provider
over the incident window (matplotlib, Agg backend, imported on first use)."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from bot.adapters.charts import _LOCK  # pyplot keeps global state: one figure at a time
from bot.core.impact import Impact, ImpactBucket, bucket_start

MAX_LINES = 8
"""Providers drawn one by one; the rest are summed into ``(others)``."""
_PANELS = (("deferrals", "#d2691e"), ("bounces", "#b22222"), ("deliveries", "#2e8b57"),
           ("internal", "#616061"))
_LABELS = {"internal": "KumoMTA\ninternal"}


def _providers(impact: Impact) -> list[str]:
    """The biggest providers by counted records (ties by name), at most ``MAX_LINES``."""
    totals: dict[str, int] = {}
    for c in [*impact.providers, *impact.internal]:
        totals[c.name] = totals.get(c.name, 0) + c.total
    ranked = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    return [name for name, _ in ranked[:MAX_LINES]]


def _series(impact: Impact, measure: str) -> dict[str, dict[datetime, int]]:
    shown = set(_providers(impact))
    out: dict[str, dict[datetime, int]] = {}
    bucket: ImpactBucket
    for bucket in impact.buckets:
        name = bucket.provider if bucket.provider in shown else "(others)"
        per_time = out.setdefault(name, {})
        per_time[bucket.start] = per_time.get(bucket.start, 0) + int(getattr(bucket, measure))
    return out


def every_bucket(impact: Impact) -> list[datetime]:
    """Every bucket start of the window, empty ones too: a quiet stretch is drawn as zero,
    not as a line across it."""
    step = timedelta(minutes=impact.bucket_minutes)
    at, out = bucket_start(impact.since, impact.bucket_minutes), []
    while at < impact.until:
        out.append(at)
        at += step
    return out or [impact.since]


def render_impact_png(impact: Impact, *, title: str) -> bytes:
    """One panel per series that has data over the window (a series with no record is not
    drawn: the document says which), sharing the time axis (minutes since the window
    opened), one line per provider; buckets of ``impact.bucket_minutes``; whole-number
    y ticks (these are counts)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.ticker import MaxNLocator

    starts = every_bucket(impact)
    # A bucket that began before the open is drawn at the open.
    minutes = [max((s - impact.since).total_seconds() / 60, 0.0) for s in starts]
    panels = [(m, c) for m, c in _PANELS if m in impact.drawn_series] or list(_PANELS[:1])
    with _LOCK:
        fig, axes = plt.subplots(len(panels), 1, figsize=(8, 0.8 + 1.8 * len(panels)),
                                 dpi=100, sharex=True, squeeze=False)
        try:
            for axis, (measure, colour) in zip(axes[:, 0], panels, strict=True):
                series = _series(impact, measure)
                for index, name in enumerate(sorted(series)):
                    values = [series[name].get(s, 0) for s in starts]
                    axis.plot(minutes, values, linewidth=1.6, marker="o", markersize=2.5,
                              label=name, alpha=1.0 if index == 0 else 0.85)
                label = _LABELS.get(measure, measure)
                axis.set_ylabel(f"{label}\nper {impact.bucket_minutes} min", color=colour,
                                fontsize=8)
                axis.set_ylim(bottom=0, top=max(_peak(series) * 1.1, 1))
                axis.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True, min_n_ticks=2))
                axis.grid(True, alpha=0.3)
                if series:
                    axis.legend(loc="upper right", fontsize=7)
            axes[0, 0].set_title(title, fontsize=10)
            axes[-1, 0].set_xlabel(
                f"minutes since {impact.since:%Y-%m-%d %H:%M} UTC (the incident opened)")
            zero = impact.zero_series
            if zero:
                fig.text(0.01, 0.01, "Not drawn, zero over the whole window: "
                         + ", ".join(zero), fontsize=8, color="#616061")
            fig.tight_layout(rect=(0, 0.03 if zero else 0, 1, 1))
            out = io.BytesIO()
            fig.savefig(out, format="png", metadata={"Software": None})
            return out.getvalue()
        finally:
            plt.close(fig)


def _peak(series: dict[str, dict[datetime, int]]) -> int:
    return max((v for per_time in series.values() for v in per_time.values()), default=0)
