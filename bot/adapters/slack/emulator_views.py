"""Modals (``views.open``/``update``/``push``) and the trigger ids that open them.

Slack only opens a modal for a ``trigger_id`` it issued less than 3 seconds ago,
and only once. The emulator issues trigger ids too (``new_trigger_id(user)``, for
the payloads tests and the terminal synthesize) and applies the same rules, so a
listener that opens its modal too late fails here as it would in Slack.
"""

from __future__ import annotations

import copy
import secrets
from dataclasses import dataclass

from bot.adapters.slack.emulator_checks import view_errors
from bot.adapters.slack.emulator_model import EmulatorEvent, JsonDict, ModalView
from bot.adapters.slack.emulator_params import ApiOutcome, Params
from bot.adapters.slack.emulator_state import ApiError, WorkspaceState

TRIGGER_LIFETIME_S = 3.0
MAX_STACK = 3  # Slack's push_limit_reached: at most three views in a modal stack


@dataclass
class _Trigger:
    user: str
    issued_at: float
    used: bool = False


@dataclass
class _ViewRecord:
    id: str
    user: str
    view: JsonDict
    hash: str
    root_view_id: str
    previous_view_id: str | None

    def snapshot(self) -> ModalView:
        return ModalView(
            id=self.id,
            user=self.user,
            view=copy.deepcopy(self.view),
            hash=self.hash,
            root_view_id=self.root_view_id,
            previous_view_id=self.previous_view_id,
        )


class ViewRegistry:
    """Trigger ids, open modals and each user's modal stack."""

    def __init__(self, ws: WorkspaceState) -> None:
        self.ws = ws
        self._triggers: dict[str, _Trigger] = {}
        self._views: dict[str, _ViewRecord] = {}
        self._stacks: dict[str, list[str]] = {}
        self._serial = 0

    def new_trigger_id(self, user: str) -> str:
        """Issue a trigger id for ``user``, valid for 3 seconds of the emulator's clock."""
        self._serial += 1
        trigger_id = f"{self._serial}.{int(self.ws.clock())}.{secrets.token_hex(8)}"
        self._triggers[trigger_id] = _Trigger(user=user, issued_at=self.ws.clock())
        return trigger_id

    def close(self, user: str) -> None:
        """Forget the user's modal stack (after a submission cleared it, or on close)."""
        self._stacks.pop(user, None)

    def all(self) -> list[ModalView]:
        """Every view opened so far, oldest first."""
        return [record.snapshot() for record in self._views.values()]

    def _take_trigger(self, p: Params) -> str:
        """Exchange a trigger id for its user, enforcing Slack's rules."""
        trigger_id = p.text("trigger_id", error="invalid_trigger_id")
        trigger = self._triggers.get(trigger_id)
        if trigger is None:
            raise ApiError("invalid_trigger_id")
        if trigger.used:
            raise ApiError("exchanged_trigger_id")
        if self.ws.clock() - trigger.issued_at > TRIGGER_LIFETIME_S:
            raise ApiError("expired_trigger_id")
        trigger.used = True
        return trigger.user

    def _new_hash(self) -> str:
        self._serial += 1
        return f"{int(self.ws.clock())}.{self._serial:08d}"

    def _checked_view(self, p: Params) -> JsonDict:
        view = p.mapping("view")
        errors = view_errors(view)
        if errors:
            raise ApiError("invalid_arguments", response_metadata={"messages": errors})
        return view

    def _full_view(
        self, record_id: str, view: JsonDict, root: str, previous: str | None, view_hash: str
    ) -> JsonDict:
        """The view object Slack returns: the caller's fields plus ids, state and hash."""
        me = self.ws.identity
        return {
            **copy.deepcopy(view),
            "id": record_id,
            "team_id": me.team_id,
            "app_id": me.app_id,
            "bot_id": me.bot_id,
            "app_installed_team_id": me.team_id,
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "external_id": view.get("external_id", ""),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "state": {"values": {}},
            "hash": view_hash,
            "root_view_id": root,
            "previous_view_id": previous,
        }

    def _event(self, record: _ViewRecord) -> EmulatorEvent:
        title = record.view.get("title") or {}
        return EmulatorEvent(
            kind="view",
            channel="",
            channel_name="",
            ts="",
            thread_ts=None,
            user=record.user,
            text=str(title.get("text", "")) if isinstance(title, dict) else "",
            blocks=copy.deepcopy(record.view.get("blocks")),
            author_name=self.ws.identity.user,
            view=copy.deepcopy(record.view),
        )

    def _store(self, user: str, view: JsonDict, *, stack: list[str]) -> ApiOutcome:
        view_id = self.ws.new_id("V")
        root = stack[0] if stack else view_id
        previous = stack[-1] if stack else None
        view_hash = self._new_hash()
        record = _ViewRecord(
            id=view_id,
            user=user,
            view=self._full_view(view_id, view, root, previous, view_hash),
            hash=view_hash,
            root_view_id=root,
            previous_view_id=previous,
        )
        self._views[view_id] = record
        self._stacks[user] = [*stack, view_id]
        return {"view": copy.deepcopy(record.view)}, [self._event(record)]

    def open(self, p: Params) -> ApiOutcome:
        """``views.open``: a new modal, replacing whatever stack the user had."""
        view = self._checked_view(p)
        user = self._take_trigger(p)
        return self._store(user, view, stack=[])

    def push(self, p: Params) -> ApiOutcome:
        """``views.push``: a modal on top of the user's current stack."""
        view = self._checked_view(p)
        user = self._take_trigger(p)
        stack = self._stacks.get(user, [])
        if len(stack) >= MAX_STACK:
            raise ApiError("push_limit_reached")
        return self._store(user, view, stack=stack)

    def update(self, p: Params) -> ApiOutcome:
        """``views.update``: replace a modal by ``view_id`` or ``external_id``."""
        view_id = p.opt_text("view_id")
        external_id = p.opt_text("external_id")
        if view_id is None and external_id is None:
            raise ApiError("invalid_arguments")
        record = self._views.get(view_id or "")
        if record is None and external_id is not None:
            record = next(
                (r for r in self._views.values() if r.view.get("external_id") == external_id),
                None,
            )
        if record is None:
            raise ApiError("not_found")
        expected_hash = p.opt_text("hash")
        if expected_hash is not None and expected_hash != record.hash:
            raise ApiError("hash_conflict")
        view = self._checked_view(p)
        record.hash = self._new_hash()
        record.view = self._full_view(
            record.id, view, record.root_view_id, record.previous_view_id, record.hash
        )
        return {"view": copy.deepcopy(record.view)}, [self._event(record)]
