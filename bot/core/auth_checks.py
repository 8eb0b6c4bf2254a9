"""``auth DOMAIN``: SPF, DKIM and DMARC of a sending domain, each with a plain verdict.

The checks are pure: they take a ``lookup(name, rtype) -> DnsAnswer`` function (the
use case passes the DNS port's).  SPF counts the DNS-querying terms as RFC 7208 4.6.4
does (``include``, ``a``, ``mx``, ``ptr``, ``exists``, ``redirect``; at most 10),
following includes and redirects.  DKIM checks each configured selector's key is
present and its ``p=`` decodes.  DMARC reads the policy, the alignment modes and the
reporting addresses.  A DNS timeout gives "could not check", never a verdict.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

from bot.core.dns_checks import DnsAnswer, Verdict
from bot.core.models import Model

Lookup = Callable[[str, str], DnsAnswer]
SPF_LOOKUP_LIMIT = 10
_COUNTED = ("include:", "a", "mx", "ptr", "exists:", "redirect=")


class Check(Model):
    """One part of the authentication layer, judged."""

    name: str
    verdict: Verdict
    summary: str
    details: tuple[str, ...] = ()
    record: str | None = None


def _txt(lookup: Lookup, name: str, prefix: str) -> tuple[DnsAnswer, list[str]]:
    answer = lookup(name, "TXT")
    found = [r for r in answer.records if r.lower().startswith(prefix)]
    return answer, found


def _counts(term: str) -> bool:
    word = term.lstrip("+-~?").lower()
    return any(word == t or word.startswith(t if t.endswith((":", "=")) else t + ":")
               or (t in ("a", "mx") and word.startswith(t + "/")) for t in _COUNTED)


def _spf_walk(lookup: Lookup, domain: str, seen: set[str], notes: list[str],
              depth: int = 0) -> int | None:
    """DNS-querying terms under ``domain``'s SPF record; None when DNS did not answer."""
    answer, records = _txt(lookup, domain, "v=spf1")
    if answer.unknown:
        notes.append(f"{domain}: DNS did not answer ({answer.status})")
        return None
    if not records:
        notes.append(f"{domain}: no SPF record (an include of it is a permerror)")
        return 0
    count = 0
    for term in records[0].split()[1:]:
        if not _counts(term):
            continue
        count += 1
        word = term.lstrip("+-~?")
        if word.lower().startswith(("include:", "redirect=")):
            target = word.split(":", 1)[1] if ":" in word else word.split("=", 1)[1]
            target = target.lower().rstrip(".")
            if target in seen or depth > 12:
                notes.append(f"{target}: included twice (a loop)")
                continue
            seen.add(target)
            below = _spf_walk(lookup, target, seen, notes, depth + 1)
            if below is None:
                return None
            notes.append(f"{word} → {below} lookup{'s' if below != 1 else ''}")
            count += below
    return count


def check_spf(domain: str, lookup: Lookup) -> Check:
    """SPF: the record, the DNS lookups it needs against the limit of 10, includes resolved."""
    answer, records = _txt(lookup, domain, "v=spf1")
    if answer.unknown:
        return Check(name="SPF", verdict="could not check",
                     summary=f"DNS did not answer for {domain} ({answer.status}).")
    if not records:
        return Check(name="SPF", verdict="problem",
                     summary=f"{domain} publishes no SPF record: receivers treat its mail as "
                     "unauthenticated by SPF.")
    if len(records) > 1:
        return Check(name="SPF", verdict="problem", record=records[0],
                     summary=f"{domain} publishes {len(records)} SPF records: a permerror "
                     "(RFC 7208 4.5); publish exactly one.")
    notes: list[str] = []
    count = _spf_walk(lookup, domain, {domain}, notes)
    if count is None:
        return Check(name="SPF", verdict="could not check", record=records[0],
                     summary="An include could not be resolved (DNS did not answer).",
                     details=tuple(notes))
    if count > SPF_LOOKUP_LIMIT:
        return Check(name="SPF", verdict="problem", record=records[0], details=tuple(notes),
                     summary=f"{count} DNS lookups, over the limit of {SPF_LOOKUP_LIMIT}: "
                     "receivers return permerror and SPF fails. Flatten or drop includes.")
    verdict: Verdict = "warning" if count >= SPF_LOOKUP_LIMIT - 1 else "ok"
    return Check(name="SPF", verdict=verdict, record=records[0], details=tuple(notes),
                 summary=f"{count} of {SPF_LOOKUP_LIMIT} DNS lookups"
                 + (": close to the limit" if verdict == "warning" else ""))


