"""Gathering what the guard judges by: holds on the scope, receivers' replies, recent
changes and the blast radius of a bounce (DESIGN 5).  Reads only."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.core.commands_write import (
    Bounce,
    Cancel,
    Rebind,
    ShapingSet,
    Suspend,
    SuspendPath,
    WriteCommand,
    Xfer,
)
from bot.core.effective_shaping import (
    Effective,
    OverrideEntry,
    Path,
    effective_value,
    limit_magnitude,
)
from bot.core.egress_paths import missing_path, sources_to_site
from bot.core.errors import BotError, NotFound, UpstreamUnavailable, UserInputError
from bot.core.guard import ReplyEvidence, Situation
from bot.core.holds import Hold, collect_holds, holds_in_scope
from bot.core.logquery import LogQuery
from bot.core.logtally import ResponseTally
from bot.core.models import MetricSample, TsaOverride
from bot.core.queuenames import criteria_match, parse_scheduled_queue, split_ready_queue
from bot.core.scope import Scope
from bot.ports import MtaReader
from bot.use_cases.path_reads import current_paths
from bot.use_cases.summaries import _collect, resolve_scope

if TYPE_CHECKING:
    from bot.services import Services

_REPLY_TYPES = frozenset({"TransientFailure", "Bounce"})


def scope_key(command: WriteCommand) -> str:
    """What "the same scope" means for the third-change rule."""
    match command:
        case Suspend() | Bounce() | ShapingSet() | Rebind() | Xfer() if command.domain:
            return f"domain:{command.domain}"
        case SuspendPath():
            return f"site:{command.site}"
        case Cancel():
            return f"hold:{command.hold}"
    return "park"


def check_path_exists(svc: Services, command: SuspendPath) -> None:
    """Refuse a ``suspend-path`` whose path no node's current metrics show (kumod would take
    any name and suspend nothing), saying which sources or sites do exist."""
    now = current_paths(svc)
    if not now.answered:
        raise UpstreamUnavailable(
            "No node answered, so I cannot check that the egress path exists; nothing was "
            "asked for.", hint="; ".join(f"{f.node}: {f.detail}" for f in now.failures))
    problem = missing_path(command.source, command.site, now.paths)
    if problem is not None:
        raise NotFound(f"No node's current metrics show the egress path "
                       f"`{command.queue_name}`. {problem}{now.unheard}",
                       hint="`/kumo queue DOMAIN` lists a domain's egress paths; write "
                       "`/kumo suspend-path SOURCE SITE --for DUR --reason R` with one of them.")


def command_scope(svc: Services, command: WriteCommand) -> Scope | None:
    """The domain's scope (site and queues), for the verbs that name a domain."""
    domain = getattr(command, "domain", None)
    return resolve_scope(svc, domain) if isinstance(domain, str) else None


def gather(svc: Services, command: WriteCommand, *, scope: Scope | None,
           lookback: timedelta, window: timedelta, changes: int) -> Situation:
    """The situation on the command's scope now."""
    now = svc.clock.now()
    answer, _, tsa = _collect(svc, None)
    every = collect_holds(answer.results, tsa, now)
    holds: list[Hold] = []
    target: Hold | None = None
    if isinstance(command, Cancel):
        target = next((h for h in every if h.hold_id == command.hold), None)
        if target is None:
            raise NotFound(f"There is no hold `{command.hold}` on the park now.",
                           hint="`/kumo holds` lists every hold with its id.")
    elif scope is not None:
        holds = holds_in_scope(every, scope)
    elif isinstance(command, SuspendPath):
        holds = [h for h in every if h.kind == "suspend-path" and h.site == command.site]
    replies = _replies(svc, scope, now - lookback) if scope is not None else ()
    effective = None
    sources: list[str] = []
    if isinstance(command, ShapingSet) and scope is not None:
        sources = override_sources(svc, command, scope, tsa.overrides, holds)
        effective = effective_for(svc, command, scope, tsa.overrides, sources)
    return Situation(now=now, holds=tuple(holds), replies=replies, recent_changes=changes,
                     target_hold=target, effective=effective, override_sources=tuple(sources))


def shaping_sources(command: ShapingSet, tsa: Sequence[TsaOverride],
                    holds: Sequence[Hold], metric_sources: Iterable[str] = (), *,
                    unheard: str = "") -> list[str]:
    """The egress sources an override applies to: ``--source``, else the domain's known paths
    (its site's paths in the nodes' metrics, TSA's overrides on it, its suspended paths)."""
    if command.source:
        return [command.source]
    found = set(metric_sources)
    found |= {o.source for o in tsa if o.domain == command.domain}
    found |= {split_ready_queue(h.name).source for h in holds
              if h.kind == "suspend-path" and h.name}
    if not found:
        raise UserInputError(f"I see no egress path of {command.domain} to override.{unheard}",
                             hint="Name the egress source: `--source S`.")
    return sorted(found)


