"""What kumod's hold lists add to the TSA diary (REFERENCE 5.1, 5.5).

kumod applies TSA's items as ordinary admin holds with `` (rule_hash=...)`` appended
to the reason.  Read beside TSA's own state, the lists tell two things TSA cannot:
a TSA action that no kumod lists any more was cancelled there (TSA still holds it
and will push it again), and a hold that is neither TSA's nor the bot's was made
out of band (by hand, with kcli or curl), which the diary records so the timeline
tells the truth.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from bot.core.hold_ids import hold_origin, split_rule_hash
from bot.core.holds import Hold, NodeHolds
from bot.core.models import BounceEntry, SuspendEntry
from bot.core.tsa_diary import DiaryKind, TsaSighting, diary_key, rule_hex

IsBotHold = Callable[[str], bool]
"""Whether a hold id is one the bot made (the writes issue keeps those in SQL)."""


def kumod_tsa_keys(tsa: str, per_node: Mapping[str, NodeHolds]) -> set[str]:
    """The diary keys of the TSA holds at least one kumod lists."""
    keys: set[str] = set()
    for suspends, bounces, ready in per_node.values():
        for r in ready:
            _, rule_hash = split_rule_hash(r.reason)
            if hold_origin(r.reason) == "tsa" and rule_hash:
                keys.add(diary_key(tsa, "suspend-path", r.name, rule_hex(rule_hash)))
        sched: list[tuple[DiaryKind, SuspendEntry | BounceEntry]] = [
            *(("suspend", s) for s in suspends), *(("bounce", b) for b in bounces)]
        for kind, e in sched:
            _, rule_hash = split_rule_hash(e.reason)
            if hold_origin(e.reason) == "tsa" and rule_hash:
                domain = e.domain.lower() if e.domain else None
                keys.add(diary_key(tsa, kind, domain, e.tenant, e.campaign, rule_hex(rule_hash)))
    return keys


def out_of_band_sightings(tsa: str, holds: list[Hold], *, now: datetime,
                          is_bot_hold: IsBotHold) -> list[TsaSighting]:
    """Holds kumod lists that neither TSA nor the bot made."""
    out = []
    for hold in holds:
        if hold.origin != "manual" or not hold.nodes or is_bot_hold(hold.hold_id):
            continue
        expires = hold.expires or (now + hold.remaining if hold.remaining else now)
        out.append(TsaSighting(
            key=diary_key(tsa, hold.kind, "out-of-band", hold.hold_id), kind=hold.kind,
            rule=hold.reason, reason=hold.reason, path=hold.name, source=hold.source,
            site=hold.site, domain=hold.domain.lower() if hold.domain else None,
            tenant=hold.tenant, campaign=hold.campaign, expires=expires,
        ))
    return out
