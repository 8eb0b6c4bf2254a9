"""The answers of ``auth DOMAIN`` and ``blocklists [NODE|IP]``."""

from __future__ import annotations

from typing import Literal

from bot.core.answers import AnswerBase
from bot.core.auth_checks import Check
from bot.core.blocklists import Listing
from bot.core.dns_checks import Verdict


class AuthAnswer(AnswerBase):
    """SPF, DKIM and DMARC of a sending domain, each judged, and the worst of them."""

    kind: Literal["auth"] = "auth"
    domain: str
    verdict: Verdict
    checks: list[Check]


class BlocklistsAnswer(AnswerBase):
    """Egress IPs against the configured DNS blocklists."""

    kind: Literal["blocklists"] = "blocklists"
    target: str
    ips: dict[str, list[str]]
    """node (or "given") -> the egress IPs checked for it."""
    listings: list[Listing]
    skipped_zones: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
