"""Delivery log segments written the way kumod writes them (REFERENCE §4.5).

Each segment is one zstd stream of JSON Lines, named by its UTC open time
(`%Y%m%d-%H%M%S%.f`). A segment is closed after `max_segment_duration` of
simulated time; closing finishes the zstd frame and removes the write bits,
which tells readers the file is complete. The open segment is flushed at the
end of every simulated minute so that a reader sees everything up to then.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any, BinaryIO

import orjson
import zstandard

from bot.simulator.wire import segment_name


class SegmentLog:
    """The log directory of one simulated kumod."""

    def __init__(self, directory: Path, segment_ns: int) -> None:
        self.directory = directory
        self.segment_ns = segment_ns
        directory.mkdir(parents=True, exist_ok=True)
        self._compressor = zstandard.ZstdCompressor(level=3)
        self._path: Path | None = None
        self._opened_ns = 0
        self._file: BinaryIO | None = None
        self._writer: Any = None
        self.mark_all_read_only()

    @property
    def live_segment(self) -> Path | None:
        return self._path

    def write(self, records: list[tuple[int, dict[str, Any]]]) -> None:
        """Append (event time, record) pairs in time order, rotating segments by event time."""
        for when, record in records:
            if self._writer is None or when >= self._opened_ns + self.segment_ns:
                self._rotate(when)
            self._writer.write(orjson.dumps(record) + b"\n")

    def flush(self) -> None:
        if self._writer is not None:
            self._writer.flush(zstandard.FLUSH_BLOCK)

    def close(self) -> None:
        """Finish the open segment and mark it done (read-only)."""
        if self._writer is None or self._path is None:
            return
        self._writer.close()  # ends the zstd frame (one frame per segment) and the file
        _make_read_only(self._path)
        self._writer = None
        self._file = None
        self._path = None

    def mark_all_read_only(self) -> None:
        """What kumod does at start-up: every existing file but dot-files becomes read-only."""
        for path in self.directory.iterdir():
            if path.is_file() and not path.name.startswith(".") and path != self._path:
                _make_read_only(path)

    def _rotate(self, when_ns: int) -> None:
        self.close()
        path = self.directory / segment_name(when_ns)
        while path.exists():  # two segments opened in the same nanosecond: keep both
            when_ns += 1
            path = self.directory / segment_name(when_ns)
        self._file = path.open("wb")
        self._writer = self._compressor.stream_writer(self._file, closefd=True)
        self._path = path
        self._opened_ns = when_ns


def _make_read_only(path: Path) -> None:
    mode = path.stat().st_mode
    os.chmod(path, mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
