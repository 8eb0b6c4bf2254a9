"""Writing to every node of the park: at most once per node, every outcome known (DESIGN 5).

1. Preflight every target node (reachable, write permitted); if one fails, nothing
   is written anywhere and the answer says which node and why.
2. ``record_change`` writes the intent row; if it cannot, nothing is sent.
3. Each node gets the write once; its outcome is recorded per node.
4. A node whose outcome is unknown (timeout, dropped connection) is reconciled by
   reading its list endpoint: the entry is there (done, with its UUID) or it is not
   (not applied).  Nothing is retried blindly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from bot.core.admin_writes import AdminWrite, NodeOutcome
from bot.core.audit import AuditEvent, Outcome
from bot.core.authorization import Authorization
from bot.core.errors import UpstreamUnavailable
from bot.ports import MtaReader, MtaWriter
from bot.use_cases.change_record import ChangeRecord, record_change

if TYPE_CHECKING:
    from bot.services import Services

_AUDIT_OUTCOME: dict[str, Outcome] = {"done": "ok", "failed": "error", "unknown": "unknown",
                                      "not-applied": "error"}
_LISTED = {"suspend": "scheduled_suspensions", "suspend-path": "ready_queue_suspensions",
           "bounce": "bounces", "cancel-suspend": "scheduled_suspensions",
           "cancel-suspend-path": "ready_queue_suspensions", "cancel-bounce": "bounces"}


def preflight(writer: MtaWriter, nodes: Sequence[str]) -> None:
    """Raise ``UpstreamUnavailable`` naming every node that cannot take a write now."""
    problems = [(node, why) for node in nodes if (why := writer.preflight(node)) is not None]
    if problems:
        raise UpstreamUnavailable(
            "Nothing was changed: not every node can take the write now.",
            hint="; ".join(f"{node}: {why}" for node, why in problems),
        )


def write_park(svc: Services, writer: MtaWriter, authorization: Authorization,
               requests: Mapping[str, AdminWrite], *, intent: AuditEvent) -> list[NodeOutcome]:
    """Preflight, intent row, one write per node, per-node outcomes, unknowns reconciled.

    ``requests`` maps each target node to its write (a cancel names each node's UUID).
    """
    nodes = list(requests)
    preflight(writer, nodes)
    intent = intent.model_copy(update={"nodes": nodes})

    def act(record: ChangeRecord) -> list[NodeOutcome]:
        outcomes: list[NodeOutcome] = []
        for node in nodes:
            outcome = writer.write(authorization, node, requests[node])
            record.outcome(_AUDIT_OUTCOME[outcome.status], node=node,
                           detail=f"{outcome.status}: {outcome.detail}")
            outcomes.append(outcome)
        unknown = [o.node for o in outcomes if o.status == "unknown"]
        if unknown:
            found = reconcile(svc, requests, unknown)
            for node, settled in found.items():
                record.outcome(_AUDIT_OUTCOME[settled.status], node=node,
                               detail=f"reconciled: {settled.detail}")
            outcomes = [found.get(o.node, o) for o in outcomes]
        return outcomes

    outcomes, _ = record_change(svc.audit, svc.clock, intent, act)
    return outcomes


def reconcile(svc: Services, requests: Mapping[str, AdminWrite],
              nodes: Sequence[str]) -> dict[str, NodeOutcome]:
    """Read the list endpoint of each node whose outcome is unknown, and settle it."""
    kind = requests[nodes[0]].kind
    method = _LISTED.get(kind)
    if method is None:
        return {n: NodeOutcome(node=n, status="unknown", detail="kumod has no list to read "
                               "this write back from; check the node") for n in nodes}

    async def listed(reader: MtaReader) -> list[Any]:
        entries: list[Any] = await getattr(reader, method)()
        return entries

    answer = svc.park.ask(listed, nodes=list(nodes))
    settled: dict[str, NodeOutcome] = {}
    for node in nodes:
        request = requests[node]
        entries = answer.results.get(node)
        if entries is None:
            settled[node] = NodeOutcome(node=node, status="unknown",
                                        detail="still unknown: its list could not be read")
            continue
        if kind.startswith("cancel-"):  # a cancel is done when the entry is gone
            gone = all(str(e.id) != request.body.get("id") for e in entries)
            settled[node] = NodeOutcome(
                node=node, status="done" if gone else "not-applied",
                detail="its list no longer shows the entry: cancelled" if gone
                else "its list still shows the entry: not cancelled")
            continue
        match = next((e for e in entries if _same(e, request.body)), None)
        if match is None:
            settled[node] = NodeOutcome(node=node, status="not-applied",
                                        detail="its list does not show the entry: not applied")
        else:
            settled[node] = NodeOutcome(node=node, status="done", uuid=str(match.id),
                                        detail="its list shows the entry: applied")
    return settled


def _same(entry: Any, body: dict[str, Any]) -> bool:
    if getattr(entry, "reason", None) is not None and not str(entry.reason).startswith(
            str(body.get("reason", ""))):
        return False
    if "name" in body and getattr(entry, "name", None) != body["name"]:
        return False
    return all(getattr(entry, key, None) == body.get(key)
               for key in ("domain", "tenant", "campaign") if hasattr(entry, key))
