"""``queue``, ``providers``, ``holds`` and ``tsa``: what the park holds, and why.

Each asks every node at once (five reads per node for ``queue``, concurrently, as
kcli reads them one after another) and TSA beside it, then computes in the core.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from bot.core.answers_park import HoldsAnswer, ProvidersAnswer, QueueAnswer, TsaAnswer
from bot.core.bot_holds import unlisted_hold
from bot.core.commands import Holds, Providers, Queue, Tsa
from bot.core.errors import BotError
from bot.core.holds import NodeHolds, collect_holds, holds_in_scope
from bot.core.models import NodeFailure, ParkAnswer, TsaState
from bot.core.scope import Scope, scope_for
from bot.core.summary import (
    describe_tsa_throttles,
    merge_provider_summaries,
    park_queue_summary,
    provider_summary,
    queue_summary,
    render_kcli_queue_summary,
    select_providers,
    tsa_overrides_for_scope,
)
from bot.core.summary_queue import QueueSummary
from bot.core.tsa_history import TsaHistoryAnswer
from bot.ports import MtaReader, TsaReader
from bot.use_cases.bot_holds import bot_hold_infos
from bot.use_cases.explain import hold_origins, marker_origins
from bot.use_cases.tsa_history import tsa_history_answer

if TYPE_CHECKING:
    from bot.services import Services

QUEUE_METRICS = frozenset(
    {
        "total_messages_delivered",
        "total_messages_transfail",
        "connection_count",
        "ready_count",
        "scheduled_count",
    }
)
PROVIDER_METRICS = frozenset(
    {
        f"{base}{suffix}"
        for base in (
            "total_messages_delivered",
            "total_messages_transfail",
            "total_messages_fail",
        )
        for suffix in ("_by_provider", "_by_provider_and_source")
    }
    | {
        "connection_count_by_provider",
        "connection_count_by_provider_and_pool",
        "queued_count_by_provider",
        "queued_count_by_provider_and_pool",
    }
)


def merge_tsa(answer: ParkAnswer[TsaState]) -> TsaState:
    """One TsaState from every tsa-daemon that answered."""
    states = list(answer.results.values())
    return TsaState.model_validate(
        {
            "suspensions": {
                "ready_q": [s for st in states for s in st.suspensions.ready_q],
                "sched_q": [s for st in states for s in st.suspensions.sched_q],
            },
            "bounces": [b for st in states for b in st.bounces],
            "overrides": [o for st in states for o in st.overrides],
        }
    )


def _tsa_failures(answer: ParkAnswer[TsaState]) -> list[NodeFailure]:
    return [f.model_copy(update={"node": f"tsa:{f.node}"}) for f in answer.failures]


async def _tsa_state(reader: TsaReader) -> TsaState:
    return await reader.state()


def _with_tsa(svc: Services, ask_nodes: Any) -> tuple[Any, ParkAnswer[TsaState]]:
    """Ask the nodes and TSA at the same time (TSA is one more slow daemon)."""
    with ThreadPoolExecutor(1, thread_name_prefix="kumo-tsa") as pool:
        tsa_future = pool.submit(svc.park.ask_tsa, _tsa_state)
        nodes = ask_nodes()
        return nodes, tsa_future.result()


def resolve_scope(svc: Services, domain: str | None) -> Scope | None:
    """DOMAIN -> site -> queues (DESIGN 4), through the resolver port."""
    if domain is None:
        return None
    return scope_for(domain, svc.resolver.mx_records(domain))


def _site_of(svc: Services, domains: set[str]) -> dict[str, str]:
    """Site names of the domains TSA keyed overrides on (unknown ones are skipped)."""
    out = {}
    for d in domains:
        try:
            out[d] = scope_for(d, svc.resolver.mx_records(d)).site
        except BotError:
            continue
    return out


def throttles_for(svc: Services, tsa: TsaState, scope: Scope | None) -> list[str]:
    """TSA's config overrides that apply (to the scope), as sentences with time left."""
    overrides = list(tsa.overrides)
    if scope is not None:
        site_of = _site_of(svc, {o.domain for o in overrides})
        overrides = tsa_overrides_for_scope(overrides, scope, site_of=site_of)
    return describe_tsa_throttles(overrides, svc.clock.now())


