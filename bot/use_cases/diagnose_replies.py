"""The receivers' replies for ``diagnose``: two windows of the delivery logs, classified.

The window of the guard file (``[diagnosis] window``) is read as two tallies, the
recent part and the baseline before it, so a sudden mass of 5xx can be measured
against what came before; the two are merged for the whole window.  KumoMTA's own
``KumoMTA internal:`` replies are counted apart: they are never evidence about a
receiver, only KumoMTA's view of itself.  The most frequent groups are classified
and checked against TSA's rules for the domain (``ResponseKnowledge.explain``).
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING

from bot.core.diagnosis import unchecked
from bot.core.diagnosis_model import ExplainedGroup, RepliesRead, Unchecked
from bot.core.diagnosis_words import representative_reply
from bot.core.errors import BotError
from bot.core.explanation import Explanation
from bot.core.logquery import LogQuery
from bot.core.logrecords import RESPONSE_TYPES, LogRecord, RecordType
from bot.core.logscan import LogScan
from bot.core.logtally import ResponseGroup, ResponseTally
from bot.core.scope import Scope
from bot.ports import LogReader

if TYPE_CHECKING:
    from bot.core.guard_file import DiagnosisThresholds
    from bot.services import Services
    from bot.use_cases.knowledge import ResponseKnowledge

TOP_GROUPS = 12
"""Groups classified and weighed; the rarer ones stay counted in the totals."""
BOUNCE_SAMPLE = 100
"""The newest 5xx records read for their queue names (tenant, campaign)."""
_RECENT_GROUPS = 200


def _tally(reader: LogReader, query: LogQuery) -> LogScan[ResponseTally]:
    return reader.tally_responses(query, ResponseTally(group_internal=True))


def _newest_5xx(reader: LogReader, query: LogQuery) -> LogScan[list[tuple[str, LogRecord]]]:
    return reader.newest_records(query, limit=BOUNCE_SAMPLE)


def _key(g: ResponseGroup) -> tuple[int | None, str, str]:
    return (g.code, g.enhanced, g.text)


def _explain(knowledge: ResponseKnowledge, domain: str, groups: list[ResponseGroup],
             recent: dict[tuple[int | None, str, str], int]
             ) -> tuple[list[ExplainedGroup], list[Unchecked]]:
    """Each group classified, with the TSA rules that fire on it for the domain."""
    problems: list[Unchecked] = []
    try:
        knowledge.automation()
        rules = True
    except BotError as exc:  # a broken shaping file: classify anyway, say what is unknown
        rules = False
        problems.append(unchecked("rules", "shaping files", exc.message))
    out = []
    for g in groups:
        text = representative_reply(g)
        explanation = (knowledge.explain(text, domain=domain) if rules else
                       Explanation(classification=knowledge.classifier.classify(text),
                                   domain=domain))
        out.append(ExplainedGroup(group=g, recent=recent.get(_key(g), 0),
                                  explanation=explanation))
    return out, problems


def read_replies(svc: Services, knowledge: ResponseKnowledge, scope: Scope, now: datetime,
                 th: DiagnosisThresholds, pool: ThreadPoolExecutor
                 ) -> tuple[RepliesRead | None, list[Unchecked]]:
    """The domain's replies over the window, or None (and why) when the logs cannot tell."""
    reader = svc.logs
    if reader is None or not reader.node_names:
        return None, [unchecked("logs", "delivery logs",
                                "no log directories are configured (KUMO_LOG_DIRS)")]
    nodes = tuple(reader.node_names)
    problems = [unchecked("logs", n, "no log directory is configured for it (KUMO_LOG_DIRS)")
                for n in svc.park.node_names if n not in nodes]
    since, recent_since = now - th.window, now - th.recent

    def query(start: datetime, until: datetime | None) -> LogQuery:
        return LogQuery(domain=scope.domain, types=frozenset(RESPONSE_TYPES), since=start,
                        until=until, nodes=nodes, internal=True)

    fives = LogQuery(domain=scope.domain, types=frozenset({RecordType.BOUNCE}), code_class=5,
                     since=since, nodes=nodes)
    recent_f = pool.submit(_tally, reader, query(recent_since, None))
    older_f = pool.submit(_tally, reader, query(since, recent_since))
    sample_f = pool.submit(_newest_5xx, reader, fives)
    try:
        recent, older, sample = recent_f.result(), older_f.result(), sample_f.result()
    except BotError as exc:
        return None, [*problems, unchecked("logs", "delivery logs", exc.message)]
    broken = {(p.node, p.path): p for scan in (recent, older) for p in scan.report.problems
              if p.kind == "unreadable"}
    problems += [unchecked("logs", p.node, p.sentence) for p in broken.values()]
    read = [n for n in nodes if n not in {p.node for p in broken.values()}]
    if not read:
        return None, problems
    whole = ResponseTally(group_internal=True)
    whole.merge(older.result)
    whole.merge(recent.result)
    summary = whole.summary(top=TOP_GROUPS)
    recent_counts = {_key(g): g.count
                     for g in recent.result.summary(top=_RECENT_GROUPS).groups}
    groups, rule_problems = _explain(knowledge, scope.domain, summary.groups, recent_counts)
    queues = Counter(record.queue for _, record in sample.result if record.queue)
    return RepliesRead(
        since=since, recent_since=recent_since, deferrals=summary.deferrals,
        bounces=summary.bounces, other=summary.other, internal=summary.internal,
        recent_bounces=recent.result.bounces, groups=groups, groups_total=summary.groups_total,
        internal_groups=summary.internal_groups, bounce_queues=dict(queues), nodes=read,
        rules_checked=not rule_problems,
    ), problems + rule_problems
