"""Cheap pre-filtering of raw log lines, before any JSON is decoded.

Decoding every line of gigabytes of logs would be the whole cost of a scan, and most
lines cannot match: another domain, or a Delivery when deferrals are asked for.  So
a ``LineFilter`` finds candidate lines with C-speed regex searches:

* when types are asked for, the starts of lines of those types (``{"type":"Bounce"``),
  then the recipient domain (``@yahoo.com"``, any case) within each such line;
* otherwise the recipient domain, then the line around it.

Both only ever *drop* lines that cannot match; every line they keep is decoded and
judged by ``LogQuery.matches``, so a false candidate costs time, never a wrong answer.
kumod (serde) writes ``type`` first; a block whose first line does not start that
way is searched by domain alone, and a line written without ``type`` first is kept.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator

_TYPE_PREFIX = b'{"type":"'


def domain_forms(domain: str) -> set[str]:
    """The ways a domain can appear in a recipient: ASCII (punycode) and Unicode."""
    forms = {domain}
    if "xn--" in domain:
        # Not valid punycode: then the ASCII form is all there is.
        with contextlib.suppress(UnicodeError):
            forms.add(domain.encode("ascii").decode("idna"))
    return forms


def recipient_pattern(domains: Iterable[str]) -> re.Pattern[bytes]:
    """``@(yahoo\\.com)\\.?"`` in any case: the end of a JSON string holding the address."""
    escaped = sorted(re.escape(form.encode()) for d in domains for form in domain_forms(d))
    return re.compile(rb"@(?:" + b"|".join(escaped) + rb')\.?"', re.IGNORECASE)


class LineFilter:
    """Candidate lines of a block: in the domain (when known) and of a wanted type."""

    def __init__(self, pattern: re.Pattern[bytes] | None, types: Iterable[str] | None) -> None:
        self.pattern = pattern
        self.types = None if types is None else frozenset(t.encode() for t in types)
        self.typed = None
        if self.types:
            names = b"|".join(re.escape(t) for t in sorted(self.types))
            self.typed = re.compile(re.escape(_TYPE_PREFIX) + b"(?:" + names + b')"')

    def candidates(self, buf: bytes, begin: int, end: int) -> Iterator[bytes]:
        """The lines of ``buf[begin:end]`` (whole lines) that may match, without newlines."""
        if self.typed is not None and buf.startswith(_TYPE_PREFIX, begin):
            yield from self._typed_lines(buf, begin, end)
            return
        if self.pattern is None:
            yield from self._every_line(buf, begin, end)
            return
        # The hot loop of every scan: locals, no calls but C methods.
        search, rfind, find, startswith = self.pattern.search, buf.rfind, buf.find, buf.startswith
        types, head_len = self.types, len(_TYPE_PREFIX)
        pos = begin
        while (hit := search(buf, pos, end)) is not None:
            at = hit.start()
            start = rfind(b"\n", begin, at) + 1 or begin
            stop = find(b"\n", at, end)
            pos = stop + 1  # one hit per line: the queue name often repeats the domain
            if types is not None and startswith(_TYPE_PREFIX, start):
                close = find(b'"', start + head_len, stop)
                if close >= 0 and buf[start + head_len : close] not in types:
                    continue
            yield buf[start:stop]

    def _typed_lines(self, buf: bytes, begin: int, end: int) -> Iterator[bytes]:
        assert self.typed is not None
        search, find = self.typed.search, buf.find
        domain = self.pattern.search if self.pattern is not None else None
        pos = begin
        while (hit := search(buf, pos, end)) is not None:
            at = hit.start()
            if at != begin and buf[at - 1] != 0x0A:  # a nested object, not a line start
                pos = at + 1
                continue
            stop = find(b"\n", hit.end(), end)
            pos = stop + 1
            if domain is None or domain(buf, hit.end(), stop) is not None:
                yield buf[at:stop]

    def _every_line(self, buf: bytes, begin: int, end: int) -> Iterator[bytes]:
        types, head_len = self.types, len(_TYPE_PREFIX)
        find, startswith = buf.find, buf.startswith
        pos = begin
        while pos < end:
            stop = find(b"\n", pos, end)
            start, pos = pos, stop + 1
            if stop == start:
                continue
            if types is not None and startswith(_TYPE_PREFIX, start):
                close = find(b'"', start + head_len, stop)
                if close >= 0 and buf[start + head_len : close] not in types:
                    continue
            yield buf[start:stop]