def _tags(record: str) -> dict[str, str]:
    tags = {}
    for part in record.split(";"):
        key, sep, value = part.strip().partition("=")
        if sep:
            tags[key.strip().lower()] = value.strip()
    return tags


def check_dkim(domain: str, selectors: tuple[str, ...], lookup: Lookup) -> Check:
    """DKIM: for each configured selector, a key is published and ``p=`` decodes."""
    if not selectors:
        return Check(name="DKIM", verdict="could not check",
                     summary=f"No selectors for {domain} in KUMO_DKIM_SELECTORS: the bot "
                     "cannot guess them (set `domain=sel1+sel2`).")
    lines: list[str] = []
    verdicts: list[Verdict] = []
    for selector in selectors:
        name = f"{selector}._domainkey.{domain}"
        answer = lookup(name, "TXT")
        record = "".join(answer.records) if answer.records else ""
        if answer.unknown:
            verdicts.append("could not check")
            lines.append(f"{selector}: DNS did not answer ({answer.status})")
            continue
        if not record:
            verdicts.append("problem")
            lines.append(f"{selector}: no key published at {name}: mail signed with it fails "
                         "DKIM")
            continue
        tags = _tags(record)
        key = tags.get("p", "").replace(" ", "")
        if not key:
            verdicts.append("problem")
            lines.append(f"{selector}: the key is revoked (empty p=)")
            continue
        try:
            raw = base64.b64decode(key, validate=True)
        except (binascii.Error, ValueError):
            verdicts.append("problem")
            lines.append(f"{selector}: p= is not valid base64: the key cannot be parsed")
            continue
        kind = tags.get("k", "rsa").lower()
        if kind == "rsa" and (len(raw) < 64 or raw[0] != 0x30):
            verdicts.append("problem")
            lines.append(f"{selector}: p= decodes but is not an RSA public key (DER)")
            continue
        verdicts.append("ok")
        lines.append(f"{selector}: {kind} key present and parseable ({len(raw)} bytes)")
    verdict = _worst(verdicts)
    summary = {"ok": "every selector has a parseable key",
               "problem": "a selector has no usable key",
               "could not check": "DNS did not answer for a selector",
               "warning": ""}[verdict]
    return Check(name="DKIM", verdict=verdict, summary=summary, details=tuple(lines))


def check_dmarc(domain: str, lookup: Lookup) -> Check:
    """DMARC: the policy, the alignment modes and the reporting addresses."""
    answer, records = _txt(lookup, f"_dmarc.{domain}", "v=dmarc1")
    if answer.unknown:
        return Check(name="DMARC", verdict="could not check",
                     summary=f"DNS did not answer for _dmarc.{domain} ({answer.status}).")
    if not records:
        return Check(name="DMARC", verdict="problem",
                     summary=f"No DMARC record at _dmarc.{domain}: bulk senders must publish "
                     "one (Gmail and Yahoo require it).")
    tags = _tags(records[0])
    policy = tags.get("p", "").lower()
    adkim = "strict" if tags.get("adkim", "r").lower() == "s" else "relaxed"
    aspf = "strict" if tags.get("aspf", "r").lower() == "s" else "relaxed"
    details = [f"policy p={policy or '(missing)'}"
               + (f", subdomains sp={tags['sp']}" if "sp" in tags else ""),
               f"alignment: DKIM {adkim}, SPF {aspf}",
               f"aggregate reports (rua): {tags.get('rua', 'none')}",
               f"failure reports (ruf): {tags.get('ruf', 'none')}"]
    if policy not in ("none", "quarantine", "reject"):
        return Check(name="DMARC", verdict="problem", record=records[0], details=tuple(details),
                     summary="The record has no valid p= policy: receivers ignore it.")
    if policy == "reject" and "strict" in (adkim, aspf):
        return Check(name="DMARC", verdict="warning", record=records[0],
                     details=tuple(details),
                     summary="p=reject with strict alignment: mail whose DKIM d= or "
                     "envelope domain is a subdomain is rejected outright; check every "
                     "stream signs with the exact domain.")
    verdict: Verdict = "warning" if "rua" not in tags else "ok"
    summary = f"p={policy}" + ("; no rua: nobody receives the aggregate reports"
                               if verdict == "warning" else "")
    return Check(name="DMARC", verdict=verdict, record=records[0], details=tuple(details),
                 summary=summary)


_ORDER: tuple[Verdict, ...] = ("ok", "warning", "could not check", "problem")


def _worst(verdicts: list[Verdict]) -> Verdict:
    return max(verdicts, key=_ORDER.index) if verdicts else "could not check"


def overall(checks: list[Check]) -> Verdict:
    """The worst verdict of the checks: one word for the whole layer."""
    return _worst([c.verdict for c in checks])
