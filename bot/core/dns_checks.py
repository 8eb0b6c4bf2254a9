"""What a DNS question returned, as the checks need it (``blocklists``, ``auth``).

The ``DnsLookup`` port answers every question with a :class:`DnsAnswer`: records, or
why there are none.  A timeout or a server failure is ``unknown``: the checks turn it
into "could not check", never into a verdict.
"""

from __future__ import annotations

from typing import Literal

from bot.core.models import Model

DnsStatus = Literal["ok", "nxdomain", "nodata", "timeout", "error"]


class DnsAnswer(Model):
    """The records of one name and type, with their TTL, or why there are none."""

    name: str
    rtype: str
    status: DnsStatus
    records: tuple[str, ...] = ()
    ttl: int | None = None
    detail: str = ""

    @property
    def unknown(self) -> bool:
        """True when DNS did not answer (timeout, server failure): nothing can be concluded."""
        return self.status in ("timeout", "error")

    @property
    def absent(self) -> bool:
        """True when DNS answered that there is no such record."""
        return self.status in ("nxdomain", "nodata")


Verdict = Literal["ok", "warning", "problem", "could not check"]
