"""An incident's impact, from the delivery logs over its window (issue 8, post-mortem).

For the incident's domains (recipients at those domains) and its window
``[opened_at, resolved_at)`` (or to now while it is open), receivers' answers are
counted per provider and per egress source: deferrals (``TransientFailure``), bounces
(``Bounce``) and deliveries (``Delivery``).  KumoMTA's own records (``KumoMTA
internal: ...``: a suspended path, no eligible source) are not a receiver's answer and
are counted apart.

"Provider" is the grouping ``/kumo providers`` uses, the metrics ``provider`` label:
the shaping provider name a record carries (``provider_name``, when a provider block
matched).  KumoMTA's own records often carry none (a suspended path is logged from the
scheduled queue); such a record takes the provider that records of the same MX site,
else of the same recipient domain, carry in the window, so one provider is not counted
under two names.  Only when no record names one does it fall back to the MX site of its
ready queue, else the recipient domain.

``ImpactTally`` is a streaming accumulator fed one record at a time (memory grows with
the number of providers, sources and time buckets, never with the records); its
``impact`` is sorted throughout, so the same records always give the same document.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from pydantic import Field

from bot.core.logrecords import LogRecord, RecordType
from bot.core.logtally import site_of_ready_queue
from bot.core.models import Model

IMPACT_TYPES = frozenset(
    {RecordType.TRANSIENT_FAILURE, RecordType.BOUNCE, RecordType.DELIVERY}
)
"""The record types the impact counts."""

PROVIDER_GROUPING = (
    "Provider is the shaping provider name a log record carries (its provider_name, set "
    "when a provider block of the shaping matched); a record without one (KumoMTA's own "
    "records often have none) takes the provider that records of the same MX site, else of "
    "the same recipient domain, carry in the window; only when none does, the MX site of its "
    "ready queue, else the recipient domain: the grouping of /kumo providers (the metrics' "
    "provider label)."
)
SERIES = ("deferrals", "bounces", "deliveries", "internal")
"""The chart's series, in its order."""
SERIES_WORDS = {"deferrals": "deferrals", "bounces": "bounces", "deliveries": "deliveries",
                "internal": "KumoMTA internal records"}
BUCKET_CHOICES = (1, 5, 10, 15, 30, 60, 120, 240, 360, 720, 1440)
"""Chart bucket widths in minutes; the smallest giving at most ``MAX_BUCKETS`` is used."""
MAX_BUCKETS = 60
_FIELD = {
    RecordType.TRANSIENT_FAILURE.value: "deferrals",
    RecordType.BOUNCE.value: "bounces",
    RecordType.DELIVERY.value: "deliveries",
}


class ImpactCounts(Model):
    """Deferrals, bounces and deliveries of one provider, one egress source, or all."""

    name: str
    deferrals: int = 0
    bounces: int = 0
    deliveries: int = 0

    @property
    def total(self) -> int:
        """Every counted record."""
        return self.deferrals + self.bounces + self.deliveries


class ImpactBucket(Model):
    """One provider's counts in one time bucket (for the chart)."""

    start: datetime
    provider: str
    deferrals: int = 0
    bounces: int = 0
    deliveries: int = 0
    internal: int = Field(0, description="KumoMTA internal records (not a receiver)")


class Impact(Model):
    """What the delivery logs hold for the incident's domains over its window."""

    domains: tuple[str, ...]
    since: datetime
    until: datetime
    providers: list[ImpactCounts] = Field(default_factory=list)
    sources: list[ImpactCounts] = Field(default_factory=list)
    totals: ImpactCounts = Field(default_factory=lambda: ImpactCounts(name="all"))
    internal: list[ImpactCounts] = Field(
        default_factory=list, description="KumoMTA's own records, per provider, counted apart")
    bucket_minutes: int = 1
    buckets: list[ImpactBucket] = Field(default_factory=list)
    grouping: str = PROVIDER_GROUPING

    @property
    def internal_total(self) -> int:
        """Every KumoMTA internal record in the window."""
        return sum(c.total for c in self.internal)

    def series_total(self, series: str) -> int:
        """One chart series summed over the window (``SERIES``)."""
        if series == "internal":
            return self.internal_total
        return int(getattr(self.totals, series))

    @property
    def drawn_series(self) -> list[str]:
        """The chart's series with at least one record in the window, in ``SERIES`` order."""
        return [name for name in SERIES if self.series_total(name)]

    @property
    def zero_series(self) -> list[str]:
        """The series with no record in the window, in words: not drawn on the chart."""
        return [SERIES_WORDS[name] for name in SERIES if not self.series_total(name)]


def provider_of(record: LogRecord) -> str:
    """The provider one record names on its own: its provider name, else its ready queue's
    MX site, else its recipient domain (``ImpactTally`` also borrows a name from the
    records of the same site or domain)."""
    if record.provider:
        return record.provider
    site = site_of_ready_queue(record.site)
    if site:
        return site
    domains = record.recipient_domains
    return domains[0] if domains else "(no recipient)"


def bucket_minutes_for(since: datetime, until: datetime) -> int:
    """The chart's bucket width: the smallest choice giving at most ``MAX_BUCKETS``."""
    minutes = max((until - since).total_seconds() / 60, 1.0)
    for choice in BUCKET_CHOICES:
        if minutes / choice <= MAX_BUCKETS:
            return choice
    return BUCKET_CHOICES[-1]