def override_sources(svc: Services, command: ShapingSet, scope: Scope,
                     tsa: Sequence[TsaOverride], holds: Sequence[Hold]) -> list[str]:
    """:func:`shaping_sources`, with the site's egress paths read from the nodes' metrics now
    when no ``--source`` is given."""
    if command.source:
        return [command.source]
    now = current_paths(svc)
    if not now.answered and not tsa and not holds:
        raise UpstreamUnavailable(
            f"No node answered, so I cannot find the egress paths of {command.domain}; "
            "nothing was asked for.", hint="; ".join(f"{f.node}: {f.detail}" for f in now.failures))
    return shaping_sources(command, tsa, holds, sources_to_site(now.paths, scope.site),
                           unheard=now.unheard)


def sources_now(svc: Services, command: ShapingSet) -> list[str]:
    """The sources ``command`` would override now (what its card and its run name)."""
    scope = command_scope(svc, command)
    assert scope is not None  # a shaping command always names a domain
    answer, _, tsa = _collect(svc, None)
    holds = holds_in_scope(collect_holds(answer.results, tsa, svc.clock.now()), scope)
    return override_sources(svc, command, scope, tsa.overrides, holds)


def effective_for(svc: Services, command: ShapingSet, scope: Scope,
                  tsa: Sequence[TsaOverride], sources: Sequence[str]) -> Effective:
    """The effective value on the path the override would raise most (or lower least),
    over ``sources`` (:func:`override_sources`)."""
    limit_magnitude(command.key, command.value)  # a bad key or value is refused here
    now = svc.clock.now()
    texts = [(t.name, t.text) for t in (svc.knowledge.shaping.texts() if svc.knowledge else [])
             if t.text is not None]
    mine = svc.writes.records.active_overrides(now) if svc.writes is not None else []
    theirs = [OverrideEntry(o.domain, o.source, o.name, o.value, mx_rollup=bool(o.mx_rollup),
                            expires=o.expires, reason=o.reason,
                            site=scope.site if o.domain == scope.domain else None)
              for o in tsa]
    found = [effective_value(command.key, Path(scope.domain, scope.site, source,
                                               tuple(m.host for m in scope.mx)),
                             base_texts=texts, bot=mine, tsa=theirs, now=now)
             for source in sources]
    raising = [e for e in found if e.compare(command.value) > 0]
    with_tsa = [e for e in raising if e.tsa is not None]
    return (with_tsa or raising or found)[0]


def _replies(svc: Services, scope: Scope, since: datetime) -> tuple[ReplyEvidence, ...]:
    """Receivers' replies on the scope since ``since``, by category (internal ones never)."""
    if svc.logs is None or svc.knowledge is None:
        return ()
    query = LogQuery(domain=scope.domain, types=_REPLY_TYPES, since=since,
                     nodes=tuple(svc.logs.node_names), internal=False)
    try:
        summary = svc.logs.tally_responses(query, ResponseTally()).result.summary(top=50)
    except BotError:
        return ()
    counts: Counter[str] = Counter()
    samples: dict[str, str] = {}
    for group in summary.groups:
        line = f"{group.code or ''} {group.enhanced} {group.text}".strip()
        category = svc.knowledge.classifier.classify(line).category
        counts[category] += group.count
        samples.setdefault(category, line)
    return tuple(ReplyEvidence(c, n, samples[c]) for c, n in counts.most_common())


def blast_radius(svc: Services, command: Bounce, scope: Scope | None) -> list[str]:
    """Per node and queue, how many messages a bounce would destroy (``scheduled_count``)."""

    async def scheduled(reader: MtaReader) -> list[MetricSample]:
        return await reader.metrics(frozenset({"scheduled_count"}))

    answer = svc.park.ask(scheduled)
    lines: list[str] = []
    total = 0
    for node, samples in answer.results.items():
        for sample in samples:
            queue = sample.labels.get("queue", "")
            if not queue or sample.value <= 0 or not _bounced(command, scope, queue):
                continue
            total += int(sample.value)
            lines.append(f"{node}: `{queue}` {int(sample.value):,} messages")
    lines.sort()
    lines.insert(0, f"{total:,} messages queued now would be bounced")
    for failure in answer.failures:
        lines.append(f"{failure.node}: not counted ({failure.detail})")
    return lines


def _bounced(command: Bounce, scope: Scope | None, queue: str) -> bool:
    if command.everything:
        return True
    if command.queues:
        return queue in command.queues
    if scope is not None and not scope.covers_scheduled(queue):
        return False
    return criteria_match(parse_scheduled_queue(queue), campaign=command.campaign,
                          tenant=command.tenant, domain=command.domain)
