"""``postmortem [INCIDENT]``: the post-mortem managers read (issue 8, DESIGN 7).

Reads what the document needs (the incident and its timeline, the delivery logs over
its window, what was still queued at the end, the holds left in place, earlier
incidents and TSA's earlier actions), hands it to ``core.postmortem_sections`` and
renders the result through the ``PostmortemRenderer`` port: Markdown, HTML and the
chart.  Without an id, the incident is the open one of the channel asked in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.core.answers_postmortem import PostmortemAnswer
from bot.core.command_text import echo
from bot.core.commands import Postmortem, Queue
from bot.core.errors import BotError, ConfigError, NotFound, UserInputError
from bot.core.holds import Hold, collect_holds, holds_in_scope
from bot.core.impact import IMPACT_TYPES, ImpactTally, window_end
from bot.core.incidents import Incident
from bot.core.logquery import LogQuery
from bot.core.models import NodeFailure
from bot.core.postmortem import PostmortemDoc, QueuedAtResolve, QueuedRow, utc_text
from bot.core.postmortem_sections import Readings, build_postmortem
from bot.core.scope import Scope, normalize_domain, scope_for
from bot.core.tsa_history import entry_in_scope
from bot.core.tsa_timeline import short_rule
from bot.ports import DocumentShelf, IncidentStore, PostmortemRenderer
from bot.use_cases import logs, summaries
from bot.use_cases.incidents import build_timeline

if TYPE_CHECKING:
    from bot.services import Services

PATTERN_LOOKBACK = timedelta(days=7)
"""How far before the open TSA's actions count as a pattern."""
FLUSH_MARGIN = timedelta(minutes=2)
"""Rendered sooner than this after the window's end, the logs may still be catching up."""
RESOLVE_SAMPLE_SLACK = timedelta(minutes=15)
"""How old a node's last sample before the resolve may be and still stand for it."""


@dataclass(frozen=True)
class PostmortemSetup:
    """What rendering needs: the renderer, and where to keep a copy of the files."""

    renderer: PostmortemRenderer
    shelf: DocumentShelf | None = None


def postmortem_answer(svc: Services, cmd: Postmortem, base: dict[str, Any], *,
                      channel: str | None) -> PostmortemAnswer:
    """Render the post-mortem of ``cmd.target``; without one, of the incident filed for
    this command (``--incident``, or the channel's open one), else the channel's newest."""
    store = incident_store(svc)
    setup = svc.postmortem
    if setup is None:
        raise ConfigError("Post-mortems are not set up in this process (no renderer).",
                          hint="Run the bot through `kumo-bot` so bootstrap wires it.")
    incident = find_incident(store, cmd.target or cmd.incident, channel)
    doc, failures, asked = postmortem_doc(svc, store, incident, now=base["generated_at"])
    files = setup.renderer.render(doc)
    saved = setup.shelf.save(files) if setup.shelf is not None else None
    return PostmortemAnswer(
        incident_id=incident.id, title=incident.title, status=incident.status,
        summary=doc.summary, files=files, saved_to=saved, asked=asked, failures=failures,
        **base,
    )


def incident_store(svc: Services) -> IncidentStore:
    """The incident store, or a clear error when this process has none."""
    if svc.incidents is None:
        raise ConfigError("Incidents are not kept by this process (no incident store).",
                          hint="Run the bot with its database (DATABASE_URL or the data dir).")
    return svc.incidents


def find_incident(store: IncidentStore, target: str | None, channel: str | None) -> Incident:
    """The incident named (an id, any case), or the newest that lived in ``channel``
    (resolved ones included: a post-mortem is written after the resolve)."""
    if target is not None:
        found = store.get(target) or store.get(target.upper())
        if found is None:
            raise NotFound(f"There is no incident `{echo(target)}`.",
                           hint="`/kumo incident list` shows the incidents and their ids.")
        return found
    here = store.by_channel(channel) if channel else None
    if here is None and channel:
        lived = [i for i in store.recent(include_resolved=True, limit=200)
                 if i.channel == channel]
        here = max(lived, key=lambda i: (i.opened_at, i.id)) if lived else None
    if here is None:
        raise UserInputError("No incident lives in this channel, so I need the incident's id.",
                             hint="Usage: `/kumo postmortem INCIDENT` (`/kumo incident list` "
                                  "shows the ids).")
    return here


