"""Reading rule files: the shaping files TSA runs, and the classifier's packaged rules.

``ShapingFiles`` reads ``KUMO_SHAPING_FILES`` in load order, local paths and
``http(s)://`` URLs alike, as kumod does (REFERENCE 5.6): a URL that fails is
reported and treated as empty (kumod's ``remote_load`` default ignores it), a local
file that cannot be read is reported too (kumod refuses to start on it); the core
decides what that means for the answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import httpx

from bot.core.shaping_files import ShapingText

RESPONSE_RULES = "response_rules.toml"


def display_name(location: str) -> str:
    """A short name for answers: the file name, or the URL as given."""
    if location.startswith(("http://", "https://")):
        return location
    return Path(location).name or location


class ShapingFiles:
    """The configured shaping sources, read on each call (the caller caches)."""

    def __init__(self, locations: Sequence[str], *, timeout: float = 5.0) -> None:
        self.locations = tuple(locations)
        self.timeout = timeout

    def texts(self) -> list[ShapingText]:
        """Every source as text, in load order; failures carry their reason."""
        return [self._read(location) for location in self.locations]

    def _read(self, location: str) -> ShapingText:
        name = display_name(location)
        if location.startswith(("http://", "https://")):
            try:
                response = httpx.get(location, timeout=self.timeout, follow_redirects=True)
                response.raise_for_status()
            except httpx.HTTPError as exc:
                return ShapingText(name=name, text=None, remote=True,
                                   problem=f"{type(exc).__name__}: {exc}")
            return ShapingText(name=name, text=response.text, remote=True)
        try:
            return ShapingText(name=name, text=Path(location).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            return ShapingText(name=name, text=None, problem=f"{type(exc).__name__}: {exc}")


def read_response_rules() -> tuple[str, str]:
    """The packaged classifier rules: ``(name, text)``."""
    text = (resources.files("bot") / "data" / RESPONSE_RULES).read_text(encoding="utf-8")
    return f"bot/data/{RESPONSE_RULES}", text
