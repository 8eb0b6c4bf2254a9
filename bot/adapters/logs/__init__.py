"""The delivery logs on disk: kumod's zstd JSON Lines segments (REFERENCE 4.5)."""

from bot.adapters.logs.reader import ZstdLogReader

__all__ = ["ZstdLogReader"]
