"""Hand-built evidence for the diagnosis tests: real classifier, KumoMTA's real shaping file."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bot.core.automation import mx_hosts
from bot.core.diagnosis_model import (
    DiagnosisEvidence,
    EgressPath,
    ExplainedGroup,
    ParkRead,
    RepliesRead,
)
from bot.core.diagnosis_words import representative_reply
from bot.core.explanation import DomainLookup, explain_response
from bot.core.guard_file import DiagnosisThresholds
from bot.core.health import NodeHealth, assess_node
from bot.core.holds import Hold
from bot.core.logtally import ResponseGroup, normalise_response
from bot.core.models import Liveness, MetricSample, TsaOverride
from bot.core.queuenames import parse_scheduled_queue
from bot.core.responses import parse_response
from bot.core.sitename import site_name
from bot.core.summary_queue import ScheduledRow
from bot.core.tsa_origin import TsaOrigin, tsa_origin
from tests.core.classifier_helpers import packaged_classifier
from tests.core.shaping_helpers import SITE_MAP, shipped

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
YAHOO_SITE = "(mta5|mta6|mta7).am0.yahoodns.net"
TSS04 = "421 4.7.0 [TSS04] Messages from 203.0.113.11 temporarily deferred due to user complaints"
GMAIL_BRAKE = ("421 4.7.28 [203.0.113.11      15] Our system has detected an unusual rate of "
               "unsolicited mail originating from your IP address. - gsmtp")
S3150 = ("550 5.7.1 Unfortunately, messages from [203.0.113.11] weren't sent. Please contact your "
         "Internet service provider since part of their network is on our block list (S3150).")
NO_SUCH_USER = "550 5.1.1 The email account that you tried to reach does not exist. - gsmtp"
SPAMHAUS = "550 5.7.1 Service unavailable, Client host [203.0.113.11] blocked using Spamhaus."
CONTENT = "554 5.7.1 Message rejected as spam by Content Filtering."


def thresholds(**changes: object) -> DiagnosisThresholds:
    """The built-in thresholds, with some changed."""
    values: dict[str, object] = {
        "window": "2h", "recent": "30m", "brake_min_replies": 20, "block_min_replies": 5,
        "dead_address_min_replies": 20, "rejection_min_replies": 20, "spike_min_replies": 20,
        "spike_ratio": 4.0, "baseline_floor_per_hour": 6.0,
    }
    values.update(changes)
    return DiagnosisThresholds.model_validate(values)


def group(reply: str, domain: str, *, count: int, recent: int = 0, first: int = 30,
          last: int = 1, sources: Sequence[str] = ("ip-1",), nodes: Sequence[str] = ("mta1",)
          ) -> ExplainedGroup:
    """Replies as the tally groups them (``first``/``last``: minutes before NOW), explained."""
    line = parse_response(reply)
    g = ResponseGroup(code=line.code, enhanced=line.enhanced or "",
                      text=normalise_response(line.content), count=count,
                      first_seen=NOW - timedelta(minutes=first),
                      last_seen=NOW - timedelta(minutes=last),
                      sources=list(sources), nodes=list(nodes))
    text = parse_response(representative_reply(g))
    records = SITE_MAP[domain]
    lookup = DomainLookup(domain=domain, hosts=tuple(mx_hosts(domain, records)),
                          site=site_name(records, domain))
    explanation = explain_response(text, packaged_classifier().classify(text), shipped(),
                                   lookup=lookup, domain_how="given")
    return ExplainedGroup(group=g, recent=recent, explanation=explanation)


def replies(*groups: ExplainedGroup, internal: int = 0, rules_checked: bool = True
            ) -> RepliesRead:
    """The window's tally of these groups."""
    fours = sum(g.group.count for g in groups if (g.group.code or 0) // 100 == 4)
    fives = sum(g.group.count for g in groups if (g.group.code or 0) // 100 == 5)
    recent = sum(g.recent for g in groups if (g.group.code or 0) // 100 == 5)
    return RepliesRead(since=NOW - timedelta(hours=2), recent_since=NOW - timedelta(minutes=30),
                       deferrals=fours, bounces=fives, internal=internal, recent_bounces=recent,
                       groups=list(groups), groups_total=len(groups), nodes=["mta1", "mta2"],
                       rules_checked=rules_checked)


def healthy(node: str, ratio: float = 0.3) -> NodeHealth:
    limit = 6 * 2**30
    samples = [MetricSample("memory_usage", {}, limit * ratio),
               MetricSample("memory_limit", {}, limit),
               MetricSample("memory_low_thresh", {}, limit * 0.8)]
    return assess_node(node, Liveness(status=200, text="OK"), samples)


def shedding(node: str) -> NodeHealth:
    limit = 6 * 2**30
    samples = [MetricSample("memory_usage", {}, limit * 1.04),
               MetricSample("memory_limit", {}, limit),
               MetricSample("memory_over_limit_count", {}, 1),
               MetricSample("total_connections_denied", {"service": "esmtp_listener"}, 492)]
    return assess_node(node, Liveness(status=503, text="load shedding"), samples)


def tsa_path_holds(minutes_left: int = 47) -> tuple[list[Hold], dict[str, TsaOrigin]]:
    """TSA's Yahoo suspension of three paths, as ``collect_holds`` merges it."""
    holds, origins = [], {}
    for source in ("ip-1", "ip-2", "ip-3"):
        left = timedelta(minutes=minutes_left)
        hold = Hold(hold_id=f"h-{source}", kind="suspend-path",
                    name=f"{source}->{YAHOO_SITE}@smtp_client", source=source, site=YAHOO_SITE,
                    reason="automation rule: \\[TS?S04\\]", origin="tsa", rule="\\[TS?S04\\]",
                    remaining=left, expires=NOW + left,
                    nodes={"mta1": "u1", "mta2": "u2"}, in_tsa=True)
        origin = tsa_origin(shipped(), kind="suspend-path", rule=hold.rule, site=YAHOO_SITE,
                            source=source, remaining=left)
        assert origin is not None
        holds.append(hold)
        origins[hold.hold_id] = origin
    return holds, origins


def throttle(source: str, minutes_left: int = 17) -> list[TsaOverride]:
    expires = NOW + timedelta(minutes=minutes_left)
    return [TsaOverride(domain="yahoo.com", source=source, name="max_message_rate",
                        value="1/minute", expires=expires),
            TsaOverride(domain="yahoo.com", source=source, name="connection_limit", value="1",
                        expires=expires)]


def queues(domain: str, **counts: int) -> list[ScheduledRow]:
    """Scheduled rows: ``queues("yahoo.com", **{"acme@yahoo.com": 5})``."""
    return [ScheduledRow(name=name, queue=parse_scheduled_queue(name), count=count)
            for name, count in counts.items()]


def park(*, holds: Sequence[Hold] = (), origins: dict[str, TsaOrigin] | None = None,
         scheduled: Sequence[ScheduledRow] = (), health: Sequence[NodeHealth] = (),
         paths: Sequence[tuple[str, str]] = ()) -> ParkRead:
    return ParkRead(nodes=["mta1", "mta2"], scheduled=list(scheduled), holds=list(holds),
                    origins=origins or {}, health=list(health) or [healthy("mta1"),
                                                                   healthy("mta2")],
                    paths=[EgressPath(node=n, source=s) for n, s in paths])


def evidence(domain: str, **parts: object) -> DiagnosisEvidence:
    records = SITE_MAP[domain]
    return DiagnosisEvidence.model_validate({
        "domain": domain, "site": site_name(records, domain),
        "scope_sentence": f"{domain} (test)", "now": NOW, **parts})
