"""``auth DOMAIN`` and ``blocklists [NODE|IP]``: the standing suspects, checked in DNS.

Both are building blocks: ``auth_checks`` and ``blocklist_listings`` take the DNS
port and return core values, so a playbook's check step can call them directly.
Blocklist answers are cached for their TTL (a listing changes slowly, and DNSBLs
refuse resolvers that ask too often); the cache is per process, on the Clock.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.core.answers_dns import AuthAnswer, BlocklistsAnswer
from bot.core.auth_checks import Check, check_dkim, check_dmarc, check_spf, overall
from bot.core.blocklists import DOMAIN_ZONES, Listing, is_ip, query_name, read_listing
from bot.core.commands import Auth, Blocklists
from bot.core.dns_checks import DnsAnswer
from bot.core.errors import ConfigError, UserInputError
from bot.ports import Clock, DnsLookup
from bot.use_cases.egress_ips import egress_ips

if TYPE_CHECKING:
    from bot.services import Services

MIN_TTL = timedelta(minutes=5)


def _dns(svc: Services) -> DnsLookup:
    dns = svc.dns
    if dns is None:
        raise ConfigError("This bot was started without a DNS lookup, so it cannot check DNS.",
                          hint="Start it through kumo-bot (bootstrap builds one).")
    return dns


def auth_checks(dns: DnsLookup, domain: str, selectors: tuple[str, ...]) -> list[Check]:
    """SPF, DKIM (the given selectors) and DMARC of ``domain``: a playbook building block."""
    return [check_spf(domain, dns.lookup), check_dkim(domain, selectors, dns.lookup),
            check_dmarc(domain, dns.lookup)]


def auth_answer(svc: Services, cmd: Auth, base: dict[str, Any]) -> AuthAnswer:
    """SPF, DKIM and DMARC of a sending domain, each with a plain verdict."""
    selectors = svc.config.dkim_selectors.get(cmd.domain, ())
    checks = auth_checks(_dns(svc), cmd.domain, selectors)
    return AuthAnswer(domain=cmd.domain, verdict=overall(checks), checks=checks, **base)


class BlocklistCache:
    """Blocklist answers kept for their TTL (at least five minutes), on the Clock."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._answers: dict[str, tuple[datetime, DnsAnswer]] = {}

    def lookup(self, dns: DnsLookup, name: str) -> DnsAnswer:
        """The A answer for ``name``, from the cache while it is fresh."""
        now = self.clock.now()
        with self._lock:
            held = self._answers.get(name)
            if held is not None and held[0] > now:
                return held[1]
        answer = dns.lookup(name, "A")
        if not answer.unknown:  # a timeout is asked again next time
            keep = max(timedelta(seconds=answer.ttl or 0), MIN_TTL)
            with self._lock:
                self._answers[name] = (now + keep, answer)
        return answer


def blocklist_listings(dns: DnsLookup, cache: BlocklistCache, ips: Sequence[str],
                       zones: Sequence[str]) -> list[Listing]:
    """Each IP against each IP zone: a playbook building block."""
    return [read_listing(ip, zone, cache.lookup(dns, query_name(ip, zone)))
            for ip in ips for zone in zones if zone not in DOMAIN_ZONES]


def blocklists_answer(svc: Services, cmd: Blocklists, base: dict[str, Any]
                      ) -> BlocklistsAnswer:
    """The egress IPs of the park (or one node, or one IP) against the DNS blocklists."""
    dns = _dns(svc)
    zones = list(svc.config.dnsbl_zones)
    target = cmd.target
    notes: list[str] = []
    if target is not None and is_ip(target):
        ips = {"given": [target]}
    else:
        if target is not None and target not in svc.park.node_names:
            raise UserInputError(
                f"`{target[:60]}` is neither an IP address nor a node of the park.",
                hint="Known nodes: " + ", ".join(svc.park.node_names))
        ips = egress_ips(svc, [target] if target else None)
        if not any(ips.values()):
            notes.append("No egress IP seen in the recent delivery logs: give one, "
                         "`/kumo blocklists 203.0.113.11`.")
    cache = getattr(svc, "blocklist_cache", None) or BlocklistCache(svc.clock)
    unique = sorted({ip for found in ips.values() for ip in found})
    return BlocklistsAnswer(
        target=target or "every node", ips=ips,
        listings=blocklist_listings(dns, cache, unique, zones),
        skipped_zones=tuple(z for z in zones if z in DOMAIN_ZONES), notes=tuple(notes),
        **base)
