"""What the receiving MX hosts answer, per the scenario's `[[responses]]`.

A response rule covers a domain, a window of minutes and optionally some
nodes, sources or one tenant; `fraction` of the attempts it covers get its
reply. Selection is deterministic error diffusion per egress path (no random
draw), so a scenario's counts are the same on every run. Attempts no rule
claims are delivered, with the receiver's usual 250 text.
"""

from __future__ import annotations

import random

from bot.simulator.queues import ReadyQueue
from bot.simulator.records import Reply
from bot.simulator.scenario import Response, Scenario, active


class Receivers:
    """The scenario's receiver behaviour, indexed by domain."""

    def __init__(self, scenario: Scenario) -> None:
        self._by_domain: dict[str, list[tuple[int, Response]]] = {}
        for index, rule in enumerate(scenario.responses):
            self._by_domain.setdefault(rule.domain, []).append((index, rule))

    def pick(self, rq: ReadyQueue, *, node: str, domain: str, tenant: str | None,
             minute: int) -> Response | None:
        """The rule whose reply this attempt gets, or None for a delivery."""
        chosen: Response | None = None
        for index, rule in self._by_domain.get(domain, ()):
            if not active(rule.start, rule.end, minute):
                continue
            if rule.nodes is not None and node not in rule.nodes:
                continue
            if rule.sources is not None and rq.source not in rule.sources:
                continue
            if rule.tenant is not None and rule.tenant != tenant:
                continue
            rq.accumulators[index] += rule.fraction
            if chosen is None and rq.accumulators[index] >= 1.0 - 1e-9:
                rq.accumulators[index] -= 1.0
                chosen = rule
        return chosen


def render(rule: Response, *, source_ip: str, recipient: str, rng: random.Random) -> Reply:
    """The reply of a rule with its placeholders filled in.

    `{ip}` is the egress source's IP, `{recipient}` the envelope recipient,
    `{hex}` a 16-digit upper-case hex id such as Microsoft's MxId.
    """
    content = rule.content.format(ip=source_ip, recipient=recipient,
                                  hex=f"{rng.getrandbits(64):016X}")
    return Reply(rule.code, rule.enhanced, content, rule.command)


def delivered(site: str, when_s: int, rng: random.Random) -> Reply:
    """A receiver's 250 reply, in the style of the big providers."""
    tag = f"{rng.getrandbits(48):012x}"
    if site.endswith("google.com"):
        return Reply(250, (2, 0, 0),
                     f"OK  {when_s} {tag}si{rng.randrange(10**6)}.{tag[:3]} - gsmtp")
    if site.endswith("yahoodns.net"):
        return Reply(250, None, "ok dirdel")
    if site.endswith("outlook.com"):
        return Reply(250, (2, 6, 0),
                     f"<{tag}@mail.acme.example> [InternalId={rng.getrandbits(40)}, "
                     f"Hostname=BN3PEPF0000{tag[:4].upper()}.NAMPRD04.PROD.OUTLOOK.COM] "
                     "Queued mail for delivery")
    return Reply(250, (2, 0, 0), f"Ok: queued as {tag.upper()}")
