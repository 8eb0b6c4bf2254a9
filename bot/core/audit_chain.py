"""The audit log's chain: how a row is sealed, how the head is signed, how both are checked.

Each row stores its event as canonical JSON (``body``), the seal of the row before it
(``prev_hash``) and its own seal: ``hash = HMAC-SHA256(key, prev_hash + body)``.  The
key (``KUMO_AUDIT_KEY``) lives outside the database, so nobody who can only write to
the table can edit, insert or re-seal a row without the next check naming it.  The
chain's head (last sequence number and seal) is signed with the same key under another
label, kept in the database beside the rows and copied to an anchor outside it: a
truncated tail, or a head rolled back to an older one, is found against those.

Pure: this module reads rows it is given and returns a report; storage lives elsewhere.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import Field

from bot.core.audit import AuditEvent
from bot.core.models import Model

GENESIS = "0" * 64
"""The ``prev_hash`` of the first row."""

_ROW_LABEL = b"kumo-bot audit row v1\n"
_HEAD_LABEL = b"kumo-bot audit head v1\n"


def canonical_body(event: AuditEvent) -> str:
    """The event as the exact text that is sealed and stored: sorted keys, no spaces."""
    data = event.model_dump(mode="json")
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def seal(key: bytes, prev_hash: str, body: str) -> str:
    """The seal of one row: an HMAC over the previous seal and the row's body."""
    message = _ROW_LABEL + prev_hash.encode("ascii") + b"\n" + body.encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def sign_head(key: bytes, seq: int, hash_: str) -> str:
    """The signature of a head: it says "the chain ends at row ``seq`` with seal ``hash_``"."""
    message = _HEAD_LABEL + f"{seq}\n{hash_}".encode("ascii")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def index_columns(event: AuditEvent) -> dict[str, Any]:
    """The columns stored beside the body so the log can be filtered without parsing it.

    ``verify`` checks that they still say what the sealed body says.
    """
    return {
        "at": event.at,
        "actor_id": event.actor.id,
        "actor_name": event.actor.name,
        "transport": event.transport,
        "phase": event.phase,
        "outcome": event.outcome,
        "incident_id": event.incident_id,
        "correlation_id": event.correlation_id,
    }


class SignedHead(Model):
    """The last row of the chain, signed: what the database and an anchor remember."""

    seq: int
    hash: str
    signature: str | None = None
    at: datetime | None = None

    def signed_by(self, key: bytes) -> bool:
        """Whether ``signature`` was made with ``key`` for exactly this seq and seal."""
        if not self.signature:
            return False
        return hmac.compare_digest(self.signature, sign_head(key, self.seq, self.hash))


class StoredRow(Model):
    """One row as read back from storage, before anything is trusted."""

    seq: int
    prev_hash: str
    hash: str
    body: str
    columns: dict[str, Any]


class AuditRecord(AuditEvent):
    """An event with its place in the chain (what ``audit export`` writes)."""

    seq: int
    prev_hash: str
    hash: str


class VerifyReport(Model):
    """What ``kumo-bot audit verify`` found."""

    ok: bool
    rows: int
    first_bad_seq: int | None = None
    problem: str | None = None
    notes: list[str] = Field(default_factory=list)

    def render(self) -> str:
        """The report as lines for a terminal."""
        if self.ok:
            lines = [f"audit log OK: {self.rows:,} rows, every seal and link checks out."]
        else:
            where = f" at row {self.first_bad_seq}" if self.first_bad_seq is not None else ""
            lines = [f"audit log FAILED{where}: {self.problem}",
                     f"({self.rows:,} good row{'' if self.rows == 1 else 's'} came before "
                     "it.)"]
        lines.extend(self.notes)
        return "\n".join(lines)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _columns_differ(row: StoredRow, event: AuditEvent) -> str | None:
    for name, value in index_columns(event).items():
        stored = row.columns.get(name)
        if isinstance(value, datetime) and isinstance(stored, datetime):
            same = _utc(value) == _utc(stored)
        else:
            same = stored == value
        if not same:
            return name
    return None


