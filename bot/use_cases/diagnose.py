"""``diagnose DOMAIN``: gather the evidence in parallel, then let the core judge it.

Four reads run at once, each on its own thread (every park call runs its own event
loop): every node's queues, holds, path states, liveness and health metrics in one
round; what the tsa-daemons hold; and the delivery logs, read as two windows (the
recent part and the baseline before it) plus a sample of the newest 5xx.  A source
that fails is named with what it leaves unchecked; the verdict is built from the
rest (``bot.core.diagnosis``), never a crash.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.core.answers_diagnose import DiagnoseAnswer
from bot.core.commands import Diagnose
from bot.core.diagnosis import diagnose, unchecked
from bot.core.diagnosis_model import (
    DiagnosisEvidence,
    EgressPath,
    ParkRead,
    TsaRead,
    Unchecked,
    UncheckedKind,
)
from bot.core.errors import BotError, ConfigError
from bot.core.health import HEALTH_METRICS, assess_node
from bot.core.holds import collect_holds, holds_in_scope
from bot.core.models import (
    BounceEntry,
    Liveness,
    MetricSample,
    ParkAnswer,
    ReadyQSuspendEntry,
    ReadyQueueState,
    SuspendEntry,
    TsaState,
)
from bot.core.scope import Scope, scope_for
from bot.core.summary import park_queue_summary, queue_summary, tsa_overrides_for_scope
from bot.core.summary_queue import QueueSummary
from bot.ports import MtaReader, TsaReader
from bot.use_cases.diagnose_replies import read_replies
from bot.use_cases.explain import hold_origins
from bot.use_cases.summaries import QUEUE_METRICS, merge_tsa
from bot.use_cases.suspect_evidence import with_suspect_evidence
from bot.use_cases.trend_evidence import with_drain_evidence

if TYPE_CHECKING:
    from bot.core.guard_file import DiagnosisThresholds
    from bot.services import Services
    from bot.use_cases.knowledge import ResponseKnowledge


@dataclass
class NodeReads:
    """What one node said; a read that failed is left empty and named in ``problems``."""

    live: Liveness
    samples: list[MetricSample] = field(default_factory=list)
    suspends: list[SuspendEntry] = field(default_factory=list)
    bounces: list[BounceEntry] = field(default_factory=list)
    ready_suspends: list[ReadyQSuspendEntry] = field(default_factory=list)
    states: dict[str, ReadyQueueState] = field(default_factory=dict)
    problems: list[Unchecked] = field(default_factory=list)


async def _node_reads(reader: MtaReader) -> NodeReads:
    """Every read ``diagnose`` needs from one node, at once; only liveness is required."""
    live, *rest = await asyncio.gather(
        reader.liveness(), reader.metrics(QUEUE_METRICS | HEALTH_METRICS),
        reader.scheduled_suspensions(), reader.bounces(), reader.ready_queue_suspensions(),
        reader.ready_queue_states(), return_exceptions=True,
    )
    if isinstance(live, BaseException):
        raise live  # a node that does not answer liveness is down: the park names it
    out = NodeReads(live=live)
    names = ("samples", "suspends", "bounces", "ready_suspends", "states")
    for name, value in zip(names, rest, strict=True):
        if isinstance(value, BotError):
            if name == "states":
                continue  # path states only colour the queue rows; an old kumod lacks them
            kind: UncheckedKind = "metrics" if name == "samples" else "holds"
            out.problems.append(unchecked(kind, reader.name, value.message))
        elif isinstance(value, BaseException):
            raise value
        else:
            setattr(out, name, value)
    return out


async def _tsa_state(reader: TsaReader) -> TsaState:
    return await reader.state()


def _site_of(svc: Services, domains: set[str]) -> dict[str, str]:
    """The sites of the domains TSA keyed its overrides on (unresolvable ones skipped)."""
    out = {}
    for domain in domains:
        try:
            out[domain] = scope_for(domain, svc.resolver.mx_records(domain)).site
        except BotError:
            continue
    return out


def _park_read(svc: Services, scope: Scope, nodes: ParkAnswer[NodeReads], tsa: TsaState,
               now: datetime) -> ParkRead:
    """Queues, holds and health of the nodes that answered, in the domain's scope."""
    per_node: dict[str, QueueSummary] = {}
    lists = {}
    for name in nodes.asked:
        if name not in nodes.results:
            continue
        r = nodes.results[name]
        per_node[name] = queue_summary(r.samples, suspends=r.suspends, bounces=r.bounces,
                                       ready_suspends=r.ready_suspends, ready_states=r.states,
                                       tsa=tsa, node=name)
        lists[name] = (r.suspends, r.bounces, r.ready_suspends)
    summary = park_queue_summary(per_node, scope=scope)
    holds = holds_in_scope(collect_holds(lists, tsa, now), scope,
                           scheduled_queues=[s.name for s in summary.total.scheduled])
    return ParkRead(
        nodes=list(per_node),
        scheduled=list(summary.total.scheduled),
        ready=list(summary.total.ready),
        paths=[EgressPath(node=n, source=row.source)
               for n, s in summary.per_node.items() for row in s.ready],
        holds=holds,
        origins=hold_origins(svc, holds),
        health=[assess_node(n, nodes.results[n].live, nodes.results[n].samples)
                for n in per_node],
    )


