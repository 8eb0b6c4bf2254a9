"""``SqlTsaDiary``: what Traffic Shaping Automation did, kept in SQL.

Several watchers may look at one tsa-daemon at once (replicas of ``watch``): every
write is a conditional statement, so each fact lands once.  An action has at most
one open row per key (a partial unique index); a refresh moves its expiry only
forward (``WHERE expires < :new``) and only the watcher whose update moved it records
the moment; ends and notice claims are ``WHERE ... IS NULL`` updates.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.adapters.storage.engine import read_connection, write_transaction
from bot.adapters.storage.tables import UtcDateTime
from bot.core.tsa_diary import COALESCE, DiaryOrigin, EndReason, TsaSighting, end_reason
from bot.core.tsa_history import DiaryEntry, DiaryGap, DiaryMoment

_META = sa.MetaData()
ACTIONS = sa.Table(
    "tsa_actions", _META,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String(32)), sa.Column("tsa", sa.String(100)),
    sa.Column("kind", sa.String(20)), sa.Column("origin", sa.String(20)),
    sa.Column("rule_hex", sa.String(64)), sa.Column("rule", sa.Text),
    sa.Column("reason", sa.Text), sa.Column("path", sa.String(500)),
    sa.Column("source", sa.String(200)), sa.Column("site", sa.String(500)),
    sa.Column("domain", sa.String(300)), sa.Column("tenant", sa.String(200)),
    sa.Column("campaign", sa.String(200)), sa.Column("option", sa.String(100)),
    sa.Column("value", sa.String(200)), sa.Column("duration_s", sa.Integer),
    sa.Column("first_seen", UtcDateTime), sa.Column("first_expires", UtcDateTime),
    sa.Column("expires", UtcDateTime), sa.Column("refreshes", sa.Integer),
    sa.Column("ended_at", UtcDateTime), sa.Column("end_reason", sa.String(20)),
    sa.Column("noticed_at", UtcDateTime), sa.Column("noticed_by", sa.String(100)),
)
MOMENTS = sa.Table(
    "tsa_moments", _META,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("action_id", sa.Integer), sa.Column("at", UtcDateTime),
    sa.Column("expires", UtcDateTime), sa.Column("events", sa.Integer),
)
GAPS = sa.Table(
    "tsa_gaps", _META,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("tsa", sa.String(100)), sa.Column("watcher", sa.String(100)),
    sa.Column("started", UtcDateTime), sa.Column("ended", UtcDateTime),
    sa.Column("detail", sa.String(300)),
)


def _duration(left: timedelta) -> int | None:
    """A rule's duration from an expiry seen just after its trigger, to 5 minutes.

    A first sight may be a snapshot (only time left), so the diary keeps the longest
    it saw: refreshes are seen within a poll of their trigger."""
    seconds = left.total_seconds()
    if seconds < 600:
        return None
    return int(round(seconds / 300) * 300)


def _entry(row: Any, moments: list[DiaryMoment]) -> DiaryEntry:
    return DiaryEntry(
        id=row.id, tsa=row.tsa, kind=row.kind, origin=row.origin, rule=row.rule,
        reason=row.reason, path=row.path, source=row.source, site=row.site, domain=row.domain,
        tenant=row.tenant, campaign=row.campaign, option=row.option, value=row.value,
        duration=timedelta(seconds=row.duration_s) if row.duration_s else None,
        first_seen=row.first_seen, first_expires=row.first_expires, expires=row.expires,
        refreshes=row.refreshes, ended_at=row.ended_at, end_reason=row.end_reason,
        moments=moments,
    )


class SqlTsaDiary:
    """The diary over one database (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- writing ---------------------------------------------------------------------

    def observe(self, tsa: str, sightings: list[TsaSighting], *, seen_at: datetime,
                live: bool, origin: DiaryOrigin = "tsa") -> list[DiaryEntry]:
        """Record what one look saw; returns the actions seen for the first time.

        ``live``: the sighting is a live event, so ``expires - seen_at`` is the rule's
        duration; a first sight in a snapshot or a poll only shows what is left, but a
        refresh (a new trigger, seen within a poll) shows the duration again.
        """
        started: list[DiaryEntry] = []
        for sighting in sightings:
            try:
                with write_transaction(self.engine) as conn:
                    entry = self._observe_one(conn, tsa, sighting, seen_at, live, origin)
            except sa.exc.IntegrityError:
                # Another watcher opened the same entry a moment ago: now it is a refresh.
                with write_transaction(self.engine) as conn:
                    entry = self._observe_one(conn, tsa, sighting, seen_at, live, origin)
            if entry is not None:
                started.append(entry)
        return started

    def _observe_one(self, conn: Connection, tsa: str, s: TsaSighting, seen_at: datetime,
                     live: bool, origin: DiaryOrigin) -> DiaryEntry | None:
        duration = _duration(s.expires - seen_at)
        row = conn.execute(sa.select(ACTIONS).where(
            ACTIONS.c.key == s.key, ACTIONS.c.ended_at.is_(None))).first()
        if row is None:
            inserted = conn.execute(sa.insert(ACTIONS).values(
                key=s.key, tsa=tsa, kind=s.kind, origin=origin, rule_hex=s.rule_hex,
                rule=s.rule, reason=s.reason, path=s.path, source=s.source, site=s.site,
                domain=s.domain, tenant=s.tenant, campaign=s.campaign, option=s.option,
                value=s.value, duration_s=duration if live else None, first_seen=seen_at,
                first_expires=s.expires, expires=s.expires, refreshes=0,
            ).returning(ACTIONS.c.id)).scalar_one()
            conn.execute(sa.insert(MOMENTS).values(
                action_id=inserted, at=seen_at, expires=s.expires, events=1))
            created = conn.execute(sa.select(ACTIONS).where(ACTIONS.c.id == inserted)).one()
            return _entry(created, [])
        moved = conn.execute(sa.update(ACTIONS).where(
            ACTIONS.c.id == row.id, ACTIONS.c.expires < s.expires,
        ).values(expires=s.expires, refreshes=ACTIONS.c.refreshes + 1,
                 duration_s=sa.case(
                     (ACTIONS.c.duration_s.is_(None), duration),
                     (ACTIONS.c.duration_s < (duration or 0), duration),
                     else_=ACTIONS.c.duration_s))).rowcount
        if moved:
            self._add_moment(conn, row.id, seen_at, s.expires)
        return None

    def _add_moment(self, conn: Connection, action_id: int, at: datetime,
                    expires: datetime) -> None:
        """A refresh: merged into the last moment when it is less than a minute old."""
        last = conn.execute(sa.select(MOMENTS).where(MOMENTS.c.action_id == action_id)
                            .order_by(MOMENTS.c.at.desc(), MOMENTS.c.id.desc()).limit(1)).first()
        if last is not None and at - last.at < COALESCE:
            conn.execute(sa.update(MOMENTS).where(MOMENTS.c.id == last.id).values(
                expires=expires, events=MOMENTS.c.events + 1))
            return
        conn.execute(sa.insert(MOMENTS).values(action_id=action_id, at=at, expires=expires,
                                               events=1))

    def settle(self, tsa: str, present: set[str], *, now: datetime,
               seen_before: datetime | None = None, origin: DiaryOrigin = "tsa",
               cancelled: set[str] | None = None, grace: timedelta = timedelta(0)) -> int:
        """End every open entry of ``origin`` that a complete look did not see.

        It expired when its time had come, else it vanished (TSA lost it).  A key in
        ``cancelled`` (TSA still holds it, no kumod lists it any more) is marked
        cancelled but stays open: TSA re-pushes it on reconnect and refreshes it when
        the rule fires again (REFERENCE 5.5), so its end is still to come.  ``grace``
        spares entries younger than that (kumod applies TSA's items a few seconds
        late).  Returns how many entries this call ended or marked.
        """
        changed = 0
        with write_transaction(self.engine) as conn:
            rows = conn.execute(sa.select(
                ACTIONS.c.id, ACTIONS.c.key, ACTIONS.c.expires, ACTIONS.c.first_seen).where(
                ACTIONS.c.tsa == tsa, ACTIONS.c.ended_at.is_(None), ACTIONS.c.origin == origin,
                # An entry another watcher opened after this look began is not "missing".
                ACTIONS.c.first_seen <= (seen_before or now))).all()
            for row in rows:
                if row.key in present:
                    if row.key in (cancelled or set()) and row.first_seen <= now - grace:
                        changed += conn.execute(sa.update(ACTIONS).where(
                            ACTIONS.c.id == row.id, ACTIONS.c.end_reason.is_(None),
                        ).values(end_reason="cancelled")).rowcount
                    continue
                reason: EndReason = end_reason(row.expires, now)
                at = min(row.expires, now) if reason == "expired" else now
                changed += conn.execute(sa.update(ACTIONS).where(
                    ACTIONS.c.id == row.id, ACTIONS.c.ended_at.is_(None),
                ).values(ended_at=at, end_reason=sa.func.coalesce(ACTIONS.c.end_reason,
                                                                  reason))).rowcount
        return changed

    def claim_notice(self, entry_id: int, *, worker: str, at: datetime) -> bool:
        """True for exactly one caller per entry: that process posts the notice."""
        with write_transaction(self.engine) as conn:
            return bool(conn.execute(sa.update(ACTIONS).where(
                ACTIONS.c.id == entry_id, ACTIONS.c.noticed_at.is_(None),
            ).values(noticed_at=at, noticed_by=worker[:100])).rowcount)

    def open_gap(self, tsa: str, *, watcher: str, at: datetime, detail: str) -> None:
        """The live stream of ``tsa`` went away at ``at`` (once until it is closed)."""
        with write_transaction(self.engine) as conn:
            open_ = conn.execute(sa.select(GAPS.c.id).where(
                GAPS.c.tsa == tsa, GAPS.c.watcher == watcher, GAPS.c.ended.is_(None))).first()
            if open_ is None:
                conn.execute(sa.insert(GAPS).values(tsa=tsa, watcher=watcher, started=at,
                                                    detail=detail[:300]))

    def close_gap(self, tsa: str, *, watcher: str, at: datetime) -> bool:
        """The stream is back; True when a gap was open."""
        with write_transaction(self.engine) as conn:
            return bool(conn.execute(sa.update(GAPS).where(
                GAPS.c.tsa == tsa, GAPS.c.watcher == watcher, GAPS.c.ended.is_(None),
            ).values(ended=at)).rowcount)

    # -- reading ---------------------------------------------------------------------

    def entries(self, *, since: datetime) -> list[DiaryEntry]:
        """Every action active at some point since ``since``, oldest first, with moments."""
        with read_connection(self.engine) as conn:
            rows = conn.execute(sa.select(ACTIONS).where(
                sa.or_(ACTIONS.c.ended_at.is_(None), ACTIONS.c.ended_at >= since))
                .order_by(ACTIONS.c.first_seen, ACTIONS.c.id)).all()
            ids = [r.id for r in rows]
            moments: dict[int, list[DiaryMoment]] = {i: [] for i in ids}
            if ids:
                for m in conn.execute(sa.select(MOMENTS).where(MOMENTS.c.action_id.in_(ids))
                                      .order_by(MOMENTS.c.at, MOMENTS.c.id)):
                    moments[m.action_id].append(
                        DiaryMoment(at=m.at, expires=m.expires, events=m.events))
        return [_entry(r, moments[r.id]) for r in rows]

    def gaps(self, *, since: datetime) -> list[DiaryGap]:
        """The watchers' gaps that overlap ``since`` .. now, oldest first."""
        with read_connection(self.engine) as conn:
            rows = conn.execute(sa.select(GAPS).where(
                sa.or_(GAPS.c.ended.is_(None), GAPS.c.ended >= since))
                .order_by(GAPS.c.started, GAPS.c.id)).all()
        return [DiaryGap(tsa=r.tsa, watcher=r.watcher, started=r.started, ended=r.ended,
                         detail=r.detail) for r in rows]
