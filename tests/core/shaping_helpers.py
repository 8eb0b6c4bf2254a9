"""KumoMTA's real shaping files and the demo's site map, for the TSA engine tests."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence

from bot.core.automation import Automation, RuleHit, ShapingPolicy, mx_hosts
from bot.core.models import MxRecord
from bot.core.responses import parse_response
from bot.core.shaping_files import parse_shaping_file
from bot.core.sitename import site_name
from tests.core.classifier_helpers import ROOT, SHARED

DEFAULT_FILE = SHARED / "shaping.toml"
COMMUNITY_FILE = SHARED / "community-shaping.toml"
SITEMAP_FILE = ROOT / "bot" / "simulator" / "scenarios" / "sitemap.toml"


def site_map() -> dict[str, list[MxRecord]]:
    data = tomllib.loads(SITEMAP_FILE.read_text(encoding="utf-8"))
    return {domain: [MxRecord(**r) for r in records] for domain, records in data.items()}


SITE_MAP = site_map()


def automation(*texts: tuple[str, str], mx: Mapping[str, Sequence[MxRecord]] | None = None
               ) -> Automation:
    """Files as (name, text), resolved against ``mx`` (default: the demo's site map)."""
    known = SITE_MAP if mx is None else mx
    policy = ShapingPolicy([parse_shaping_file(text, name=name) for name, text in texts])
    return policy.resolve({d: known.get(d) for d in policy.rollup_domains()})


def shipped(*, community: bool = False) -> Automation:
    files = [("shaping.toml", DEFAULT_FILE.read_text(encoding="utf-8"))]
    if community:
        files.append(("community-shaping.toml", COMMUNITY_FILE.read_text(encoding="utf-8")))
    return automation(*files)


def fire(engine: Automation, reply: str, domain: str,
         mx: Mapping[str, Sequence[MxRecord]] | None = None) -> list[RuleHit]:
    """The rules that fire on ``reply`` for ``domain`` (unknown domain: failed lookup)."""
    known = SITE_MAP if mx is None else mx
    records = known.get(domain)
    return engine.match(
        parse_response(reply),
        domain=domain,
        site=site_name(records, domain) if records is not None else None,
        hosts=mx_hosts(domain, records) if records is not None else None,
    )


def labels(hits: Sequence[RuleHit]) -> list[str]:
    return [f"{h.scoped.scope} #{h.scoped.rule.number} {h.scoped.rule.file}" for h in hits]
