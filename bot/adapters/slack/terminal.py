"""The terminal: type ``/kumo ...`` and watch the bot answer, with no Slack.

Each line becomes a real slash-command payload dispatched through the real Bolt
listeners (the Socket Mode road, which skips only the HTTP signature); the bot
posts to the local Slack emulator, and every message it posts is printed as
readable text.  No second code path: what works here works in Slack.

Terminal-only lines: ``/as USER`` switches the acting person, ``/advance 30m``
moves simulated time (demo), ``/help`` lists these, ``/quit`` leaves.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, TextIO

from slack_bolt import BoltRequest

from bot.adapters.slack.app import SlackBot
from bot.adapters.slack.emulator import SlackEmulator
from bot.adapters.slack.emulator_model import EmulatorEvent
from bot.adapters.slack.render import Choice, render_event_message
from bot.adapters.slack.terminal_actions import block_action_payload
from bot.adapters.slack.terminal_modals import (
    ModalInput,
    modal_inputs,
    submission_errors,
    view_submission_payload,
)
from bot.core.durations import parse_duration
from bot.core.errors import UserInputError

TERMINAL_HELP = """\
Type a command as you would in Slack, e.g. `/kumo queue yahoo.com` (the `/kumo` is optional).
  /as NAME       act as another person (alice, bob, carol, or any name)
  N              press the button numbered [N] above, as the acting person
  /advance DUR   move simulated time forward, e.g. /advance 30m (demo only)
  /restart NODE  restart a simulated kumod: it forgets its admin holds (demo only)
  /in #CHANNEL   type in another channel (an incident's); the bot's new incident channel
                 is followed by itself
  /help          this text; `/kumo help` is the bot's own help
  /quit          leave"""


class Terminal:
    """Drive the bot from lines of text; print what it posts."""

    def __init__(
        self,
        bot: SlackBot,
        emulator: SlackEmulator,
        *,
        users: dict[str, str],
        out: TextIO = sys.stdout,
        channel: str = "C0INCIDENT",
        user: str = "alice",
        advance: Callable[[timedelta], datetime] | None = None,
        restart: Callable[[str], None] | None = None,
    ) -> None:
        self.bot = bot
        self.emulator = emulator
        self.users = dict(users)
        self.out = out
        self.channel = channel
        self.channel_name = "incident"
        self.user = user
        self.advance = advance
        self.restart = restart  # the demo's simulated kumod restart
        self._lock = threading.Lock()
        # Numbered buttons of every message shown so far: typing the number presses it.
        self._choices: dict[int, tuple[Choice, EmulatorEvent]] = {}
        # A modal the bot opened: its inputs are asked for on the next lines.
        self._modal: EmulatorEvent | None = None
        self._answers: dict[ModalInput, str] = {}
        emulator.subscribe(self._on_event)

    # -- output ----------------------------------------------------------------

    def say(self, text: str) -> None:
        with self._lock:
            print(text, file=self.out, flush=True)

    def _on_event(self, event: Any) -> None:
        with self._lock:
            names = {c.id: c.name for c in self.emulator.channels}  # <#C1> shows as #name
            rendered = render_event_message(event, start_number=len(self._choices) + 1,
                                            channels=names)
            for choice in rendered.choices:
                self._choices[choice.number] = (choice, event)
            if event.kind == "view" and modal_inputs(event.view or {}):
                self._modal, self._answers = event, {}
        self.say(rendered.text)
        if event.kind == "view":
            self._ask_next()

    # -- input -----------------------------------------------------------------

    @property
    def user_id(self) -> str:
        return self.users.setdefault(self.user, "U0" + self.user.upper()[:9])

    @property
    def prompt(self) -> str:
        return f"{self.user}@#{self.channel_name}> "

    def run(self, lines: Iterable[str], *, echo: bool) -> None:
        """Handle each line until EOF or /quit; wait until the bot is quiet after each."""
        for raw in lines:
            line = raw.strip()
            if echo and line:
                self.say(f"{self.prompt}{line}")
            if not self.handle(line):
                break
        self.wait_quiet()

    def wait_quiet(self) -> None:
        """Wait until the bot has nothing pending and Slack has seen no call for a moment."""
        self.bot.pool.wait_idle(timeout=120)
        self.emulator.wait_idle(quiet_for=0.2, timeout=30)

    def handle(self, line: str) -> bool:
        """One line; False means leave."""
        if not line or line.startswith("#"):
            return True
        if self._modal is not None:
            self._answer_modal(line)
            return True
        word, _, rest = line.partition(" ")
        if word in ("/quit", "/exit"):
            return False
        if word == "/help":
            self.say(TERMINAL_HELP)
        elif word == "/as":
            self._switch_user(rest.strip())
        elif word == "/advance":
            self._advance(rest.strip())
        elif word == "/restart":
            self._restart(rest.strip())
        elif word == "/in":
            self._move(rest.strip().removeprefix("#"))
        elif line.isdigit():
            self.press(int(line))
            self.wait_quiet()
        elif word.startswith("/") and word != "/kumo":
            self.say(f"Unknown terminal command {word}. Type /help.")
        else:
            text = rest if word == "/kumo" else line
            known = {c.id for c in self.emulator.channels}
            self.slash_command(text)
            self.wait_quiet()
            self._follow_invitation(known)
        return True

    def _switch_user(self, name: str) -> None:
        if not name or not name.replace("-", "").replace("_", "").isalnum():
            self.say("Usage: /as NAME (letters, digits, - and _)")
            return
        self.user = name.lower()
        self.say(f"(you are now {self.user}, Slack id {self.user_id})")

    def _move(self, name: str) -> None:
        found = next((c for c in self.emulator.channels if c.name == name), None)
        if found is None:
            names = ", ".join(f"#{c.name}" for c in self.emulator.channels)
            self.say(f"/in: there is no channel #{name}; there are {names}")
            return
        self.channel, self.channel_name = found.id, found.name
        self.say(f"(you are now typing in #{found.name})")

    def _follow_invitation(self, known: set[str]) -> None:
        """A command that made a channel and invited you (``incident start --channel``):
        go there, as Slack shows you the channel you were just added to."""
        new = [c for c in self.emulator.channels
               if c.id not in known and self.user_id in c.members]
        if len(new) == 1:
            self.channel, self.channel_name = new[0].id, new[0].name
            self.say(f"(you were invited to #{new[0].name}: now typing there; "
                     "/in #incident goes back)")

    def _advance(self, text: str) -> None:
        if self.advance is None:
            self.say("/advance only works in the demo: a real park keeps real time.")
            return
        try:
            delta = parse_duration(text)
        except UserInputError as exc:
            self.say(f"/advance: {exc.message}")
            return
        now = self.advance(delta)
        self.say(f"(simulated time moved {text} forward: now {now:%Y-%m-%d %H:%M:%S} UTC)")

    def _restart(self, node: str) -> None:
        if self.restart is None:
            self.say("/restart only works in the demo: restart a real kumod yourself.")
            return
        try:
            self.restart(node)
        except KeyError:
            self.say(f"/restart: there is no node {node!r}.")
            return
        self.say(f"(kumod on {node} restarted: its admin holds and log filter are gone)")

    def _ask_next(self) -> None:
        """Say which input of the open modal the next line answers."""
        if self._modal is None:
            return
        left = [f for f in modal_inputs(self._modal.view or {}) if f not in self._answers]
        if left:
            self.say(f"(modal: type {left[0].label!r} on the next line; /cancel closes it)")

    def _answer_modal(self, line: str) -> None:
        """Take ``line`` as the next input of the open modal; submit when all are in."""
        modal = self._modal
        assert modal is not None
        if line == "/cancel":
            self._modal = None
            self.emulator.close_views(modal.user)
            self.say("(modal closed; nothing was submitted)")
            return
        inputs = modal_inputs(modal.view or {})
        left = [f for f in inputs if f not in self._answers]
        self._answers[left[0]] = line
        if len(left) > 1:
            self._ask_next()
            return
        name = next((n for n, uid in self.users.items() if uid == modal.user), self.user)
        body = view_submission_payload(modal.view or {}, self._answers, user_id=modal.user,
                                       user_name=name,
                                       trigger_id=self.emulator.new_trigger_id(modal.user))
        response = self.bot.app.dispatch(
            BoltRequest(body=body, mode="socket_mode", context={"kumo_transport": "terminal"}))
        errors = submission_errors(str(response.body or ""))
        if response.status != 200 or errors:
            self._answers = {}
            self.say("(the modal says: " + ("; ".join(errors.values()) or
                                            f"HTTP {response.status}") + ")")
            self._ask_next()
            return
        self._modal = None
        self.emulator.close_views(modal.user)
        self.wait_quiet()

    def press(self, number: int) -> None:
        """Click numbered choice ``number`` as the acting person, through the real listeners."""
        with self._lock:
            found = self._choices.get(number)
        if found is None:
            self.say(f"There is no choice [{number}] above.")
            return
        choice, event = found
        if choice.confirm is not None:  # the terminal answers Slack's dialog for the user
            self.say(f"({choice.confirm.title} {choice.confirm.text} → {choice.confirm.confirm})")
        body = block_action_payload(
            choice, event, user_id=self.user_id, user_name=self.user,
            response_url=self.emulator.new_response_url(event.channel, self.user_id,
                                                        message_ts=event.ts),
            trigger_id=self.emulator.new_trigger_id(self.user_id))
        response = self.bot.app.dispatch(
            BoltRequest(body=body, mode="socket_mode", context={"kumo_transport": "terminal"})
        )
        if response.status != 200:
            self.say(f"(Slack would show an error: HTTP {response.status} {response.body})")

    def slash_command(self, text: str) -> None:
        """Send ``/kumo text`` the way Slack would, through the real listeners."""
        body = {
            "token": "local",
            "team_id": "T0LOCAL",
            "team_domain": "local",
            "channel_id": self.channel,
            "channel_name": self.channel_name,
            "user_id": self.user_id,
            "user_name": self.user,
            "command": "/kumo",
            "text": text,
            "api_app_id": "A0KUMOBOT",
            "is_enterprise_install": "false",
            "response_url": self.emulator.new_response_url(self.channel, self.user_id),
            "trigger_id": self.emulator.new_trigger_id(self.user_id),
        }
        response = self.bot.app.dispatch(
            BoltRequest(body=body, mode="socket_mode", context={"kumo_transport": "terminal"})
        )
        if response.status != 200:
            self.say(f"(Slack would show an error: HTTP {response.status} {response.body})")
