"""``tsa history [DOMAIN] [--since DUR]``: what the automation did, from the diary.

Which rules fired, how often, with what action and duration, which are still active,
and (when the delivery logs are configured) on which receivers' responses; the
watcher's gaps are shown as gaps.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.core.commands import Tsa
from bot.core.errors import BotError, ConfigError
from bot.core.fancy_regex import UntranslatableRegex, compile_fancy
from bot.core.logquery import LogQuery
from bot.core.logtally import ResponseTally
from bot.core.scope import Scope, scope_for
from bot.core.tsa_history import (
    RuleFired,
    RuleResponses,
    TsaHistoryAnswer,
    entry_in_scope,
    in_window,
    rules_fired,
)

if TYPE_CHECKING:
    from bot.services import Services

DEFAULT_SINCE = timedelta(hours=24)
RESPONSES_PER_RULE = 3


def tsa_history_answer(svc: Services, cmd: Tsa, base: dict[str, Any]) -> TsaHistoryAnswer:
    """The diary for a domain (or everything) over ``--since`` (default 24 h)."""
    diary = svc.tsa_diary
    if diary is None:
        raise ConfigError(
            "The TSA diary is not kept by this process.",
            hint="Run `kumo-bot watch` (it keeps the diary in the shared database).",
        )
    now = base["generated_at"]
    since = now - (cmd.since or DEFAULT_SINCE)
    scope = scope_for(cmd.domain, svc.resolver.mx_records(cmd.domain)) if cmd.domain else None
    entries = [e for e in diary.entries(since=since) if in_window(e, since)]
    if scope is not None:
        entries = [e for e in entries if entry_in_scope(e, scope)]
    rules = rules_fired(entries, now)
    note = None
    if scope is not None and rules:
        rules, note = _with_responses(svc, rules, scope, since)
    return TsaHistoryAnswer(
        domain=scope.domain if scope else None, since=since, entries=entries, rules=rules,
        gaps=diary.gaps(since=since), responses_note=note, **base,
    )


def _with_responses(svc: Services, rules: list[RuleFired], scope: Scope,
                    since: Any) -> tuple[list[RuleFired], str | None]:
    """Attach the receivers' responses each rule's regex matches, from the logs."""
    if svc.logs is None or not svc.logs.node_names:
        return rules, "Delivery logs are not configured: the responses behind each rule " \
                      "are not shown."
    tally = ResponseTally()
    try:
        svc.logs.tally_responses(LogQuery(domain=scope.domain, since=since), tally)
    except BotError as exc:
        return rules, f"The delivery logs could not be read: {exc.message}"
    groups = tally.summary(top=200).groups
    out = []
    for rule in rules:
        pattern = _pattern(rule.rule)
        if pattern is None:
            out.append(rule)
            continue
        hits = [g for g in groups if pattern.search(_concrete(g.code, g.enhanced, g.text))]
        hits.sort(key=lambda g: -g.count)
        out.append(rule.model_copy(update={"responses": [
            RuleResponses(text=f"{g.code or ''} {g.enhanced} {g.text}".strip(), count=g.count)
            for g in hits[:RESPONSES_PER_RULE]]}))
    return out, None


# The tally groups texts with their variable parts replaced (REFERENCE 4.3 line form);
# a rule's regex expects real values there, so each placeholder gets a sample one back.
_SAMPLES = {"<ip>": "192.0.2.1", "<n>": "1", "<email>": "user@example.com",
            "<host>": "mx.example.com", "<id>": "0a1b2c3d", "<time>": "12:00:00"}


def _concrete(code: int | None, enhanced: str, text: str) -> str:
    line = f"{code or ''} {enhanced} {text}".strip()
    for placeholder, sample in _SAMPLES.items():
        line = line.replace(placeholder, sample)
    return line


def _pattern(rule: str) -> re.Pattern[str] | None:
    """The rule's regex, or None if unreadable.

    tsa-daemon writes a rule with several regexes as ``(r1,r2,...)`` (REFERENCE 5.3):
    that is split at its top-level commas (a comma followed by a space is prose inside
    one regex, not a separator) and the pieces are tried as alternatives.
    """
    pieces = _alternatives(rule)
    try:
        return re.compile("|".join(f"(?:{compile_fancy(p).pattern})" for p in pieces))
    except (UntranslatableRegex, re.error):
        return None


def _alternatives(rule: str) -> list[str]:
    if not (rule.startswith("(") and rule.endswith(")")):
        return [rule]
    pieces: list[str] = []
    depth, start, escaped = 0, 1, False
    body = rule[:-1]
    for i, char in enumerate(body[1:], start=1):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "," and depth == 0 and not body[i + 1 : i + 2].isspace():
            pieces.append(body[start:i])
            start = i + 1
    pieces.append(body[start:])
    return pieces if len(pieces) > 1 else [rule]
