"""Reading the guard file: the packaged defaults, and the operator's ``KUMO_GUARD_FILE``.

The parsing and the strict checks are in ``bot.core.guard_file``; this adapter only
reads the two files.  A file that cannot be read is a ``ConfigError`` naming it, so
the bot refuses to start on it rather than judging by thresholds nobody chose.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from bot.core.errors import ConfigError
from bot.core.guard_file import GuardFile, parse_guard_file

PACKAGED_GUARD = "guard.toml"


def read_packaged_guard() -> tuple[str, str]:
    """The built-in defaults: ``(name, text)``."""
    text = (resources.files("bot") / "data" / PACKAGED_GUARD).read_text(encoding="utf-8")
    return f"bot/data/{PACKAGED_GUARD}", text


def load_guard_file(path: Path | None) -> GuardFile:
    """The built-in thresholds, with the operator's file (when given) laid over them."""
    name, defaults = read_packaged_guard()
    if path is None:
        return parse_guard_file(defaults, defaults_name=name)
    try:
        override = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"KUMO_GUARD_FILE: cannot read {path}: {type(exc).__name__}: {exc}",
                          hint="Point KUMO_GUARD_FILE at a readable TOML file, or unset it "
                          "to use the built-in thresholds.") from None
    return parse_guard_file(defaults, defaults_name=name, override=override,
                            override_name=str(path))
