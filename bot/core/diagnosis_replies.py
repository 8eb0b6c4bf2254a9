"""Findings read from receivers' replies: brakes, blocks, dead addresses, other 5xx, spikes.

DESIGN 1.1: the text decides, not the digit.  The use case classified each group of
replies and checked it against TSA's rules; here the groups become what an operator
would call them, with the guard file's thresholds:

* a **rate-limit brake** (4xx "slow down") that TSA is not already handling (when
  it is, the TSA finding tells that story: ``diagnosis_park``);
* a **reputation block**, whatever its digit (Microsoft S3150 is a 550): never dead
  addresses, never suppressed, and whether KumoMTA's rules catch it;
* **dead addresses** (a 5xx saying the mailbox does not exist): list hygiene, where
  suppression is right;
* **other rejections** (authentication, content, policy);
* a **sudden mass of 5xx** against the window's earlier part: attached to the
  finding that explains most of it, or a finding of its own.

A bounce storm is several of these at once; each 5xx finding carries the split
(dead addresses vs blocks vs the rest) so nobody bounces or suppresses a block.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.core.diagnosis_lines import (
    BLOCK,
    BRAKE,
    NO_RETRY_STORM,
    NO_SUPPRESS_BLOCK,
    ONE_CHANGE,
    bounce_queue_line,
    by_provider,
    category,
    gap_note,
    is_5xx,
    is_dead,
    label,
    queue_line,
    reply_evidence,
    rules_line,
    spike,
    split_line,
)
from bot.core.diagnosis_model import ExplainedGroup, Finding, Line, ParkRead, RepliesRead
from bot.core.diagnosis_words import ago, line
from bot.core.guard_file import DiagnosisThresholds


def _count(groups: Sequence[ExplainedGroup]) -> int:
    return sum(g.group.count for g in groups)


def _dedupe(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _then(advice: str) -> str:
    """The classifier's advice after our own "stop the pressure" (without saying it twice)."""
    first, comma, rest = advice.partition(", ")
    if comma and first.lower().startswith(("stop pressure", "stop the pressure")):
        advice = rest
    return advice[:1].lower() + advice[1:]


