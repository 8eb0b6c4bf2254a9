"""The answer of ``who DOMAIN``: who holds the scope's mail, and samples of it."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from bot.core.answers import AnswerBase
from bot.core.who import Holder, Sample


class WhoAnswer(AnswerBase):
    """Tenants and campaigns by messages held in the scope, change, and sampled messages."""

    kind: Literal["who"] = "who"
    domain: str
    scope_sentence: str
    holders: list[Holder]
    window: timedelta | None = None
    """How far back ``change`` looks; None when there is no metric history."""
    samples: list[Sample]
    sample_problems: tuple[str, ...] = ()
