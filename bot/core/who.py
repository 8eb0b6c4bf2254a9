"""``who DOMAIN``: which tenants and campaigns hold the mail of a scope, and what it is.

Counts come from each node's ``scheduled_count`` per queue, grouped by the tenant and
campaign parsed from the queue name (``campaign:tenant@domain``); the change comes
from the metric history.  Samples come from ``inspect-sched-q`` without bodies: the
sender, the recipient's domain (never the local part), the attempts, when it is due
and, when the spool id is time-based (a UUID v1, as kumod makes them), its age.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from bot.core.models import Model
from bot.core.queuenames import parse_scheduled_queue

_UUID_EPOCH = datetime(1582, 10, 15, tzinfo=UTC)


class QueuedMessage(Model):
    """One message of an ``inspect-sched-q`` answer, body left out."""

    id: str
    sender: str
    recipient: str
    due: datetime | None = None
    num_attempts: int = 0


class QueueSample(Model):
    """``inspect-sched-q`` of one queue: a few messages and the queue's size."""

    queue_name: str
    num_scheduled: int | None = None
    messages: tuple[QueuedMessage, ...] = ()


class Holder(Model):
    """One tenant / campaign pair holding mail in the scope."""

    tenant: str | None
    campaign: str | None
    queues: list[str]
    count: int
    change: int | None = None  # since the start of the history window; None: no history


class Sample(Model):
    """One sampled message, as shown: who sent it, where to, how old, how often tried."""

    node: str
    queue: str
    sender: str
    recipient_domain: str
    age: timedelta | None
    num_attempts: int
    due: datetime | None


def spool_id_created(spool_id: str) -> datetime | None:
    """When a message was created, from its spool id when that is a UUID v1; else None."""
    text = spool_id.replace("-", "").lower()
    if len(text) != 32 or text[12] != "1" or text[16] not in "89ab":
        return None
    try:
        ticks = int(text[13:16] + text[8:12] + text[0:8], 16)
    except ValueError:
        return None
    return _UUID_EPOCH + timedelta(microseconds=ticks // 10)


def holders(counts: Mapping[str, int], before: Mapping[str, int] | None) -> list[Holder]:
    """Scheduled-queue counts (queue -> messages, the whole park) by tenant and campaign,
    largest first; ``before`` gives each queue's count at the window's start."""
    groups: dict[tuple[str | None, str | None], list[str]] = {}
    for queue in counts:
        parsed = parse_scheduled_queue(queue)
        groups.setdefault((parsed.tenant or None, parsed.campaign), []).append(queue)
    out = []
    for (tenant, campaign), queues in groups.items():
        count = sum(counts[q] for q in queues)
        change = None
        if before is not None:
            change = count - sum(before.get(q, 0) for q in queues)
        out.append(Holder(tenant=tenant, campaign=campaign, queues=sorted(queues),
                          count=count, change=change))
    return sorted(out, key=lambda h: (-h.count, h.tenant or "", h.campaign or ""))


def sample_rows(node: str, sample: QueueSample, now: datetime) -> list[Sample]:
    """The messages of one ``inspect-sched-q`` answer as rows to show (no local parts)."""
    rows = []
    for message in sample.messages:
        created = spool_id_created(message.id)
        age = now - created if created is not None and created <= now else None
        rows.append(Sample(node=node, queue=sample.queue_name, sender=message.sender,
                           recipient_domain=message.recipient.rpartition("@")[2].lower(),
                           age=age, num_attempts=message.num_attempts, due=message.due))
    return rows