def bucket_start(at: datetime, width_minutes: int) -> datetime:
    """The start of the bucket holding ``at``: aligned on multiples of the width (UTC)."""
    epoch = int(at.astimezone(UTC).timestamp()) // 60
    return datetime.fromtimestamp((epoch - epoch % width_minutes) * 60, tz=UTC)


class _Counts:
    __slots__ = ("bounces", "deferrals", "deliveries", "internal")

    def __init__(self) -> None:
        self.deferrals = self.bounces = self.deliveries = self.internal = 0

    def add(self, field: str) -> None:
        setattr(self, field, getattr(self, field) + 1)

    def merge(self, other: _Counts) -> None:
        self.deferrals += other.deferrals
        self.bounces += other.bounces
        self.deliveries += other.deliveries
        self.internal += other.internal

    def frozen(self, name: str) -> ImpactCounts:
        return ImpactCounts(name=name, deferrals=self.deferrals, bounces=self.bounces,
                            deliveries=self.deliveries)


_Key = tuple[str, str, str]
"""Where counts are kept until the providers are known: ``(provider, site, domain)``;
the provider is empty for a record that names none."""


def _most_named(counter: dict[str, int] | None) -> str | None:
    """The provider named most often (ties by name), None when none was."""
    if not counter:
        return None
    return min(counter.items(), key=lambda item: (-item[1], item[0]))[0]


class ImpactTally:
    """Counts records into providers, sources and time buckets as they stream by; a record
    without a provider name is kept under its site and domain until ``impact`` knows which
    provider the others of that site or domain named (see the module's docstring)."""

    def __init__(self, domains: Sequence[str], since: datetime, until: datetime) -> None:
        self.domains = tuple(domains)
        self.since, self.until = since, until
        self.width = bucket_minutes_for(since, until)
        self._providers: dict[_Key, _Counts] = {}
        self._sources: dict[str, _Counts] = {}
        self._internal: dict[_Key, _Counts] = {}
        self._buckets: dict[tuple[datetime, _Key], _Counts] = {}
        self._all = _Counts()
        self._by_site: dict[str, dict[str, int]] = {}
        self._by_domain: dict[str, dict[str, int]] = {}

    def owns(self, record: LogRecord, domain: str) -> bool:
        """True when ``domain`` is the first of the incident's domains the record is for,
        so a record whose recipients span two of them is counted once."""
        wanted = set(record.recipient_domains)
        for own in self.domains:
            if own in wanted:
                return own == domain
        return False

    def _key(self, record: LogRecord) -> _Key:
        site = site_of_ready_queue(record.site) or ""
        domains = record.recipient_domains
        domain = domains[0] if domains else ""
        if record.provider:
            for names, at in ((self._by_site, site), (self._by_domain, domain)):
                if at:
                    counter = names.setdefault(at, {})
                    counter[record.provider] = counter.get(record.provider, 0) + 1
        return (record.provider or "", site, domain)

    def provider(self, key: _Key) -> str:
        """The name counts kept under ``key`` are shown under."""
        provider, site, domain = key
        return (provider or _most_named(self._by_site.get(site))
                or _most_named(self._by_domain.get(domain))
                or site or domain or "(no recipient)")

    def add(self, record: LogRecord) -> None:
        """Count one record (records of other types, or outside the window, are ignored)."""
        field = _FIELD.get(record.type)
        at = record.at
        if field is None or at is None or not self.since <= at < self.until:
            return
        key = self._key(record)
        bucket = self._buckets.setdefault((bucket_start(at, self.width), key), _Counts())
        if record.is_internal:
            self._internal.setdefault(key, _Counts()).add(field)
            bucket.internal += 1
            return
        source = record.egress_source or "(no egress source)"
        self._providers.setdefault(key, _Counts()).add(field)
        self._sources.setdefault(source, _Counts()).add(field)
        bucket.add(field)
        self._all.add(field)

    def _named(self, counts: dict[_Key, _Counts]) -> dict[str, _Counts]:
        out: dict[str, _Counts] = {}
        for key, c in counts.items():
            out.setdefault(self.provider(key), _Counts()).merge(c)
        return out

    def impact(self) -> Impact:
        """What was counted, every list sorted (by name, then time)."""
        merged: dict[tuple[datetime, str], _Counts] = {}
        for (start, key), c in self._buckets.items():
            merged.setdefault((start, self.provider(key)), _Counts()).merge(c)
        buckets = [
            ImpactBucket(start=start, provider=provider, deferrals=c.deferrals,
                         bounces=c.bounces, deliveries=c.deliveries, internal=c.internal)
            for (start, provider), c in sorted(merged.items())
        ]
        return Impact(
            domains=self.domains, since=self.since, until=self.until,
            providers=[c.frozen(n) for n, c in sorted(self._named(self._providers).items())],
            sources=[c.frozen(n) for n, c in sorted(self._sources.items())],
            totals=self._all.frozen("all"),
            internal=[c.frozen(n) for n, c in sorted(self._named(self._internal).items())],
            bucket_minutes=self.width, buckets=buckets,
        )


def window_end(opened: datetime, resolved: datetime | None, now: datetime) -> datetime:
    """The end of the impact window: the resolve time, or now while it is open."""
    end = resolved if resolved is not None else now
    return max(end, opened + timedelta(seconds=1))
