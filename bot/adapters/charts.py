"""Charts as PNG bytes (matplotlib, headless): what Slack shows beside a trend answer.

matplotlib is imported on first use, with the non-interactive Agg backend, so the
bot starts fast and never needs a display.
"""

from __future__ import annotations

import io
import threading

from bot.core.answers_trend import TrendAnswer

_LOCK = threading.Lock()  # pyplot keeps global state; one figure at a time


def render_trend_png(answer: TrendAnswer) -> bytes:
    """Queued (line, left axis) and delivered / deferred per minute (bars, right axis)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    points = answer.points
    last = points[-1].at
    # Minutes before the newest sample: plain numbers, in every reader's timezone alike.
    times = [(p.at - last).total_seconds() / 60 for p in points]
    per_min = [p.minutes or 1.0 for p in points]
    with _LOCK:
        fig, queued_axis = plt.subplots(figsize=(8, 3.2), dpi=100)
        try:
            queued_axis.plot(times, [p.queued for p in points], color="#1f4e8c", linewidth=2,
                             label="queued")
            queued_axis.set_ylabel("queued")
            queued_axis.set_ylim(bottom=0)
            rate_axis = queued_axis.twinx()
            rate_axis.plot(times, [p.delivered / m for p, m in zip(points, per_min, strict=True)],
                           color="#2e8b57", linewidth=1, label="delivered / min")
            rate_axis.plot(times, [p.deferred / m for p, m in zip(points, per_min, strict=True)],
                           color="#d2691e", linewidth=1, label="deferred / min")
            rate_axis.set_ylabel("per minute")
            rate_axis.set_ylim(bottom=0)
            lines = queued_axis.get_lines() + rate_axis.get_lines()
            queued_axis.legend(lines, [str(line.get_label()) for line in lines],
                               loc="upper left", fontsize=8)
            queued_axis.set_title(f"{answer.domain}: queued, delivered and deferred",
                                  fontsize=10)
            queued_axis.set_xlabel(f"minutes before {last:%Y-%m-%d %H:%M} UTC")
            fig.tight_layout()
            out = io.BytesIO()
            fig.savefig(out, format="png")
            return out.getvalue()
        finally:
            plt.close(fig)
