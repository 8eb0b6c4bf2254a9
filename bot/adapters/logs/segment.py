"""One kumod log segment, decompressed as a stream of complete lines (REFERENCE 4.5, 4.6).

A segment is a zstd stream of JSON Lines.  A read-only segment is complete; the
writable one is live and readable only as far as kumod flushed it.  We decompress
with ``decompressobj`` fed from fixed-size reads: ``stream_reader().read(n)`` stops
short of the last flushed block of a live segment, ``decompressobj`` returns all of
it (checked on the simulator's live segments, zstandard 0.25).

What cannot be read is skipped and counted, never raised:

* a read-only segment whose frame never ends, or ends inside a line: ``truncated``;
* zstd data that does not decode (a corrupt frame, a file that is not zstd):
  ``corrupt`` -- the lines decoded before the damage are kept;
* the live segment's unfinished last line is not damage: it is simply not there yet.

Memory is bounded by ``READ_SIZE`` times the compression ratio, plus one line.
"""

from __future__ import annotations

import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import zstandard

from bot.core.logscan import ProblemKind

READ_SIZE = 1 << 16  # compressed bytes per read: about 1 MB of text, kept in cache
MAX_LINE = 16 << 20  # a "line" longer than this is damage, not a record


@dataclass
class SegmentDamage:
    """What went wrong reading one segment (at most one kind of stream damage)."""

    kind: ProblemKind | None = None
    detail: str = ""
    long_lines: int = 0


@dataclass
class SegmentReader:
    """Reads one segment file as blocks of complete lines.

    ``on_read`` is told the compressed bytes read, for progress.
    """

    path: Path
    live: bool
    on_read: Callable[[int], None] | None = None
    damage: SegmentDamage = field(default_factory=SegmentDamage)
    decoded: int = 0

    def blocks(self) -> Iterator[tuple[bytes, int, int]]:
        """Complete lines of the segment: ``(buffer, start, end)`` with ``buffer[start:end]``
        whole lines, each ending in ``\\n``.

        A decompressed block is never copied: only the line that straddles two blocks
        is joined, and yielded on its own.
        """
        carry = b""
        dropping = False  # inside an over-long line: discard up to the next newline
        for out in self._decompressed():
            self.decoded += len(out)
            start = 0
            if dropping or carry:
                first = out.find(b"\n")
                if first < 0:
                    if not dropping:
                        carry += out
                        dropping = self._too_long(carry)
                        carry = b"" if dropping else carry
                    continue
                if not dropping:
                    joined = carry + out[: first + 1]
                    yield joined, 0, len(joined)
                carry, dropping, start = b"", False, first + 1
            end = out.rfind(b"\n") + 1
            if end > start:
                yield out, start, end
            else:
                end = start
            carry = out[end:]
            if self._too_long(carry):
                carry, dropping = b"", True
        if carry and not self.live and self.damage.kind is None:
            self.damage.kind = "truncated"
            self.damage.detail = "the last line is cut short"

    def _too_long(self, carry: bytes) -> bool:
        if len(carry) <= MAX_LINE:
            return False
        self.damage.long_lines += 1
        return True

    def _decompressed(self) -> Iterator[bytes]:
        decompressor = zstandard.ZstdDecompressor()
        obj = decompressor.decompressobj()
        in_frame = False  # True once the current frame has been fed some bytes
        with self.path.open("rb") as fh:
            while raw := fh.read(READ_SIZE):
                if self.on_read is not None:
                    self.on_read(len(raw))
                while raw:
                    try:
                        out = obj.decompress(raw)
                    except zstandard.ZstdError as exc:
                        self.damage.kind, self.damage.detail = "corrupt", str(exc)
                        return
                    in_frame = True
                    if out:
                        yield out
                    # kumod writes one frame per segment, but concatenated frames are
                    # valid zstd: carry on with a fresh decompressor after each end.
                    raw = obj.unused_data if obj.eof else b""
                    if obj.eof:
                        obj, in_frame = decompressor.decompressobj(), False
        if in_frame and not self.live:
            self.damage.kind = "truncated"
            self.damage.detail = "the zstd frame has no end (was the writer killed?)"


def is_live(mode: int) -> bool:
    """A segment with any write bit set is still being written (REFERENCE 4.5)."""
    return bool(mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