def queue_summary_answer(svc: Services, cmd: Queue, base: dict[str, Any]) -> QueueAnswer:
    """kcli queue-summary over the park, per node and in total, with holds and time left."""
    scope = resolve_scope(svc, cmd.domain)

    async def ask(reader: MtaReader) -> tuple[Any, ...]:
        return tuple(
            await asyncio.gather(
                reader.metrics(QUEUE_METRICS),
                reader.scheduled_suspensions(),
                reader.bounces(),
                reader.ready_queue_suspensions(),
                reader.ready_queue_states(),
            )
        )

    nodes = [cmd.node] if cmd.node else None
    answer, tsa_answer = _with_tsa(svc, lambda: svc.park.ask(ask, nodes=nodes))
    tsa = merge_tsa(tsa_answer)
    per_node: dict[str, QueueSummary] = {}
    for node in answer.asked:
        if node not in answer.results:
            continue
        samples, suspends, bounces, ready_suspends, states = answer.results[node]
        per_node[node] = queue_summary(
            samples, suspends=suspends, bounces=bounces, ready_suspends=ready_suspends,
            ready_states=states, tsa=tsa, node=node,
        )
    park = park_queue_summary(per_node, scope=scope, by_volume=cmd.by_volume, limit=cmd.limit)
    return QueueAnswer(
        domain=scope.domain if scope else None,
        scope_sentence=park.scope_sentence,
        summary=park,
        kcli_text=render_kcli_queue_summary(park.total),
        throttles=throttles_for(svc, tsa, scope),
        tsa_origins=marker_origins(
            svc,
            [m for r in park.total.ready for m in r.markers]
            + [m for s in park.total.scheduled for m in s.markers],
        ),
        asked=answer.asked + [f"tsa:{n}" for n in tsa_answer.asked],
        failures=answer.failures + _tsa_failures(tsa_answer),
        **base,
    )


def provider_summary_answer(svc: Services, cmd: Providers, base: dict[str, Any]) -> ProvidersAnswer:
    """kcli provider-summary over the park (``--by-pool`` keys on provider and pool)."""

    async def ask(reader: MtaReader) -> Any:
        return await reader.metrics(PROVIDER_METRICS)

    answer = svc.park.ask(ask, nodes=[cmd.node] if cmd.node else None)
    per_node = {
        node: provider_summary(answer.results[node], by_pool=cmd.by_pool, node=node)
        for node in answer.asked
        if node in answer.results
    }
    total = select_providers(merge_provider_summaries(per_node), limit=cmd.limit)
    if not per_node:
        total = total.model_copy(update={"by_pool": cmd.by_pool})
    return ProvidersAnswer(
        summary=total,
        per_node={n: select_providers(s, limit=cmd.limit) for n, s in per_node.items()},
        asked=answer.asked,
        failures=answer.failures,
        **base,
    )


def _collect(svc: Services, node: str | None) -> tuple[Any, ParkAnswer[TsaState], TsaState]:
    async def ask(reader: MtaReader) -> NodeHolds:
        suspends, bounces, ready = await asyncio.gather(
            reader.scheduled_suspensions(), reader.bounces(), reader.ready_queue_suspensions()
        )
        return (suspends, bounces, ready)

    answer, tsa_answer = _with_tsa(svc, lambda: svc.park.ask(ask, nodes=[node] if node else None))
    return answer, tsa_answer, merge_tsa(tsa_answer)


def holds_answer(svc: Services, cmd: Holds, base: dict[str, Any]) -> HoldsAnswer:
    """Every suspension and bounce, manual or TSA, with time left and a stable id."""
    scope = resolve_scope(svc, cmd.domain)
    answer, tsa_answer, tsa = _collect(svc, cmd.node)
    now = svc.clock.now()
    holds = collect_holds(answer.results, tsa, now)
    mine = bot_hold_infos(svc, now)  # the bot's own, from SQL: listed or forgotten by kumod
    listed = {h.hold_id for h in holds}
    holds += [unlisted_hold(m.hold, now=now, asked=answer.asked)
              for hold_id, m in mine.items() if hold_id not in listed]
    if scope is not None:
        holds = holds_in_scope(holds, scope)
    return HoldsAnswer(
        domain=scope.domain if scope else None,
        site=scope.site if scope else None,
        holds=holds,
        bot_holds={h.hold_id: mine[h.hold_id] for h in holds if h.hold_id in mine},
        tsa_origins=hold_origins(svc, holds),
        asked=answer.asked + [f"tsa:{n}" for n in tsa_answer.asked],
        failures=answer.failures + _tsa_failures(tsa_answer),
        **base,
    )


def tsa_answer(svc: Services, cmd: Tsa, base: dict[str, Any]) -> TsaAnswer | TsaHistoryAnswer:
    """What Traffic Shaping Automation holds now (or, with ``history``, what it did)."""
    if cmd.history:
        return tsa_history_answer(svc, cmd, base)
    scope = resolve_scope(svc, cmd.domain)
    answer, tsa_state_answer, tsa = _collect(svc, None)
    holds = [h for h in collect_holds(answer.results, tsa, svc.clock.now()) if h.origin == "tsa"]
    if scope is not None:
        holds = holds_in_scope(holds, scope)
    return TsaAnswer(
        domain=scope.domain if scope else None,
        holds=holds,
        throttles=throttles_for(svc, tsa, scope),
        tsa_reachable=bool(tsa_state_answer.results),
        tsa_origins=hold_origins(svc, holds),
        asked=answer.asked + [f"tsa:{n}" for n in tsa_state_answer.asked],
        failures=answer.failures + _tsa_failures(tsa_state_answer),
        **base,
    )
