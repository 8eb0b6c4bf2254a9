"""When the replies point at a standing suspect: a blocklist, or broken authentication.

Receivers say so in words and codes: "blocked using Spamhaus", "listed", "blocklist";
``5.7.26`` (unauthenticated: SPF and DKIM both failed), ``5.7.27`` (SPF failed under
DMARC / sender address has null MX), ``5.7.25`` (no PTR), or the words SPF, DKIM or
DMARC in a rejection.  KumoMTA's own replies never count.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.diagnosis_model import ExplainedGroup

_BLOCKLIST = re.compile(r"spamhaus|spamcop|barracuda|block ?list|black ?list|\bdnsbl\b|"
                        r"\brbl\b|listed (?:at|on|in|by)", re.IGNORECASE)
_AUTH_CODES = frozenset({"5.7.26", "5.7.27", "5.7.25", "5.7.23", "4.7.26", "4.7.27"})
_AUTH_WORDS = re.compile(r"\b(?:spf|dkim|dmarc)\b|unauthenticated", re.IGNORECASE)


@dataclass(frozen=True)
class Suspects:
    """Which standing suspects the replies point at, and the replies that do."""

    blocklist: tuple[ExplainedGroup, ...] = ()
    auth: tuple[ExplainedGroup, ...] = ()


def suspects_in(groups: Sequence[ExplainedGroup]) -> Suspects:
    """The reply groups that point at a blocklist or at authentication."""
    blocklist = tuple(g for g in groups if not g.group.internal
                      and _BLOCKLIST.search(g.group.text))
    auth = tuple(g for g in groups if not g.group.internal
                 and (g.group.enhanced in _AUTH_CODES or _AUTH_WORDS.search(g.group.text)))
    return Suspects(blocklist=blocklist, auth=auth)