def _check_row(row: StoredRow, key: bytes, expected_seq: int, prev: str) -> str | None:
    """Why one row is bad, or None; the order of the checks names the likeliest cause."""
    if row.seq != expected_seq:
        gap = f"rows {expected_seq}-{row.seq - 1} are" if row.seq - 1 > expected_seq else (
            f"row {expected_seq} is")
        return f"{gap} missing: deleted from the table."
    if not hmac.compare_digest(seal(key, row.prev_hash, row.body), row.hash):
        return ("its seal does not match its content: the row was edited, or inserted or "
                "re-sealed by someone without the audit key.")
    if row.prev_hash != prev:
        return (f"the row is intact but does not follow row {row.seq - 1}: rows were "
                "reordered here, or one was deleted or inserted before it.")
    try:
        event = AuditEvent.model_validate_json(row.body)
    except ValueError:
        return "its sealed content is not an audit event."
    column = _columns_differ(row, event)
    if column is not None:
        return f"its `{column}` column was edited: it no longer says what the sealed row says."
    return None


def verify_chain(
    rows: Iterable[StoredRow],
    *,
    key: bytes,
    head: SignedHead | None,
    anchors: Mapping[str, SignedHead | None] | None = None,
) -> VerifyReport:
    """Check every row in sequence order, then the signed head and each anchor."""
    expected, prev, count = 1, GENESIS, 0
    present = {name: a for name, a in (anchors or {}).items() if a is not None}
    seals_at: dict[int, str] = {}
    wanted = {a.seq for a in present.values()}
    for row in rows:
        problem = _check_row(row, key, expected, prev)
        if problem is not None:
            return VerifyReport(ok=False, rows=count, first_bad_seq=expected, problem=problem)
        if row.seq in wanted:
            seals_at[row.seq] = row.hash
        prev, expected, count = row.hash, expected + 1, count + 1
    last = expected - 1
    found = _check_head(head, key, last, prev)
    if found is not None:
        return VerifyReport(ok=False, rows=count, first_bad_seq=found[0], problem=found[1])
    notes = [f"signed head: row {last}, signature valid." if last else "the log is empty."]
    for name, anchor in present.items():
        found = _check_anchor(name, anchor, key, last, seals_at.get(anchor.seq))
        if found is not None:
            return VerifyReport(ok=False, rows=count, first_bad_seq=found[0],
                                problem=found[1], notes=notes)
        notes.append(f"anchor {name}: row {anchor.seq} matches.")
    notes.extend(f"anchor {name}: nothing written there yet."
                 for name in (anchors or {}) if name not in present)
    return VerifyReport(ok=True, rows=count, notes=notes)


def _check_head(
    head: SignedHead | None, key: bytes, last: int, last_hash: str
) -> tuple[int | None, str] | None:
    if head is None:
        return (None, "the head row is missing: the table was rebuilt outside the bot.")
    if head.seq == 0 and head.signature is None:
        if last == 0:
            return None  # a fresh log: nothing appended yet, nothing to sign
        return (1, f"rows 1-{last} are not covered by any signed head: written outside "
                   "the bot.")
    if not head.signed_by(key):
        return (head.seq or None, "the head's signature is not valid for this audit key: "
                "the head was edited (or KUMO_AUDIT_KEY is not the key the bot used).")
    if head.seq > last:
        return (last + 1, f"the tail was truncated: the signed head is at row {head.seq}, "
                          f"the table ends at row {last}.")
    if head.seq < last:
        return (head.seq + 1, f"rows {head.seq + 1}-{last} come after the signed head: "
                              "inserted outside the bot.")
    if head.hash != last_hash:
        return (last, "the last row is not the one the head signed: the chain was rewritten.")
    return None


def _check_anchor(
    name: str, anchor: SignedHead, key: bytes, last: int, seal_there: str | None
) -> tuple[int | None, str] | None:
    if anchor.seq == 0 and anchor.signature is None:
        return None  # anchored before the first row: it proves nothing yet
    if not anchor.signed_by(key):
        return (None, f"the copy of the head at {name} has no valid signature.")
    if anchor.seq > last:
        return (last + 1, f"the tail was truncated: {name} saw row {anchor.seq}, the table "
                          f"ends at row {last}.")
    if seal_there != anchor.hash:
        return (anchor.seq, f"row {anchor.seq} is not the row {name} saw: the chain was "
                            "rewritten.")
    return None
