"""Answers about what the park holds: queues, providers, holds, TSA."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from bot.core.answers import AnswerBase
from bot.core.bot_holds import BotHoldInfo
from bot.core.holds import Hold
from bot.core.summary_provider import ProviderSummary
from bot.core.summary_queue import ParkQueueSummary
from bot.core.tsa_origin import TsaOrigin


class QueueAnswer(AnswerBase):
    """``queue [DOMAIN]``: kcli queue-summary per node and in total, holds, TSA throttles."""

    kind: Literal["queue"] = "queue"
    domain: str | None = None
    scope_sentence: str | None = None
    summary: ParkQueueSummary
    kcli_text: str = Field(description="kcli's two tables for the park total, byte for byte")
    throttles: list[str] = Field(default_factory=list)
    tsa_origins: dict[str, TsaOrigin] = Field(default_factory=dict)
    """The shaping rule behind each TSA hold marker, by hold id."""


class ProvidersAnswer(AnswerBase):
    """``providers``: kcli provider-summary per node and in total."""

    kind: Literal["providers"] = "providers"
    summary: ProviderSummary
    per_node: dict[str, ProviderSummary] = Field(default_factory=dict)


class HoldsAnswer(AnswerBase):
    """``holds [DOMAIN]``: every suspension and bounce with its origin and time left."""

    kind: Literal["holds"] = "holds"
    domain: str | None = None
    site: str | None = None
    holds: list[Hold] = Field(default_factory=list)
    tsa_origins: dict[str, TsaOrigin] = Field(default_factory=dict)
    """The shaping rule behind each TSA hold, by hold id."""
    bot_holds: dict[str, BotHoldInfo] = Field(default_factory=dict)
    """The bot's own holds, by hold id, from its SQL record (who asked, approved, why)."""


class TsaAnswer(AnswerBase):
    """``tsa [DOMAIN]``: what the automation holds now."""

    kind: Literal["tsa"] = "tsa"
    domain: str | None = None
    holds: list[Hold] = Field(default_factory=list)
    throttles: list[str] = Field(default_factory=list)
    tsa_reachable: bool = True
    tsa_origins: dict[str, TsaOrigin] = Field(default_factory=dict)
    """The shaping rule behind each TSA hold, by hold id."""
