"""A playbook run in Slack: its messages (``SlackRunMessenger``) and its buttons.

Slash commands cannot be typed in threads, so everything a run needs is a button:
the choices of an ask, Choose differently (from diagnose's decision), Done, Continue,
Abandon, Resume.  The listener acks at once and
hands the click to the worker pool.  A click Slack delivers twice (same ``action_ts``)
runs once; two people (or two replicas) clicking one step are settled by the run's
compare-and-set in SQL: one is applied, the other is told who already answered.
After a click is applied, the clicked message loses its buttons and says who did what.
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.adapters.slack.clicks import Click, read_click
from bot.adapters.slack.ids import ActionId
from bot.adapters.slack.listeners_guard import remember_card
from bot.adapters.slack.redelivery import first_delivery
from bot.adapters.slack.text import clip, escape
from bot.adapters.slack.views import build_answer_message
from bot.adapters.slack.views_playbook import (
    build_closed_step,
    build_outdated,
    build_run_card,
    build_step_message,
    milestone_text,
    read_button_value,
)
from bot.core.answers import AnswerBase
from bot.core.errors import BotError, UserInputError
from bot.core.playbook_engine import RunOutdated, RunState
from bot.core.playbook_spec import Playbook
from bot.ports import IdempotencyKeys
from bot.services import RequestContext, Services
from bot.use_cases import playbooks

if TYPE_CHECKING:
    from bot.adapters.slack.app import WorkPool

log = logging.getLogger(__name__)

_WHAT = {ActionId.PLAYBOOK_DONE.value: "done", ActionId.PLAYBOOK_CONTINUE.value: "continue",
         ActionId.PLAYBOOK_ABANDON.value: "abandon", ActionId.PLAYBOOK_RESUME.value: "resume"}
_ACTIONS = re.compile(r"^kumo_playbook_")
# The run's parent message was deleted (or lives in a Slack that forgot it): post a new card.
_GONE = {"thread_not_found", "message_not_found", "cant_update_message"}


def _error(exc: SlackApiError) -> str:
    return str(exc.response.get("error") if exc.response is not None else "")


class SlackRunMessenger:
    """Shows a run in Slack: the parent message is its card, the steps go in its thread."""

    def __init__(self, client: WebClient, services: Services | None = None) -> None:
        self.client = client
        self.services = services
        self._parents: dict[str, str] = {}  # run id -> a new parent, when the old one is gone

    def post_parent(self, run: RunState, book: Playbook) -> str | None:
        """Post the card in the run's channel; its ts is the thread's."""
        text, blocks = build_run_card(run, book)
        try:
            sent = self.client.chat_postMessage(channel=run.channel or "", text=escape(text),
                                                blocks=blocks, unfurl_links=False)
        except SlackApiError as exc:  # nothing was started: say why, in words
            raise UserInputError(
                f"I cannot post the run's card in this channel ({_error(exc) or 'error'}); "
                "nothing was started.",
                hint="Invite the bot to the channel (`/invite @kumo`) and start it again.",
            ) from None
        return str(sent.get("ts") or "") or None

    def update_card(self, run: RunState, book: Playbook) -> None:
        """Edit the card in place (a new card when the old one is gone)."""
        card = self._parents.get(run.run_id) or run.card_ts
        if not card:
            return
        text, blocks = build_run_card(run, book)
        try:
            self.client.chat_update(channel=run.channel or "", ts=card, text=escape(text),
                                    blocks=blocks)
        except SlackApiError as exc:
            if _error(exc) not in _GONE:
                raise
            self._repost(run, book)

    def post_step(self, run: RunState, book: Playbook, step: str) -> None:
        """Post one step, with its buttons, in the thread."""
        text, blocks = build_step_message(run, book, step)
        self._in_thread(run, book, escape(text), blocks)

    def post_answer(self, run: RunState, book: Playbook, answer: AnswerBase, text: str,
                    by: str) -> None:
        """Post a command's answer in the thread (a check's result, a guard card)."""
        message = build_answer_message(answer, asked_by=by, text=text)
        ts = self._in_thread(run, book, message.text, message.blocks)
        if ts and self.services is not None:  # a guard card: a timed job may update it
            remember_card(self.services, answer, run.channel or "", ts)

    def mirror(self, run: RunState, text: str) -> None:
        """Say a milestone in the channel, outside the thread."""
        line = (f":arrow_right: *{escape(run.title)}*"
                + (f" `{escape(run.domain)}`" if run.domain else "")
                + f": {milestone_text(text)}")
        self.client.chat_postMessage(channel=run.channel or "", text=clip(line, 3000),
                                     blocks=[{"type": "section", "text": {
                                         "type": "mrkdwn", "verbatim": True,
                                         "text": clip(line, 3000)}}], unfurl_links=False)

    def link(self, channel: str, ts: str) -> str | None:
        """The message's permalink (None when Slack will not give one)."""
        try:
            found = self.client.chat_getPermalink(channel=channel, message_ts=ts)
        except SlackApiError:
            return None
        return str(found.get("permalink") or "") or None

    def moved(self, run: RunState) -> str | None:
        """The new parent's ts, when the run's own message was gone and a card was reposted."""
        return self._parents.get(run.run_id)

    def _repost(self, run: RunState, book: Playbook) -> str | None:
        ts = self.post_parent(run, book)
        if ts:
            self._parents[run.run_id] = ts
        return ts

    def _in_thread(self, run: RunState, book: Playbook, text: str,
                   blocks: list[dict[str, Any]]) -> str | None:
        for _ in range(2):  # a second time under a new card, when the thread is gone
            try:
                sent = self.client.chat_postMessage(
                    channel=run.channel or "", text=text, blocks=blocks, unfurl_links=False,
                    unfurl_media=False,
                    thread_ts=self._parents.get(run.run_id) or run.parent_ts)
                return str(sent.get("ts") or "") or None
            except SlackApiError as exc:
                if _error(exc) not in _GONE or run.run_id in self._parents:
                    raise
                self._repost(run, book)
        return None