def postmortem_doc(svc: Services, store: IncidentStore, incident: Incident, *,
                   now: datetime) -> tuple[PostmortemDoc, list[NodeFailure], list[str]]:
    """The document, with the nodes that failed and every node asked."""
    until = window_end(incident.opened_at, incident.resolved_at, now)
    scopes = _scopes(svc, incident.domains)
    failures: list[NodeFailure] = []
    asked: list[str] = []
    impact_fields = _impact(svc, incident, until, now)
    queued, queued_why = _queued(svc, incident, scopes, now, failures, asked)
    holds, holds_why = _holds_left(svc, scopes, now, failures, asked)
    tsa_before, tsa_why = _tsa_before(svc, incident, scopes)
    earlier = tuple(store.recent(include_resolved=True, limit=200))
    readings = Readings(
        now=now, until=until, queued=queued, queued_why=queued_why,
        earlier=earlier, tsa_before=tsa_before, tsa_before_why=tsa_why,
        holds_left=holds, holds_why=holds_why, **impact_fields,
    )
    doc = build_postmortem(incident, build_timeline(svc, incident), readings)
    if doc.chart_file is None and doc.chart_why is None:
        doc = doc.model_copy(update={"chart_file": f"{doc.base_name}.png"})
    return doc, _unique(failures), sorted(set(asked))


def _unique(failures: list[NodeFailure]) -> list[NodeFailure]:
    seen: dict[tuple[str, str, str], NodeFailure] = {}
    for f in failures:
        seen.setdefault((f.node, f.kind, f.detail), f)
    return [seen[k] for k in sorted(seen)]


def _scopes(svc: Services, domains: Sequence[str]) -> list[Scope]:
    out = []
    for domain in domains:
        try:
            out.append(scope_for(domain, svc.resolver.mx_records(domain)))
        except BotError:
            out.append(scope_for(domain, []))  # the implicit MX: the domain is its own site
    return out


def _impact(svc: Services, incident: Incident, until: datetime, now: datetime
            ) -> dict[str, Any]:
    """The ``impact``, ``impact_why`` and ``impact_notes`` fields of the readings."""
    domains = [normalize_domain(d) for d in incident.domains]
    if not domains:
        return {"impact_why": "The incident names no domain (`incident start ... --domain D`), "
                              "so there is nothing to count in the delivery logs."}
    reader = svc.logs
    if reader is None or not reader.node_names:
        return {"impact_why": "No delivery logs are configured (KUMO_LOG_DIRS), so the impact "
                              "cannot be read from the logs."}
    nodes, missing = logs._nodes(svc, reader, None)
    notes = [f"No delivery logs configured for node {n}: its records are not counted."
             for n in missing]
    tally = ImpactTally(domains, incident.opened_at, until)
    problems: dict[str, None] = {}
    for domain in domains:
        query = LogQuery(domain=domain, types=frozenset(IMPACT_TYPES), since=incident.opened_at,
                         until=until, nodes=tuple(nodes), internal=True)

        def visit(node: str, record: Any, domain: str = domain) -> None:
            if tally.owns(record, domain):
                tally.add(record)

        scan = reader.visit_records(query, visit)
        for problem in scan.report.problems:
            problems[problem.sentence] = None
    notes += [f"Skipped while reading the logs: {p}" for p in sorted(problems)]
    if now - until < FLUSH_MARGIN:
        notes.append(f"Generated less than {FLUSH_MARGIN} after the window's end: kumod "
                     "flushes its live log segment about once a minute, so the last records "
                     "may be missing; render it again later for the final numbers.")
    notes.append("Logs read from node(s): " + (", ".join(sorted(nodes)) or "none") + ".")
    return {"impact": tally.impact(), "impact_notes": tuple(notes)}