class ReplyFindings:
    """The reply-based findings of one diagnosis (a small builder: shared inputs, once)."""

    def __init__(self, *, domain: str, now: datetime, replies: RepliesRead,
                 park: ParkRead | None, th: DiagnosisThresholds) -> None:
        self.domain, self.now, self.replies, self.park, self.th = domain, now, replies, park, th

    def _evidence(self, groups: Sequence[ExplainedGroup], *, tsa_holds_here: bool) -> list[Line]:
        lines: list[Line] = []
        for g in groups[:4]:
            lines.append(reply_evidence(g, self.domain, self.now, self.th.recent))
        if groups:
            checked = self.replies.rules_checked
            lines.append(rules_line(groups[0], self.domain, rules_checked=checked,
                                    tsa_holds_here=tsa_holds_here))
        return lines

    def brakes(self, groups: Sequence[ExplainedGroup], *, tsa_holds_here: bool) -> list[Finding]:
        """Rate-limit brakes TSA is not handling: slow the path, never push through."""
        out = []
        for provider in by_provider([g for g in groups if category(g) == BRAKE]):
            count = _count(provider)
            if count < self.th.brake_min_replies:
                continue
            who = label(provider, self.domain)
            caught = any(g.explanation.fired for g in provider)
            acting = ("TSA is not acting on it" if not caught
                      else "TSA's rules match it but hold nothing here now")
            evidence = self._evidence(provider, tsa_holds_here=tsa_holds_here)
            queued = queue_line(self.park)
            if queued is not None:
                evidence.append(queued)
            c = provider[0].explanation.classification
            out.append(Finding(
                kind="provider-brake", severity="warning",
                verdict=(f"{who} is braking mail to {self.domain}: {count:,} rate-limit "
                         f"deferrals ({c.code or '4xx'} {c.enhanced or ''}".rstrip() +
                         f"), temporary in nature, and {acting}."),
                evidence=evidence,
                first_step=(f"Slow the {self.domain} paths yourself and let the retries back off: "
                            "lower max_message_rate and connection_limit for it in your shaping "
                            "overrides, one change, then watch the deferral rate for 15 to 30 "
                            "minutes; find what changed in volume or engagement."
                            + (" Give TSA a rule for this reply so the next brake is handled "
                               "by itself." if not caught else "")),
                # The classifier's own don't for a brake is the retry reflex, said for its kind.
                donts=_dedupe([c.dont or NO_RETRY_STORM,
                               "Do not bounce or suppress: the addresses are fine, the brake is "
                               "temporary.", ONE_CHANGE]),
                weight=count + (self.park.queued if self.park else 0),
            ))
        return out

    def blocks(self, groups: Sequence[ExplainedGroup]) -> list[Finding]:
        """Reputation blocks: delist and fix the cause; the addresses are fine."""
        out = []
        for provider in by_provider([g for g in groups if category(g) == BLOCK]):
            count = _count(provider)
            if count < self.th.block_min_replies:
                continue
            who = label(provider, self.domain)
            c = provider[0].explanation.classification
            sources = sorted({s for g in provider for s in g.group.sources})
            nodes = sorted({n for g in provider for n in g.group.nodes})
            caught = any(g.explanation.fired for g in provider)
            paths = self._paths_line(sources, nodes)
            evidence = [*self._evidence(provider, tsa_holds_here=caught), *paths]
            fives = [g for g in provider if is_5xx(g)]
            if fives:
                evidence.append(split_line(self.replies))
            listed = f" ({', '.join(b.name for b in c.blocklists)})" if c.blocklists else ""
            gap = next((n for g in provider if (n := gap_note(g.explanation))), None)
            if caught:
                automation = "TSA's rules act on it."
            elif gap is not None and "default rules" in gap:
                automation = ("TSA does not act on it: KumoMTA's default rule for this reply did "
                              "not fire (it expects a bare IP where the receiver writes "
                              "[a.b.c.d]), so the engine keeps sending into the block.")
            else:
                automation = ("KumoMTA's automation does not catch it, so the engine keeps "
                              "sending into the block.")
            out.append(Finding(
                kind="reputation-block", severity="critical",
                verdict=(f"{who} is blocking mail to {self.domain} for reputation{listed}: "
                         f"{count:,} replies since {self._since(provider)}. "
                         + ("It is a block sent as a permanent 5xx, not dead addresses: kumod "
                            "bounced those messages instead of retrying them. " if fives else "")
                         + automation),
                evidence=evidence,
                first_step=("Stop the pressure on the blocked paths now (suspend them). Then "
                            + _then(c.do) + " Keep these bounces out of the suppression list, "
                            "and send the bounced mail again once the block is lifted."),
                # Ours says it all about suppression; the classifier's may add provider detail.
                donts=_dedupe([NO_SUPPRESS_BLOCK,
                               *([c.dont] if "suppress" not in c.dont.lower() else []),
                               "Do not raise rates or retry at full speed into the block.",
                               "Do not move the mail to fresh IPs to get around it: the block "
                               "follows the cause to the new IPs."]),
                weight=count,
            ))
        return out

    def dead_addresses(self, groups: Sequence[ExplainedGroup], spiking: bool) -> Finding | None:
        """5xx for mailboxes that do not exist: list hygiene; suppression is right here."""
        dead = [g for g in groups if is_dead(g)]
        count = _count(dead)
        if count < self.th.dead_address_min_replies:
            return None
        storm = "A bounce storm of dead addresses" if spiking else "Dead addresses"
        evidence = [reply_evidence(g, self.domain, self.now, self.th.recent) for g in dead[:4]]
        evidence.append(split_line(self.replies))
        sampled = bounce_queue_line(self.replies)
        if sampled is not None:
            evidence.append(sampled)
        return Finding(
            kind="dead-addresses", severity="critical" if spiking else "warning",
            verdict=(f"{storm} at {self.domain}: {count:,} × 5xx say the mailbox does not exist "
                     "or is disabled. That is list hygiene (a stale or bought list), not a "
                     "block: suppressing these addresses is right."),
            evidence=evidence,
            first_step=(f"Find the sender and the list behind them (`/kumo log {self.domain} "
                        "--type bounce` names the queues: tenant and campaign) and pause that "
                        "sending; let these addresses go to the suppression list, and have the "
                        "list cleaned before it sends again."),
            donts=["Do not treat it as a block: no delisting request, no rate or IP changes.",
                   "Do not bounce the domain's whole queue: the other senders' mail is fine.",
                   "Do not let the list keep sending: dead addresses cost reputation and turn "
                   "into blocks.",
                   "Do not suppress the blocks in the same storm: only the dead addresses "
                   "(see the split)."],
            weight=count,
        )

    def rejections(self, groups: Sequence[ExplainedGroup]) -> Finding | None:
        """5xx of any other kind: authentication, content, policy, protocol."""
        other = [g for g in groups if is_5xx(g) and not is_dead(g) and category(g) != BLOCK]
        count = _count(other)
        if count < self.th.rejection_min_replies:
            return None
        kinds = ", ".join(dict.fromkeys(category(g).replace("_", " ") for g in other))
        c = other[0].explanation.classification
        return Finding(
            kind="rejections", severity="critical",
            verdict=(f"{self.domain} rejects mail: {count:,} × 5xx for {kinds}. Read the "
                     "verbatim reason before anything else."),
            evidence=[*(reply_evidence(g, self.domain, self.now, self.th.recent)
                        for g in other[:4]), split_line(self.replies)],
            first_step=c.do,
            donts=_dedupe([c.dont, "Do not suppress the recipients before reading the reason: "
                           "a rejection is not a dead address.", ONE_CHANGE]),
            weight=count,
        )

    def spike_alone(self, spike_line: Line) -> Finding:
        """A sudden mass of 5xx that no other finding explains: a block in motion."""
        fives = [g for g in self.replies.groups if is_5xx(g)]
        return Finding(
            kind="bounce-spike", severity="critical",
            verdict=(f"A sudden mass of 5xx at {self.domain}: a block in motion. Stop the "
                     "pressure on that path now and read the verbatim reason."),
            evidence=[spike_line,
                      *(reply_evidence(g, self.domain, self.now, self.th.recent)
                        for g in fives[:4]),
                      split_line(self.replies)],
            first_step=(f"Suspend the paths the 5xx come on, then read them verbatim "
                        f"(`/kumo log {self.domain} --type bounce`) and fix what they name."),
            donts=["Do not keep sending at full pace into it.",
                   "Do not bounce or suppress the recipients before reading the reason: a "
                   "block is not a dead address.", ONE_CHANGE],
            weight=self.replies.recent_bounces,
        )

    def _since(self, groups: Sequence[ExplainedGroup]) -> str:
        firsts = [g.group.first_seen for g in groups if g.group.first_seen is not None]
        return ago(min(firsts), self.now) if firsts else "a time unknown"

    def _paths_line(self, sources: list[str], nodes: list[str]) -> list[Line]:
        """Which of the domain's egress paths the replies came on, and how many others there are."""
        if self.park is None or not self.park.paths or not sources:
            return []
        hit = [p for p in self.park.paths if p.source in sources and p.node in nodes]
        rest = len(self.park.paths) - len(hit)
        if not hit or rest <= 0:
            return []
        shown = ", ".join(f"{p.node} {p.source}" for p in hit[:8])
        return [line(f"Blocked paths: {len(hit)} of the {len(self.park.paths)} egress paths to "
                     f"the site ({shown}); the other {rest} are not in these replies.")]


