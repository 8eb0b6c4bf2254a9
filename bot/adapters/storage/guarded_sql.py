"""``SqlGuardedRecords``: requests awaiting Confirm or sign-off, and the bot's own holds.

Several replicas may receive the same click: agreeing is a conditional UPDATE on the
approvals seen (``WHERE approvals = :seen``), and pending -> executing is one atomic
``UPDATE ... WHERE status = 'pending'``, so exactly one process executes a request.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.adapters.storage.engine import read_connection, write_transaction
from bot.adapters.storage.tables import UtcDateTime
from bot.core.authorization import Authorization, PendingAction, PendingStatus
from bot.core.bot_holds import BotHold
from bot.core.effective_shaping import OverrideEntry

_META = sa.MetaData()
PENDING = sa.Table(
    "pending_actions", _META,
    sa.Column("request_id", sa.String(32), primary_key=True),
    sa.Column("verb", sa.String(40)), sa.Column("scope", sa.String(300)),
    sa.Column("body", sa.Text), sa.Column("status", sa.String(20)),
    sa.Column("approvals", sa.Text), sa.Column("created_at", UtcDateTime),
    sa.Column("expires_at", UtcDateTime), sa.Column("updated_at", UtcDateTime),
    sa.Column("card_channel", sa.String(40)), sa.Column("card_ts", sa.String(40)),  # 0007
)
HOLDS = sa.Table(
    "bot_holds", _META,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("hold_id", sa.String(64)), sa.Column("request_id", sa.String(32)),
    sa.Column("kind", sa.String(20)), sa.Column("criteria", sa.Text),
    sa.Column("reason", sa.Text), sa.Column("node_uuids", sa.Text),
    sa.Column("created_at", UtcDateTime), sa.Column("expires_at", UtcDateTime),
    sa.Column("cancelled_at", UtcDateTime),
)
OVERRIDES = sa.Table(
    "bot_overrides", _META,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("request_id", sa.String(32)), sa.Column("domain", sa.String(300)),
    sa.Column("source", sa.String(200)), sa.Column("name", sa.String(100)),
    sa.Column("value", sa.String(200)), sa.Column("reason", sa.Text),
    sa.Column("created_at", UtcDateTime), sa.Column("expires_at", UtcDateTime),
)
_CHANGED = ("executing", "done")


def _pending(row: Any) -> PendingAction:
    data = json.loads(row.body)
    data.update(status=row.status, approvals=tuple(json.loads(row.approvals)))
    if row.card_ts:  # where the card was posted, once it was
        data.update(channel=row.card_channel, message_ts=row.card_ts)
    return PendingAction.model_validate(data)


class SqlGuardedRecords:
    """Pending guarded requests and the holds the bot made, in SQLite or PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, pending: PendingAction, *, scope: str) -> None:
        """Keep a new request."""
        body = pending.model_dump_json(exclude={"status", "approvals"})
        with write_transaction(self.engine) as conn:
            conn.execute(PENDING.insert().values(
                request_id=pending.request_id, verb=pending.verb, scope=scope, body=body,
                status=pending.status, approvals=json.dumps(list(pending.approvals)),
                created_at=pending.created, expires_at=pending.expires,
                updated_at=pending.created))

    def get(self, request_id: str) -> PendingAction | None:
        """The request, as stored now."""
        with read_connection(self.engine) as conn:
            row = conn.execute(PENDING.select().where(PENDING.c.request_id == request_id)).first()
        return _pending(row) if row is not None else None

    def set_approvals(self, request_id: str, *, seen: tuple[str, ...],
                      approvals: tuple[str, ...], now: datetime) -> bool:
        """Record approvals if nobody changed them since ``seen``; False when someone did."""
        with write_transaction(self.engine) as conn:
            result = conn.execute(PENDING.update().where(
                PENDING.c.request_id == request_id, PENDING.c.status == "pending",
                PENDING.c.approvals == json.dumps(list(seen)),
            ).values(approvals=json.dumps(list(approvals)), updated_at=now))
            return bool(result.rowcount)

    def transition(self, request_id: str, *, old: PendingStatus, new: PendingStatus,
                   now: datetime, body: PendingAction | None = None) -> bool:
        """``old`` -> ``new`` in one atomic UPDATE; True only for the process that moved it."""
        values: dict[str, Any] = {"status": new, "updated_at": now}
        if body is not None:
            values["body"] = body.model_dump_json(exclude={"status", "approvals"})
        with write_transaction(self.engine) as conn:
            result = conn.execute(PENDING.update().where(
                PENDING.c.request_id == request_id, PENDING.c.status == old).values(**values))
            return bool(result.rowcount)

    def set_card(self, request_id: str, *, channel: str, ts: str) -> None:
        """Remember where the request's card was posted (so a job can update it in place)."""
        with write_transaction(self.engine) as conn:
            conn.execute(PENDING.update().where(PENDING.c.request_id == request_id)
                         .values(card_channel=channel, card_ts=ts))

    def changes_since(self, scope: str, since: datetime, *, besides: str = "") -> int:
        """Changes on ``scope`` that ran (or are running) since ``since``, but ``besides``."""
        with read_connection(self.engine) as conn:
            found = conn.execute(sa.select(sa.func.count()).select_from(PENDING).where(
                PENDING.c.scope == scope, PENDING.c.status.in_(_CHANGED),
                PENDING.c.updated_at >= since, PENDING.c.request_id != besides)).scalar_one()
        return int(found)

    def add_hold(self, hold: BotHold) -> None:
        """Keep a hold the bot made, with each node's UUID."""
        with write_transaction(self.engine) as conn:
            conn.execute(HOLDS.insert().values(
                hold_id=hold.hold_id, request_id=hold.request_id, kind=hold.kind,
                criteria=json.dumps(hold.criteria), reason=hold.reason,
                node_uuids=json.dumps(hold.node_uuids, sort_keys=True),
                created_at=hold.created, expires_at=hold.expires))

    def active_holds(self, now: datetime) -> list[BotHold]:
        """The bot's holds that have not expired or been cancelled."""
        with read_connection(self.engine) as conn:
            rows = conn.execute(HOLDS.select().where(
                HOLDS.c.expires_at > now, HOLDS.c.cancelled_at.is_(None)).order_by(HOLDS.c.id))
            return [BotHold(hold_id=r.hold_id, request_id=r.request_id, kind=r.kind,
                            criteria=json.loads(r.criteria), reason=r.reason,
                            node_uuids=json.loads(r.node_uuids), created=r.created_at,
                            expires=r.expires_at) for r in rows]

    def set_hold_uuid(self, hold_id: str, node: str, uuid: str) -> None:
        """A re-applied hold's new UUID on ``node`` (kumod gives a new one each time)."""
        with write_transaction(self.engine) as conn:
            for row in conn.execute(HOLDS.select().where(HOLDS.c.hold_id == hold_id,
                                                         HOLDS.c.cancelled_at.is_(None))):
                uuids = {**json.loads(row.node_uuids), node: uuid}
                conn.execute(HOLDS.update().where(HOLDS.c.id == row.id)
                             .values(node_uuids=json.dumps(uuids, sort_keys=True)))

    def cancel_hold(self, hold_id: str, now: datetime) -> None:
        """Mark the bot's hold cancelled."""
        with write_transaction(self.engine) as conn:
            conn.execute(HOLDS.update().where(HOLDS.c.hold_id == hold_id,
                                              HOLDS.c.cancelled_at.is_(None))
                         .values(cancelled_at=now))

    def add_override(self, authorization: Authorization, entry: OverrideEntry, *,
                     now: datetime) -> None:
        """Keep one shaping override the guard authorized (it expires by itself)."""
        assert entry.expires is not None
        with write_transaction(self.engine) as conn:
            conn.execute(OVERRIDES.insert().values(
                request_id=authorization.request_id, domain=entry.domain, source=entry.source,
                name=entry.name, value=json.dumps(entry.value), reason=entry.reason or "",
                created_at=now, expires_at=entry.expires))

    def active_overrides(self, now: datetime) -> list[OverrideEntry]:
        """The bot's shaping overrides not yet expired, oldest first (later ones win)."""
        with read_connection(self.engine) as conn:
            rows = conn.execute(OVERRIDES.select().where(OVERRIDES.c.expires_at > now)
                                .order_by(OVERRIDES.c.id))
            return [OverrideEntry(r.domain, r.source, r.name, json.loads(r.value),
                                  mx_rollup=False, expires=r.expires_at, reason=r.reason)
                    for r in rows]
