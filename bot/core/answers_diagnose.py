"""The answer to ``diagnose DOMAIN``."""

from __future__ import annotations

from typing import Literal

from bot.core.answers import AnswerBase
from bot.core.diagnosis_model import Diagnosis


class DiagnoseAnswer(AnswerBase):
    """The first five minutes: findings ranked, each with evidence, first step and don'ts."""

    kind: Literal["diagnose"] = "diagnose"
    diagnosis: Diagnosis
