"""``blocklists``: egress IPs against DNS blocklists, with what a listing means.

A DNSBL is asked for ``<reversed IP>.<zone>`` (A); an answer in 127.0.0.0/8 means
listed, and the address says why.  Spamhaus answers 127.255.255.x when it refuses
the query (a public resolver, too many queries): that is "could not check", never
"not listed".  Domain lists (``dbl.spamhaus.org``) list domains, not IPs; they are
skipped for IPs and said so.
"""

from __future__ import annotations

import ipaddress

from bot.core.dns_checks import DnsAnswer, Verdict
from bot.core.models import Model

DOMAIN_ZONES = frozenset({"dbl.spamhaus.org", "zrd.spamhaus.org", "multi.surbl.org",
                          "multi.uribl.com"})
_MEANINGS = {
    "zen.spamhaus.org": {
        "127.0.0.2": "SBL: a known spam source or spam operation",
        "127.0.0.3": "SBL CSS: a snowshoe / low-reputation sending IP",
        "127.0.0.4": "XBL: a compromised or infected host (CBL)",
        "127.0.0.5": "XBL: a compromised or infected host",
        "127.0.0.6": "XBL: a compromised or infected host",
        "127.0.0.7": "XBL: a compromised or infected host",
        "127.0.0.9": "DROP: a hijacked or criminal netblock",
        "127.0.0.10": "PBL: the ISP says this range should not send direct mail",
        "127.0.0.11": "PBL: Spamhaus says this range should not send direct mail",
    },
    "b.barracudacentral.org": {"127.0.0.2": "Barracuda reputation: a poor sending history"},
    "bl.spamcop.net": {"127.0.0.2": "SpamCop: spam reported by recipients recently"},
}
_REFUSED = {
    "127.255.255.252": "the zone name is misspelled",
    "127.255.255.254": "queries through a public or open resolver are refused",
    "127.255.255.255": "too many queries: the free service limit is exceeded",
}
_DELIST = {
    "spamhaus.org": "https://check.spamhaus.org/",
    "barracudacentral.org": "https://www.barracudacentral.org/rbl/removal-request",
    "spamcop.net": "https://www.spamcop.net/bl.shtml",
}


class Listing(Model):
    """One IP against one zone."""

    ip: str
    zone: str
    verdict: Verdict  # ok = not listed, problem = listed
    codes: tuple[str, ...] = ()
    meanings: tuple[str, ...] = ()
    delist: str | None = None
    ttl: int | None = None
    detail: str = ""


def query_name(ip: str, zone: str) -> str:
    """``203.0.113.11`` in ``zen.spamhaus.org`` -> ``11.113.0.203.zen.spamhaus.org``."""
    address = ipaddress.ip_address(ip)
    return f"{address.reverse_pointer.rsplit('.', 2)[0]}.{zone}"


def delisting_page(zone: str) -> str | None:
    """Where to ask for removal from ``zone``, when known."""
    return next((url for suffix, url in _DELIST.items() if zone.endswith(suffix)), None)


def read_listing(ip: str, zone: str, answer: DnsAnswer) -> Listing:
    """What the zone's answer says about ``ip``."""
    if answer.unknown:
        return Listing(ip=ip, zone=zone, verdict="could not check",
                       detail=f"DNS did not answer ({answer.status})")
    if answer.absent:
        return Listing(ip=ip, zone=zone, verdict="ok", ttl=answer.ttl, detail="not listed")
    refused = [_REFUSED[c] for c in answer.records if c in _REFUSED]
    if refused:
        return Listing(ip=ip, zone=zone, verdict="could not check", codes=answer.records,
                       detail="the blocklist refused the query: " + "; ".join(refused))
    meanings = _MEANINGS.get(zone, {})
    return Listing(
        ip=ip, zone=zone, verdict="problem", codes=answer.records, ttl=answer.ttl,
        meanings=tuple(meanings.get(c, f"listed (return code {c})") for c in answer.records),
        delist=delisting_page(zone), detail="listed",
    )


def is_ip(text: str) -> bool:
    """Whether ``text`` is an IPv4 or IPv6 address."""
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
