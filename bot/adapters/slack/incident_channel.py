"""``incident start --channel``: make the incident's channel, invite the requester, post
the card there, and record the channel on the incident.

Making a channel is a Slack effect, so it lives here, at the edge: the use case only
says a channel is wanted (``IncidentAnswer.wants_channel``) and suggests its name.
A name already taken gets a numbered suffix (``-2``, ``-3``); any other Slack error is
said on the card, and the incident stays open without a channel (``--incident ID``).
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.adapters.slack.views import build_answer_message
from bot.core.answers_incident import IncidentAnswer
from bot.services import Services

log = logging.getLogger(__name__)

NAME_ATTEMPTS = 5
_WHY = {
    "name_taken": "a channel with that name exists already",
    "restricted_action": "this workspace does not let the bot create channels",
    "missing_scope": "the bot lacks the `channels:manage` scope",
    "invalid_name_specials": "the name has characters Slack does not allow",
    "invalid_name_maxlength": "the name is too long",
}


def _error(exc: SlackApiError) -> str:
    return str(exc.response.get("error") if exc.response is not None else "unknown_error")


def _create(client: WebClient, name: str) -> tuple[str | None, str]:
    """(channel id, "") or (None, why); a taken name is retried as ``name-2`` ..."""
    error = ""
    for attempt in range(1, NAME_ATTEMPTS + 1):
        candidate = name if attempt == 1 else f"{name[:76]}-{attempt}"
        try:
            made = client.conversations_create(name=candidate)
        except SlackApiError as exc:
            error = _error(exc)
            if error == "name_taken":
                continue
            break
        return str(made["channel"]["id"]), ""
    return None, f"{_WHY.get(error, 'Slack answered')} ({error})"


def open_incident_channel(services: Services, client: WebClient, answer: IncidentAnswer,
                          *, requester: str, text: str) -> IncidentAnswer:
    """Make the channel and move the incident there; the answer as it now stands."""
    if not answer.wants_channel or services.incidents is None:
        return answer
    channel, problem = _create(client, answer.channel_name or answer.incident.id.lower())
    if channel is None:
        log.warning("incident %s: no channel: %s", answer.incident.id, problem)
        return answer.model_copy(update={"channel_problem": problem})
    incident = services.incidents.set_channel(answer.incident.id, channel)
    answer = answer.model_copy(update={"incident": incident})
    if requester:
        try:
            client.conversations_invite(channel=channel, users=requester)
        except SlackApiError as exc:
            if _error(exc) != "already_in_channel":
                log.warning("incident %s: could not invite %s: %s", incident.id, requester,
                            _error(exc))
    card = build_answer_message(answer, asked_by=requester, text=text)
    try:
        client.chat_postMessage(channel=channel, text=card.text, blocks=card.blocks,
                                unfurl_links=False, unfurl_media=False)
    except SlackApiError as exc:  # the channel exists and is recorded: say it, do not crash
        log.warning("incident %s: card not posted in %s: %s", incident.id, channel, _error(exc))
    return answer
