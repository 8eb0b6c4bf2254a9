"""``KumoTsaReader``: the ``TsaReader`` port over tsa-daemon's HTTP API (REFERENCE 5.2-5.4)."""

from __future__ import annotations

import httpx
from pydantic import ValidationError

from bot.adapters.kumomta.credentials import Credentials
from bot.adapters.kumomta.gather import gather_named
from bot.adapters.kumomta.overrides import parse_overrides
from bot.adapters.kumomta.wire import RetryPolicy, Wire, validation_summary
from bot.core.models import TsaOverride, TsaSchedQBounce, TsaState, TsaSuspensions

STATUS = "/tsa/status"
SUSPENDED = "/get_suspension_v1/suspended.json"
BOUNCED = "/get_bounce_v1/bounced.json"
SHAPING = "/get_config_v1/shaping.toml"


class KumoTsaReader:
    """Read-only questions to one tsa-daemon."""

    def __init__(
        self,
        name: str,
        base_url: str,
        client: httpx.AsyncClient,
        *,
        credentials: Credentials | None = None,
        retry: RetryPolicy | None = None,
        deadline: float | None = None,
    ) -> None:
        """``deadline`` is a ``time.monotonic()`` instant retries must not sleep past."""
        self.name = name
        self._wire = Wire(
            name, base_url, client, credentials=credentials, retry=retry, deadline=deadline
        )

    def __repr__(self) -> str:
        return f"KumoTsaReader({self.name!r}, {self._wire.display!r})"

    async def status(self) -> str:
        """``/tsa/status``: ``TSA Daemon OK`` when it is up."""
        return (await self._wire.get_text(STATUS)).strip()

    async def state(self) -> TsaState:
        """Suspensions, bounces and config overrides TSA holds now (three reads at once)."""
        suspensions, bounces, overrides = await gather_named(
            self.suspensions(), self.bounces(), self.overrides()
        )
        return TsaState(suspensions=suspensions, bounces=bounces, overrides=overrides)

    async def suspensions(self) -> TsaSuspensions:
        """``/get_suspension_v1/suspended.json``: ready-queue and scheduled-queue suspensions."""
        body = await self._wire.get_json(SUSPENDED)
        try:
            return TsaSuspensions.model_validate(body)
        except ValidationError as exc:
            raise self._wire.bad_answer(SUSPENDED, validation_summary(exc)) from exc

    async def bounces(self) -> list[TsaSchedQBounce]:
        """``/get_bounce_v1/bounced.json``: the bounce actions TSA holds."""
        body = await self._wire.get_json(BOUNCED)
        if not isinstance(body, list):
            raise self._wire.bad_answer(BOUNCED, "expected a JSON array")
        try:
            return [TsaSchedQBounce.model_validate(entry) for entry in body]
        except ValidationError as exc:
            raise self._wire.bad_answer(BOUNCED, validation_summary(exc)) from exc

    async def overrides(self) -> list[TsaOverride]:
        """``/get_config_v1/shaping.toml``: the shaping options TSA set, with reason and expiry."""
        text = await self._wire.get_text(SHAPING)
        try:
            return parse_overrides(text)
        except ValueError as exc:
            raise self._wire.bad_answer(SHAPING, str(exc)) from exc