def _queued(svc: Services, incident: Incident, scopes: list[Scope], now: datetime,
            failures: list[NodeFailure], asked: list[str]
            ) -> tuple[QueuedAtResolve | None, str | None]:
    if not scopes:
        return None, "The incident names no domain, so there is no queue to look at."
    if incident.resolved_at is None:
        rows = []
        for scope in scopes:
            try:
                answer = summaries.queue_summary_answer(
                    svc, Queue(domain=scope.domain), {"command": "queue", "generated_at": now})
            except BotError as exc:
                return None, f"The park could not be read for {scope.domain}: {exc.message}"
            failures.extend(answer.failures)
            asked.extend(answer.asked)
            for node, summary in sorted(answer.summary.per_node.items()):
                count = sum(r.queued for r in summary.ready) + sum(
                    s.count for s in summary.scheduled)
                rows.append(QueuedRow(domain=scope.domain, node=node, queued=count))
        return QueuedAtResolve(basis="read live from the park: the incident is still open",
                               at=now, rows=rows), None
    if svc.history is None:
        return None, ("There is no metric history here (`kumo-bot watch` samples it), so what "
                      "was still queued at the resolve is unknown.")
    at = incident.resolved_at
    snapshots = svc.history.snapshots(since=at - RESOLVE_SAMPLE_SLACK, until=at,
                                      kinds={"sched", "ready"})
    newest = {}
    for snap in snapshots:
        if snap.at <= at:
            newest[snap.node] = snap
    if not newest:
        return None, (f"The metric history holds no sample in the {RESOLVE_SAMPLE_SLACK} "
                      f"before the resolve ({utc_text(at)}), so what was still queued then "
                      "is unknown.")
    rows = []
    for scope in scopes:
        for node, snap in sorted(newest.items()):
            total = 0.0
            for (kind, name), value in snap.values.items():
                if (kind == "sched" and scope.covers_scheduled(name)) or (
                        kind == "ready" and scope.covers_ready(name)):
                    total += value
            rows.append(QueuedRow(domain=scope.domain, node=node, queued=round(total)))
    last = max(s.at for s in newest.values())
    return QueuedAtResolve(
        basis="from the metric history: each node's last sample at or before the resolve",
        at=last, rows=rows), None


def _hold_text(hold: Hold) -> str:
    what = hold.domain or hold.name or hold.source or hold.site or "?"
    expires = f", expires {utc_text(hold.expires)}" if hold.expires else ""
    return f"{hold.hold_id}: {hold.kind} of {what} ({hold.origin}), “{hold.reason}”{expires}"


def _holds_left(svc: Services, scopes: list[Scope], now: datetime,
                failures: list[NodeFailure], asked: list[str]
                ) -> tuple[tuple[str, ...] | None, str | None]:
    if not scopes:
        return (), None
    try:
        answer, _tsa_answer, tsa = summaries._collect(svc, None)
    except BotError as exc:
        return None, exc.message
    failures.extend(answer.failures)
    asked.extend(answer.asked)
    if not answer.results:
        return None, "no node answered"
    every = collect_holds(answer.results, tsa, now)
    found: dict[str, str] = {}
    for scope in scopes:
        for hold in holds_in_scope(every, scope):
            found[hold.hold_id] = _hold_text(hold)
    return tuple(found[k] for k in sorted(found)), None


def _tsa_before(svc: Services, incident: Incident, scopes: list[Scope]
                ) -> tuple[tuple[str, ...] | None, str | None]:
    diary = svc.tsa_diary
    if diary is None:
        return None, "The TSA diary is not kept here (`kumo-bot watch` keeps it)."
    since = incident.opened_at - PATTERN_LOOKBACK
    lines = []
    for entry in diary.entries(since=since):
        if (entry.ended_at or entry.expires) >= incident.opened_at:
            continue  # still acting when the incident opened: part of it, not before it
        if any(entry_in_scope(entry, scope) for scope in scopes):
            lines.append(f"{utc_text(entry.first_seen)} {entry.kind} of {entry.scope_text} "
                         f"(rule “{short_rule(entry.rule)}”)")
    return tuple(sorted(lines)), None