def _tsa_read(svc: Services, scope: Scope, answer: ParkAnswer[TsaState], tsa: TsaState,
              now: datetime) -> tuple[TsaRead | None, list[Unchecked]]:
    problems = [unchecked("tsa", f"tsa:{f.node}", f.detail) for f in answer.failures]
    if not answer.asked:
        problems.append(unchecked("tsa", "tsa-daemon", "no tsa-daemon is configured "
                                  "(KUMO_TSA_URLS)"))
    if not answer.results:
        return None, problems
    site_of = _site_of(svc, {o.domain for o in tsa.overrides})
    live = [o for o in tsa.overrides if o.expires is None or o.expires > now]
    return TsaRead(throttles=tsa_overrides_for_scope(live, scope, site_of=site_of)), problems


def _needs(svc: Services) -> tuple[ResponseKnowledge, DiagnosisThresholds]:
    knowledge = getattr(svc, "knowledge", None)
    guard = getattr(svc, "guard", None)
    if knowledge is None or guard is None:
        raise ConfigError("This bot was started without its response rules or its guard "
                          "file, so it cannot diagnose.",
                          hint="Start it through kumo-bot (bootstrap builds both).")
    return knowledge, guard.diagnosis


def diagnose_answer(svc: Services, cmd: Diagnose, base: dict[str, Any]) -> DiagnoseAnswer:
    """The first five minutes for one domain: findings with evidence, first step, don'ts."""
    knowledge, th = _needs(svc)
    scope = scope_for(cmd.domain, svc.resolver.mx_records(cmd.domain))
    now: datetime = base["generated_at"]
    with ThreadPoolExecutor(5, thread_name_prefix="kumo-diagnose") as pool:
        nodes_future = pool.submit(svc.park.ask, _node_reads)
        tsa_future = pool.submit(svc.park.ask_tsa, _tsa_state)
        # The log scans fan out on the same pool's spare threads.
        replies, log_problems = read_replies(svc, knowledge, scope, now, th, pool)
        nodes, tsa_answer = nodes_future.result(), tsa_future.result()
    tsa = merge_tsa(tsa_answer)
    tsa_read, tsa_problems = _tsa_read(svc, scope, tsa_answer, tsa, now)
    problems = [unchecked("node", f.node, f.detail) for f in nodes.failures]
    for name in nodes.asked:
        if name in nodes.results:
            problems += nodes.results[name].problems
    park = _park_read(svc, scope, nodes, tsa, now) if nodes.results else None
    scope_sentence = scope.describe(
        egress_paths=len(park.ready) if park else 0,
        scheduled_queues=len(park.scheduled) if park else 0,
    )
    evidence = DiagnosisEvidence(
        domain=scope.domain, site=scope.site, scope_sentence=scope_sentence, now=now,
        park=park, tsa=tsa_read, replies=replies,
        unchecked=[*problems, *tsa_problems, *log_problems],
    )
    diagnosis = with_drain_evidence(svc, diagnose(evidence, th), scope,
                                    park.holds if park else [], tsa, now)
    diagnosis = with_suspect_evidence(svc, diagnosis, replies)
    return DiagnoseAnswer(
        diagnosis=diagnosis,
        asked=nodes.asked + [f"tsa:{n}" for n in tsa_answer.asked],
        failures=nodes.failures + [f.model_copy(update={"node": f"tsa:{f.node}"})
                                   for f in tsa_answer.failures],
        **base,
    )