def register_playbook_listeners(app: App, *, services: Services, pool: WorkPool,
                                keys: IdempotencyKeys) -> None:
    """Attach the run buttons' listener to ``app``."""

    def handle_playbook_click(ack: Ack, body: dict[str, Any], client: WebClient,
                              request: BoltRequest) -> None:
        ack()
        transport = str(request.context.get("kumo_transport") or (
            "slack-socket" if request.mode == "socket_mode" else "slack-http"))
        pool.submit(click_once, services, keys, body, client, transport)

    app.action(_ACTIONS)(handle_playbook_click)


def click_once(services: Services, keys: IdempotencyKeys, body: dict[str, Any],
               client: WebClient, transport: str) -> None:
    """Apply one click unless Slack already delivered it (same ``action_ts``)."""
    action = (body.get("actions") or [{}])[0]
    if first_delivery(keys, "action_ts", str(action.get("action_ts") or "")):
        apply_click(services, body, client, transport)


def apply_click(services: Services, body: dict[str, Any], client: WebClient,
                transport: str) -> None:
    """Press the button for the clicker; close the clicked message; errors to the clicker."""
    click = read_click(body)
    action, by, channel = click.action, click.by, click.channel
    action_id = str(action.get("action_id", ""))
    messenger = SlackRunMessenger(client, services)
    ctx = RequestContext(actor=by, transport=transport, channel=channel,
                         thread_ts=click.thread_ts, messenger=messenger)
    try:
        run_id, step, version, choice = read_button_value(str(action.get("value", "")))
        what = "choose" if action_id.startswith(ActionId.PLAYBOOK_CHOOSE.value) else \
            "override" if action_id.startswith(ActionId.PLAYBOOK_OVERRIDE.value) else \
            "resume" if action_id.startswith(ActionId.PLAYBOOK_RESUME.value) else \
            "abandon" if action_id.startswith(ActionId.PLAYBOOK_ABANDON.value) else \
            _WHAT.get(action_id, "")
        state = playbooks.press(services, playbooks.Press(
            run_id=run_id, step=step, version=version, what=what, choice=choice), ctx)
    except ValueError:
        _tell(client, click, ":x: That button is not one of a playbook run.")
        return
    except RunOutdated as exc:  # its playbook changed under it: offer the one way out
        said = f":warning: {escape(exc.message)}"
        _tell(client, click, said, blocks=build_outdated(
            said, run_id=exc.run_id, step=exc.step, version=exc.version)
            if exc.abandonable else None)
        return
    except BotError as exc:
        _tell(client, click, f":x: {escape(exc.message)}"
              + (f"\n{escape(exc.hint)}" if exc.hint else ""))
        return
    except Exception:  # the one edge where a bug becomes a message with an id to quote
        incident = uuid.uuid4().hex[:12]
        log.exception("unexpected error on a playbook click (id %s)", incident)
        _tell(client, click,
              f":boom: Something went wrong; quote id `{incident}`.")
        return
    book = services.playbooks.library.get(state.playbook) if services.playbooks else None
    ts = click.message_ts
    in_thread = bool(state.parent_ts) and click.thread_ts == state.parent_ts
    # Not the `playbook runs` list, nor a step since gone from the playbook (nothing of
    # it to draw: the Abandon of an outdated run).
    if book is not None and book.find(step) is not None and ts and in_thread:
        text, blocks = build_closed_step(state, book, step)
        client.chat_update(channel=channel, ts=ts, text=escape(text), blocks=blocks)


def _tell(client: WebClient, click: Click, text: str,
          blocks: list[dict[str, Any]] | None = None) -> None:
    client.chat_postEphemeral(channel=click.channel, user=click.by.id, text=text,
                              blocks=blocks, thread_ts=click.thread_ts)
