"""``log`` and ``responses``: what the delivery logs say about a domain (DESIGN 1.1, 4).

Both resolve DOMAIN once into a scope (its site, through the resolver port), build a
``LogQuery`` and ask the ``LogReader`` port; neither knows how logs are stored.
KumoMTA's own responses are counted apart and shown only with ``--internal``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.core.answers_logs import LogAnswer, LogEntry, ResponsesAnswer
from bot.core.commands import Log, Responses
from bot.core.errors import BotError, ConfigError, NotFound
from bot.core.logquery import LogQuery, SiteOf
from bot.core.logrecords import RESPONSE_TYPES, LogRecord
from bot.core.logscan import ProgressFn, ScanReport
from bot.core.logtally import ResponseTally
from bot.core.models import NodeFailure
from bot.core.redact import queue_address, redact_addresses
from bot.core.scope import Scope, scope_for
from bot.ports import LogReader

if TYPE_CHECKING:
    from bot.services import Services

DEFAULT_LIMIT = 20
DEFAULT_RESPONSES_SINCE = timedelta(hours=24)
TOP_GROUPS = 15


def _reader(svc: Services) -> LogReader:
    if svc.logs is None or not svc.logs.node_names:
        raise ConfigError(
            "No delivery log directories are configured, so I cannot read the logs.",
            hint="Set KUMO_LOG_DIRS=node=/var/log/kumomta,... on a host that can read "
            "kumod's log directories (a node may be listed more than once).",
        )
    return svc.logs


def _site_of(svc: Services) -> SiteOf:
    """The site of any recipient domain, through the resolver; None when unresolvable."""

    def site_of(domain: str) -> str | None:
        try:
            return scope_for(domain, svc.resolver.mx_records(domain)).site
        except BotError:
            return None

    return site_of


def _nodes(svc: Services, reader: LogReader, node: str | None) -> tuple[list[str], list[str]]:
    """The nodes to read, and the park's nodes that have no log directory configured."""
    # The park's nodes, then any node that has logs but no admin API configured.
    every = [*svc.park.node_names, *(n for n in reader.node_names if n not in svc.park.node_names)]
    wanted = [node] if node else every
    readable = [n for n in wanted if n in reader.node_names]
    missing = [n for n in wanted if n not in reader.node_names]
    if node and not readable:
        raise NotFound(
            f"No log directory is configured for node {node!r}.",
            hint="Nodes with logs: " + ", ".join(reader.node_names),
        )
    return readable, missing


def _scope_sentence(scope: Scope, widened: bool) -> str:
    if widened:
        return (f"every recipient domain on {scope.domain}'s {scope.site_text} "
                "(`--site`; domains resolved through the site map or DNS)")
    return (f"recipients at {scope.domain} ({scope.site_text}; `--site` widens to every "
            "domain on that site)")


def _failures(report: ScanReport, missing: list[str]) -> list[NodeFailure]:
    failures = [
        NodeFailure(node=n, kind="no-logs", detail="no log directory configured (KUMO_LOG_DIRS)")
        for n in missing
    ]
    failures += [
        NodeFailure(node=p.node, kind="unreadable", detail=p.sentence)
        for p in report.problems
        if p.kind == "unreadable"
    ]
    return failures


def _entry(node: str, record: LogRecord, *, redact: bool) -> LogEntry:
    keep = [q for q in (queue_address(record.queue),) if q]
    text = redact_addresses(record.content, keep=keep) if redact else record.content
    return LogEntry(
        at=record.at, node=node, type=record.type, code=record.code,
        enhanced=record.enhanced_text, text=text, internal=record.is_internal,
        source=record.egress_source, site=record.site, queue=record.queue,
        domains=sorted(set(record.recipient_domains)), attempts=record.num_attempts,
    )


def log_records(
    svc: Services, cmd: Log, base: dict[str, Any], progress: ProgressFn | None = None
) -> LogAnswer:
    """The newest records for a domain (or its site), newest first, filtered."""
    reader = _reader(svc)
    scope = scope_for(cmd.domain, svc.resolver.mx_records(cmd.domain))
    nodes, missing = _nodes(svc, reader, cmd.node)
    now = base["generated_at"]
    since = now - cmd.since if cmd.since is not None else None
    query = LogQuery(
        domain=scope.domain, site=scope.site if cmd.site else None, site_of=_site_of(svc),
        types=frozenset({cmd.type}) if cmd.type else None, since=since, nodes=tuple(nodes),
        internal=cmd.internal,
    )
    limit = cmd.limit or DEFAULT_LIMIT
    scan = reader.newest_records(query, limit=limit, progress=progress)
    redact = svc.config.log_redact
    return LogAnswer(
        domain=scope.domain, scope_sentence=_scope_sentence(scope, cmd.site),
        filters=" · ".join(x for x in (query.describe(), f"node {cmd.node}" if cmd.node else "")
                           if x), since=since, limit=limit, internal_shown=cmd.internal,
        redacted=redact, records=[_entry(n, r, redact=redact) for n, r in scan.result],
        report=scan.report, asked=nodes + missing, failures=_failures(scan.report, missing),
        **base,
    )


def responses_summary(
    svc: Services, cmd: Responses, base: dict[str, Any], progress: ProgressFn | None = None
) -> ResponsesAnswer:
    """Receivers' responses for a domain: 4xx vs 5xx first, then grouped texts."""
    reader = _reader(svc)
    scope = scope_for(cmd.domain, svc.resolver.mx_records(cmd.domain))
    nodes, missing = _nodes(svc, reader, cmd.node)
    since = base["generated_at"] - (cmd.since or DEFAULT_RESPONSES_SINCE)
    query = LogQuery(
        domain=scope.domain, site=scope.site if cmd.site else None, site_of=_site_of(svc),
        types=frozenset(RESPONSE_TYPES), since=since, nodes=tuple(nodes), internal=True,
    )
    tally = ResponseTally(group_internal=cmd.internal)
    scan = reader.tally_responses(query, tally, progress=progress)
    return ResponsesAnswer(
        domain=scope.domain, scope_sentence=_scope_sentence(scope, cmd.site), since=since,
        since_is_default=cmd.since is None, internal_shown=cmd.internal,
        summary=scan.result.summary(top=TOP_GROUPS), report=scan.report,
        asked=nodes + missing, failures=_failures(scan.report, missing), **base,
    )
