"""What a question to the delivery logs asks for (DESIGN 4, "for logs").

A ``LogQuery`` is the whole filter: the recipient domain (or, with ``--site``, every
domain on that domain's site), record types, egress sources, the first digit of the
code, a time window and the nodes.  Any ``LogReader`` answers it the same way; the
zstd reader uses the cheap hints here (``domain``, ``types``) to skip lines before
decoding them, and ``matches`` for the final word on each record.

KumoMTA's own responses (``KumoMTA internal: ...``) are never a match on their own
account: readers count them apart, and return them only when ``internal`` is set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.logrecords import LogRecord, recipient_domain

SiteOf = Callable[[str], str | None]
"""The site name of a recipient domain (DESIGN 4), None when it cannot be resolved."""


@dataclass(frozen=True)
class LogQuery:
    """One question to the delivery logs; ``None`` in a filter means "any"."""

    domain: str
    site: str | None = None  # --site: every recipient domain whose site is this one
    site_of: SiteOf | None = field(default=None, compare=False, repr=False)
    types: frozenset[str] | None = None
    sources: frozenset[str] | None = None
    code_class: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    nodes: tuple[str, ...] | None = None
    internal: bool = False  # return KumoMTA's own responses too (they are always counted)
    # Domain -> in scope, so a site is resolved once per domain per scan, not per record.
    _domain_cache: dict[str, bool] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_domain_cache", {})  # frozen, but the cache is scratch

    @property
    def widened(self) -> bool:
        """True when the scope is the whole site (``--site``), not the domain alone."""
        return self.site is not None

    def domain_in_scope(self, domain: str) -> bool:
        """True when mail to ``domain`` is in scope: the domain itself, or its site."""
        found = self._domain_cache.get(domain)
        if found is None:
            found = domain == self.domain
            if not found and self.site is not None and self.site_of is not None:
                found = self.site_of(domain) == self.site
            if len(self._domain_cache) < 100_000:  # bounded: memory stays flat
                self._domain_cache[domain] = found
        return found

    def recipient_in_scope(self, record: LogRecord) -> bool:
        """True when any recipient of the record (one or many) is in scope."""
        return any(self.domain_in_scope(recipient_domain(r)) for r in record.recipients)

    def in_window(self, at: datetime | None) -> bool:
        """True when a record's time is inside ``[since, until)``; timeless records only
        when no window was asked for (they cannot be placed in one)."""
        if at is None:
            return self.since is None and self.until is None
        if self.since is not None and at < self.since:
            return False
        return self.until is None or at < self.until

    def matches(self, record: LogRecord) -> bool:
        """Every filter but the internal one (readers count internal records apart)."""
        if self.types is not None and record.type not in self.types:
            return False
        if self.sources is not None and record.egress_source not in self.sources:
            return False
        if self.code_class is not None and record.code_class != self.code_class:
            return False
        return self.in_window(record.at) and self.recipient_in_scope(record)

    def describe(self) -> str:
        """The filters in words (nodes aside), for an answer: ``TransientFailure · 4xx``."""
        parts = []
        if self.types is not None:
            parts.append(" or ".join(sorted(self.types)))
        if self.sources is not None:
            parts.append("source " + ", ".join(sorted(self.sources)))
        if self.code_class is not None:
            parts.append(f"{self.code_class}xx")
        return " · ".join(parts)
