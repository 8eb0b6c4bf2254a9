"""Reading Web API arguments the way Slack does, whatever encoding the SDK chose.

slack_sdk sends ``chat.*`` and ``views.*`` as JSON (real booleans, lists) and the
other methods form-encoded (strings, ``"1"``/``"0"`` for booleans, JSON-encoded
lists). ``Params`` hides that difference from the method implementations.
"""

from __future__ import annotations

import json
from typing import Any

from bot.adapters.slack.emulator_model import EmulatorEvent, JsonDict
from bot.adapters.slack.emulator_state import ApiError

ApiOutcome = tuple[JsonDict, list[EmulatorEvent]]
"""What a method returns: the JSON body (without ``ok``) and the visible changes."""

_TRUE = {"1", "true", "yes", "on"}


class Params:
    """Typed access to one request's arguments; missing required ones raise Slack's errors."""

    def __init__(self, values: JsonDict) -> None:
        self.values = values

    def opt_text(self, key: str) -> str | None:
        """The argument as text, or None when absent or empty."""
        value = self.values.get(key)
        if value is None or value == "":
            return None
        return value if isinstance(value, str) else str(value)

    def text(self, key: str, *, error: str = "invalid_arguments") -> str:
        """A required text argument."""
        value = self.opt_text(key)
        if value is None:
            missing = f"missing required field: {key}"
            raise ApiError(error, response_metadata={"messages": [missing]})
        return value

    def flag(self, key: str, *, default: bool = False) -> bool:
        """A boolean sent as JSON ``true`` or as form ``"1"``/``"true"``."""
        value = self.values.get(key)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in _TRUE

    def integer(self, key: str) -> int | None:
        """An integer argument, or None when absent; ``invalid_arguments`` when not a number."""
        value = self.values.get(key)
        if value is None or value == "":
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ApiError("invalid_arguments") from None

    def has(self, key: str) -> bool:
        """True when the caller sent this argument at all (even empty)."""
        return key in self.values and self.values[key] is not None

    def json_value(self, key: str) -> Any:
        """A structured argument: given as-is in JSON bodies, JSON-encoded in forms."""
        value = self.values.get(key)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                raise ApiError("invalid_arguments") from None
        return value

    def blocks(self) -> list[JsonDict] | None:
        """The ``blocks`` argument, or None when absent."""
        value = self.json_value("blocks")
        if value is None:
            return None
        if not isinstance(value, list):
            raise ApiError("invalid_blocks_format")
        return value

    def mapping(self, key: str) -> JsonDict:
        """A required object argument (``view``)."""
        value = self.json_value(key)
        if not isinstance(value, dict):
            raise ApiError("invalid_arguments", response_metadata={"messages": [f"{key}"]})
        return value

    def csv(self, key: str) -> list[str]:
        """A comma-separated list (``users``, ``channels``)."""
        raw = self.opt_text(key) or ""
        return [item.strip() for item in raw.split(",") if item.strip()]
