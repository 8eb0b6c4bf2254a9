"""The answer to ``explain "RESPONSE" [--domain D]``."""

from __future__ import annotations

from typing import Literal

from bot.core.answers import AnswerBase
from bot.core.explanation import Explanation


class ExplainAnswer(AnswerBase):
    """A reply classified, with the TSA rules that fire on it and what they do."""

    kind: Literal["explain"] = "explain"
    explanation: Explanation