def reply_findings(*, domain: str, now: datetime, replies: RepliesRead, park: ParkRead | None,
                   th: DiagnosisThresholds, tsa_holds_here: bool,
                   absorbed: Sequence[ExplainedGroup]) -> list[Finding]:
    """Every finding the replies support; ``absorbed`` groups are told by the TSA finding."""
    build = ReplyFindings(domain=domain, now=now, replies=replies, park=park, th=th)
    taken = {id(g) for g in absorbed}
    groups = [g for g in replies.groups if id(g) not in taken]
    found = [*build.brakes(groups, tsa_holds_here=tsa_holds_here), *build.blocks(groups)]
    spike_line = spike(replies, th)
    dead = build.dead_addresses(groups, spiking=spike_line is not None)
    other = build.rejections(groups)
    fives = [f for f in (*found, dead, other) if f is not None and f.kind != "provider-brake"]
    found += [f for f in (dead, other) if f is not None]
    if spike_line is not None:
        if fives:
            # The spike belongs to the 5xx finding that explains the most of it.
            lead = max(fives, key=lambda f: f.weight)
            index = found.index(lead)
            found[index] = lead.model_copy(update={"evidence": [spike_line, *lead.evidence]})
        else:
            found.append(build.spike_alone(spike_line))
    return found
