"""The ``DnsLookup`` port: dnspython in production, a fixture file in tests and the demo.

Every answer is a ``DnsAnswer``: records with their TTL, NXDOMAIN / no data, or a
timeout / server failure (which the checks report as "could not check").
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import dns.exception
import dns.resolver

from bot.core.dns_checks import DnsAnswer
from bot.core.errors import ConfigError

_TYPES = ("A", "AAAA", "TXT", "MX")


class DnsPythonLookup:
    """DNS questions through the system's resolvers, with a short timeout."""

    def __init__(self, *, timeout: float = 3.0) -> None:
        self._resolver = dns.resolver.Resolver()
        self._resolver.lifetime = timeout

    def lookup(self, name: str, rtype: str) -> DnsAnswer:
        """The records of ``name`` of type ``rtype``, or why there are none."""
        try:
            answer = self._resolver.resolve(name, rtype)
        except dns.resolver.NXDOMAIN:
            return DnsAnswer(name=name, rtype=rtype, status="nxdomain")
        except dns.resolver.NoAnswer:
            return DnsAnswer(name=name, rtype=rtype, status="nodata")
        except dns.exception.Timeout:
            return DnsAnswer(name=name, rtype=rtype, status="timeout",
                             detail="no answer within the timeout")
        except (dns.resolver.NoNameservers, dns.exception.DNSException) as exc:
            return DnsAnswer(name=name, rtype=rtype, status="error",
                             detail=type(exc).__name__)
        records = tuple(_text(r, rtype) for r in answer)
        ttl = answer.rrset.ttl if answer.rrset is not None else None
        return DnsAnswer(name=name, rtype=rtype, status="ok", records=records, ttl=ttl)


def _text(record: object, rtype: str) -> str:
    if rtype == "TXT":
        strings = getattr(record, "strings", ())
        return "".join(s.decode("utf-8", "replace") for s in strings)
    return str(record)


class FixtureDns:
    """DNS answers from a TOML file: ``["name"]`` tables with ``A``/``TXT``/... lists,
    an optional ``ttl``, or ``timeout = true``; any other name is NXDOMAIN."""

    def __init__(self, path: Path) -> None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"DNS fixture {path}: cannot read it: {exc}") from None
        self._names: dict[str, dict[str, object]] = {}
        for name, entry in data.items():
            if not isinstance(entry, dict):
                raise ConfigError(f"DNS fixture {path}: {name!r} must be a table")
            self._names[name.lower().rstrip(".")] = entry

    def lookup(self, name: str, rtype: str) -> DnsAnswer:
        """The fixture's answer for ``name``/``rtype``."""
        entry = self._names.get(name.lower().rstrip("."))
        if entry is None:
            return DnsAnswer(name=name, rtype=rtype, status="nxdomain")
        if entry.get("timeout") is True:
            return DnsAnswer(name=name, rtype=rtype, status="timeout",
                             detail="no answer within the timeout")
        records = entry.get(rtype.upper())
        if not isinstance(records, list) or not records:
            return DnsAnswer(name=name, rtype=rtype, status="nodata")
        ttl = entry.get("ttl")
        return DnsAnswer(name=name, rtype=rtype, status="ok",
                         records=tuple(str(r) for r in records),
                         ttl=int(ttl) if isinstance(ttl, int) else 300)
