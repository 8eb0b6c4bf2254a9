"""Upload the post-mortem's files beside its summary (``files_upload_v2``).

The summary has already been posted; the files are one more message.  A failed upload
costs the files and nothing else: it is logged, and the copy kept in the data
directory (named in the summary) is still there.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.answers import AnswerBase
from bot.core.answers_postmortem import PostmortemAnswer

log = logging.getLogger(__name__)


def upload_postmortem_files(client: WebClient, channel: str, answer: AnswerBase) -> bool:
    """Upload the Markdown, HTML and PNG of a post-mortem answer; True when uploaded."""
    if not isinstance(answer, PostmortemAnswer) or not answer.files or not channel:
        return False
    try:
        client.files_upload_v2(
            channel=channel,
            file_uploads=[{"content": f.content, "filename": f.name, "title": f.title}
                          for f in answer.files],
            initial_comment=f"Post-mortem {answer.incident_id}: the files",
        )
    except SlackApiError as exc:
        error = exc.response.get("error") if exc.response is not None else None
        log.warning("the post-mortem files of %s were not uploaded: %s",
                    answer.incident_id, error)
        return False
    return True
