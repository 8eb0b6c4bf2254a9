"""Site names, built exactly as kumod builds them from MX records (REFERENCE 0.1a).

The site name is the key kumod, TSA and kcli use to group domains that share MX
hosts: every scheduled queue whose destination gives the same site shares one ready
queue per egress source.  It is compared only as an exact string, so we must build
it byte for byte as ``mailexchanger::factor_names`` does, including its oddities.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from bot.core.models import MxRecord

_MAX_LABEL = 63
_MAX_NAME = 255


def has_colon_port(text: str) -> tuple[str, int] | None:
    """dns-resolver ``has_colon_port``: split a trailing ``:PORT`` (a valid u16).

    A label that still contains ``:`` is an IPv6 address, not ``host:port``.
    """
    label, colon, maybe_port = text.rpartition(":")
    if not colon or ":" in label:
        return None
    # Rust's u16 parser takes ASCII digits with an optional leading '+'.
    digits = maybe_port[1:] if maybe_port.startswith("+") else maybe_port
    if not digits or not (digits.isascii() and digits.isdigit()):
        return None
    port = int(digits)
    return (label, port) if port <= 0xFFFF else None


def _labels(name: str) -> list[str] | None:
    """The lower-cased labels of a DNS name without the root, or None if it is invalid.

    kumod parses each host with hickory's relaxed parser and silently skips names
    that fail; we reject what that parser rejects in practice (empty inner labels,
    over-long labels or names).
    """
    if name in ("", "."):
        return []
    body = name[:-1] if name.endswith(".") else name
    labels = body.split(".")
    if any(not label or len(label) > _MAX_LABEL for label in labels):
        return None
    if len(body) + 1 > _MAX_NAME:
        return None
    return [label.lower() for label in labels]


def factor_names(hosts: Sequence[str]) -> str:
    """``mailexchanger::factor_names``: align labels from the TLD, union per position.

    Alternatives keep first-seen order over ``hosts``; a position some host lacks
    gets ``?``; a ``:port`` is glued to the TLD label.  Not a regex: dots are literal.
    """
    split_names: list[list[str]] = []
    for host in hosts:
        cracked = has_colon_port(host)
        name, port = cracked if cracked else (host, None)
        labels = _labels(name)
        if labels is None:
            continue
        if port is not None and labels:
            labels[-1] = f"{labels[-1]}:{port}"
        labels.reverse()
        split_names.append(labels)
    width = max((len(fields) for fields in split_names), default=0)
    elements: list[list[str]] = [[] for _ in range(width)]
    for fields in split_names:
        padded = fields + ["?"] * (width - len(fields))
        for position, field in enumerate(padded):
            if field not in elements[position]:
                elements[position].append(field)
    parts: list[str] = []
    for alternatives in elements:
        has_q = "?" in alternatives
        labels = [label for label in alternatives if label != "?"]
        text = labels[0] if len(labels) == 1 else "(" + "|".join(labels) + ")"
        parts.append(text + "?" if has_q else text)
    return ".".join(reversed(parts))


def _ip_text(literal: str, port: int | None) -> str:
    """Format an address the way Rust's ``IpAddr`` / ``SocketAddr`` Display does."""
    address = ipaddress.ip_address(literal)
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped
        # Rust prints IPv4-mapped IPv6 addresses as ::ffff:a.b.c.d; Python 3.11 does not.
        text = f"::ffff:{mapped}" if mapped else address.compressed
        return f"[{text}]:{port}" if port is not None else text
    return f"{address}:{port}" if port is not None else str(address)


def _literal_site(domain: str) -> str:
    """Site name of a domain literal: ``[192.0.2.10]`` -> ``192.0.2.10`` (no DNS)."""
    cracked = has_colon_port(domain)
    name, port = cracked if cracked else (domain, None)
    if not name.endswith("]"):
        raise ValueError(f"domain_name `{name}` is a malformed literal domain with no trailing `]`")
    literal = name.lower()[1:-1]
    inner = has_colon_port(literal)
    if inner is not None:
        if port is not None:
            raise ValueError(f"invalid address: `{name}` specifies a port twice")
        literal, port = inner
    if literal.startswith("ipv6:"):
        literal = literal[len("ipv6:") :]
        if not isinstance(ipaddress.ip_address(literal), ipaddress.IPv6Address):
            raise ValueError(f"invalid ipv6 address: `{literal}`")
    return _ip_text(literal, port)


def site_name(mx: Sequence[MxRecord], domain: str) -> str:
    """The site name kumod computes for ``domain`` with these MX records.

    Hosts are grouped by preference (ascending) and sorted alphabetically within a
    group, lower-cased, then factored.  No records means an implicit MX (the domain
    itself); a null MX (``.``) gives ``""``; a literal ``[addr]`` ignores ``mx``;
    a ``:port`` on the domain is appended to every host.  Raises ``ValueError`` for
    a malformed literal, as kumod's resolution fails for it.
    """
    domain = domain.strip()
    if domain.startswith("["):
        return _literal_site(domain)
    cracked = has_colon_port(domain)
    name, port = cracked if cracked else (domain, None)
    if mx:
        by_pref: dict[int, list[str]] = {}
        for record in mx:
            by_pref.setdefault(record.pref, []).append(_fqdn(record.host))
        hosts = [host for pref in sorted(by_pref) for host in sorted(by_pref[pref])]
    else:
        hosts = [_fqdn(name)]
    if port is not None:
        hosts = [f"{host}:{port}" for host in hosts]
    return factor_names(hosts)


def _fqdn(host: str) -> str:
    """Lower-case and fully qualify a host, as kumod stores MX exchanges."""
    host = host.strip().lower()
    return host if host.endswith(".") else host + "."
