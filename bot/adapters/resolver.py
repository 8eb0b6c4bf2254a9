"""Site resolvers: MX records from DNS (production) or from a site-map file (demo, tests)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import dns.exception
import dns.resolver

from bot.core.errors import ConfigError, NotFound, UpstreamUnavailable
from bot.core.models import MxRecord


class SiteMapResolver:
    """MX records read from a TOML site map: ``"gmail.com" = [{pref = 5, host = "..."}]``."""

    def __init__(self, path: Path) -> None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"KUMO_SITE_MAP: cannot read {path}: {exc}") from None
        self._map: dict[str, list[MxRecord]] = {}
        for domain, records in data.items():
            if not isinstance(records, list):
                raise ConfigError(f"KUMO_SITE_MAP: {domain!r} must be a list of {{pref, host}}")
            try:
                self._map[domain.lower().rstrip(".")] = [
                    MxRecord(pref=int(r["pref"]), host=str(r["host"])) for r in records
                ]
            except (KeyError, TypeError, ValueError):
                raise ConfigError(
                    f"KUMO_SITE_MAP: {domain!r}: each record needs pref (int) and host"
                ) from None

    def mx_records(self, domain: str) -> list[MxRecord]:
        key = domain.lower().rstrip(".")
        if key not in self._map:
            raise NotFound(
                f"{domain} is not in the site map",
                hint="The site map lists: " + ", ".join(sorted(self._map)[:20]),
            )
        return list(self._map[key])


class DnsResolver:
    """MX records from DNS (dnspython), with a short timeout."""

    def __init__(self, *, timeout: float = 3.0) -> None:
        self._resolver = dns.resolver.Resolver()
        self._resolver.lifetime = timeout

    def mx_records(self, domain: str) -> list[MxRecord]:
        try:
            answer = self._resolver.resolve(domain, "MX")
        except dns.resolver.NXDOMAIN:
            raise NotFound(f"{domain} does not exist in DNS (NXDOMAIN)") from None
        except dns.resolver.NoAnswer:
            return []  # the domain itself is the implicit MX (REFERENCE 0.1a)
        except (dns.exception.Timeout, dns.resolver.NoNameservers) as exc:
            raise UpstreamUnavailable(f"DNS lookup of {domain} MX failed: {exc}") from None
        return [
            MxRecord(pref=int(r.preference), host=r.exchange.to_text())
            for r in answer
        ]
