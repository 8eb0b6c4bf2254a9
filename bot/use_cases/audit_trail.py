"""``/kumo audit``: read the record back, newest first, filtered."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from bot.core.answers_audit import AuditAnswer
from bot.core.commands import Audit

if TYPE_CHECKING:
    from bot.services import Services

DEFAULT_LIMIT = 20
_MENTION = re.compile(r"<@([A-Za-z0-9]+)>")


def person(text: str) -> str:
    """What ``--user`` names: a Slack id from a mention (``<@U0BOB>``), or a name (``@bob``)."""
    text = text.strip()
    mention = _MENTION.fullmatch(text)
    if mention:
        return mention.group(1)
    return text.removeprefix("@")


def audit_answer(svc: Services, cmd: Audit, base: dict[str, Any]) -> AuditAnswer:
    """The newest audit events that match the filters (one more is read to say "more")."""
    limit = cmd.limit or DEFAULT_LIMIT
    user = person(cmd.user) if cmd.user else None
    since = base["generated_at"] - cmd.since if cmd.since else None
    events = svc.audit.recent(limit=limit + 1, actor=user, since=since,
                              incident_id=cmd.incident)
    return AuditAnswer(
        events=events[:limit], more=len(events) > limit, user=user, since=cmd.since,
        incident=cmd.incident, limit=limit, **base,
    )
