"""``diagnose``'s standing suspects: when replies name a blocklist or an authentication
failure, run the ``blocklists`` and ``auth`` checks (the same building blocks) and add
what they found to the lead finding's evidence.  DNS trouble is said, never a crash."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.diagnosis_model import Diagnosis, Line, Piece, RepliesRead
from bot.core.suspects import suspects_in
from bot.use_cases.dns_suspects import auth_checks, blocklist_listings
from bot.use_cases.egress_ips import egress_ips

if TYPE_CHECKING:
    from bot.services import Services


def _line(*parts: tuple[str, bool]) -> Line:
    return Line(parts=[Piece(text=text, quoted=quoted) for text, quoted in parts])


def with_suspect_evidence(svc: Services, diagnosis: Diagnosis,
                          replies: RepliesRead | None) -> Diagnosis:
    """The diagnosis with blocklist and authentication checks when the replies point there."""
    if replies is None or not diagnosis.findings or svc.dns is None:
        return diagnosis
    found = suspects_in(replies.groups)
    lines: list[Line] = []
    checked: list[str] = []
    if found.blocklist:
        nodes = sorted({n for g in found.blocklist for n in g.group.nodes})
        ips = sorted({ip for got in egress_ips(svc, nodes or None).values() for ip in got})
        listings = blocklist_listings(svc.dns, svc.blocklist_cache, ips,
                                      svc.config.dnsbl_zones)
        listed = [f"{i.ip} in {i.zone} ({', '.join(i.meanings)})" for i in listings
                  if i.verdict == "problem"]
        unknown = sum(1 for i in listings if i.verdict == "could not check")
        summary = ("listed: " + "; ".join(listed)) if listed else "none listed"
        if unknown:
            summary += f"; {unknown} check(s) could not be made"
        lines.append(_line(("Replies name a blocklist (", False),
                           (found.blocklist[0].group.text[:160], True),
                           (f"); the egress IPs of {', '.join(nodes) or 'the park'} "
                            f"checked: {summary}", False)))
        checked.append("egress IPs against the DNS blocklists")
    if found.auth:
        domains = sorted(svc.config.dkim_selectors)
        results = []
        for domain in domains:
            checks = auth_checks(svc.dns, domain, svc.config.dkim_selectors[domain])
            results.append(f"{domain}: " + ", ".join(f"{c.name} {c.verdict}" for c in checks))
        said = "; ".join(results) if results else (
            "no sending domain is configured (KUMO_DKIM_SELECTORS): run `auth DOMAIN`")
        lines.append(_line(("Replies point at authentication (", False),
                           (found.auth[0].group.text[:160], True), (f"): {said}", False)))
        checked.append("SPF, DKIM and DMARC of the sending domains")
    if not lines:
        return diagnosis
    lead = diagnosis.findings[0]
    lead = lead.model_copy(update={"evidence": [*lead.evidence, *lines]})
    return diagnosis.model_copy(update={"findings": [lead, *diagnosis.findings[1:]],
                                        "checked": [*diagnosis.checked, *checked]})
