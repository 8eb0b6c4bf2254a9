"""Upload a chart beside an answer (``files_upload_v2``): today, a trend's PNG.

The answer's text has already been posted; the chart is a second message, so a
failed upload costs the picture and nothing else (it is logged, not raised).
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.adapters.charts import render_trend_png
from bot.core.answers import AnswerBase
from bot.core.answers_trend import TrendAnswer

log = logging.getLogger(__name__)


def upload_answer_chart(client: WebClient, channel: str, answer: AnswerBase) -> bool:
    """Upload the answer's chart to ``channel`` when it has one; True when uploaded."""
    if not isinstance(answer, TrendAnswer) or len(answer.points) < 2 or not channel:
        return False
    png = render_trend_png(answer)
    try:
        client.files_upload_v2(
            channel=channel, file=png, filename=f"trend-{answer.domain}.png",
            title=f"Trend: {answer.domain}",
        )
    except SlackApiError as exc:
        error = exc.response.get("error") if exc.response is not None else None
        log.warning("the trend chart for %s was not uploaded: %s", answer.domain, error)
        return False
    return True
