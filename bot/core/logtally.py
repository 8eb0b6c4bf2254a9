"""What receivers are saying: responses counted by first digit and grouped (DESIGN 1.1).

Reading the provider's response is step one of the method: the first digit says
whether the engine retries (4xx) or the mail is refused (5xx).  The same response
comes back with a different IP, queue id, timestamp or address every time, so texts
are grouped after ``normalise_response`` replaces those variable parts.

``ResponseTally`` is a streaming accumulator: a reader feeds it records one at a
time and its memory is bounded (groups, and the sources/sites/nodes kept per group,
are capped), whatever the size of the logs.
"""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import Field

from bot.core.logrecords import LogRecord
from bot.core.models import Model
from bot.core.queuenames import split_ready_queue

MAX_GROUPS = 5_000
MAX_NAMES_PER_GROUP = 12
_CACHE_SIZE = 20_000
_OVERFLOW_TEXT = "(other responses: too many distinct texts)"

# Only words holding a digit or an "@" can be variable; finding them first keeps the
# costly patterns below off the plain words that make up most of a response.
_CANDIDATE_WORD = re.compile(r"(?<!\S)\S*?[\d@]\S*")

# Within such a word the first alternative that matches at a position wins, so the
# specific shapes (emails, times, UUIDs, IPs) come before the generic ids.
_VARIABLE = re.compile(
    r"(?P<email>(?<![\w.!#$%&'*+/=?^`{|}~-])[\w.!#$%&'*+/=?^`{|}~-]++@[\w-]+(?:\.[\w-]+)+)"
    r"|(?P<time>\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"|\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b)"
    r"|(?P<uuid>\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b)"
    r"|(?P<ip>\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b"
    r"|(?<![\w:.])(?:[0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{1,4}(?![\w:]))"
    # A numbered server, the first label of a host name: `mta1061.mail.ne1.yahoo.com`
    r"|(?P<host>(?<![\w.-])[A-Za-z][A-Za-z-]*\d[A-Za-z0-9-]*(?=(?:\.[A-Za-z0-9-]+){2,}))"
    # A token of ten or more letters and digits with at least two digits is an id
    # (Gmail's `37si3479471pgw`, Microsoft's `BN3PEPF0000B077`, hex MxIds); shorter
    # ones are codes worth keeping apart (`S3150`, `TSS04`, `RL000002`).
    r"|(?P<id>\b(?:(?=[A-Za-z]*\d[A-Za-z]*\d)[A-Za-z0-9]{10,}|[0-9a-fA-F]{8,})\b(?:\.\d+\b)?)"
    r"|(?P<number>\b\d{6,}\b)"
)
# A date, time and zone written as separate words (`2026-11-29 09:29:07 +0000`,
# `Mon, 30 Nov 2026 10:00:00 -0500`) become one placeholder.
_TIME_RUN = re.compile(
    r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),? )?(?:\d{1,2} [A-Z][a-z]{2} \d{4} )?"
    r"<time>(?: (?:<time>|(?:[+-]\d{4}|Z|UTC|GMT)\b))*"
)
_PLACEHOLDER = {
    "email": "<email>", "time": "<time>", "uuid": "<id>", "ip": "<ip>", "host": "<host>",
    "id": "<id>", "number": "<n>",
}


def _placeholder(match: re.Match[str]) -> str:
    return _PLACEHOLDER[match.lastgroup or "id"]


def _word(match: re.Match[str]) -> str:
    return _VARIABLE.sub(_placeholder, match.group(0))


def normalise_response(text: str) -> str:
    """The response with its variable parts replaced: IPs, ids, hashes, times, addresses.

    ``[TSS04] Messages from 203.0.113.12 temporarily deferred`` ->
    ``[TSS04] Messages from <ip> temporarily deferred``.
    """
    out = " ".join(_CANDIDATE_WORD.sub(_word, text).split())
    return _TIME_RUN.sub("<time>", out) if "<time>" in out else out


def site_of_ready_queue(name: str | None) -> str | None:
    """The site part of a record's ``site`` (a ready-queue name), None when there is none."""
    if not name or ("->" not in name and not name.endswith("@smtp_client")):
        return None
    return split_ready_queue(name).site or None


class ResponseGroup(Model):
    """One normalised response: how often, when, and on which paths it came back."""

    code: int | None
    enhanced: str = ""
    text: str
    internal: bool = False
    count: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    sources: list[str] = Field(default_factory=list)
    sites: list[str] = Field(default_factory=list)
    nodes: list[str] = Field(default_factory=list)
    more_names: bool = Field(False, description="more sources, sites or nodes than listed")


class ResponseSummary(Model):
    """``responses``: the first digit first, then the groups, most frequent first."""

    deferrals: int = Field(0, description="receivers' 4xx responses")
    bounces: int = Field(0, description="receivers' 5xx responses")
    other: int = Field(0, description="receivers' responses with no 4xx/5xx code")
    internal: int = Field(0, description="KumoMTA's own `KumoMTA internal:` responses")
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    groups: list[ResponseGroup] = Field(default_factory=list)
    internal_groups: list[ResponseGroup] = Field(default_factory=list)
    groups_total: int = 0
    groups_capped: bool = Field(False, description="more distinct texts than the tally keeps")

    @property
    def receivers(self) -> int:
        """Every response from a receiver (internal ones left out)."""
        return self.deferrals + self.bounces + self.other


class _Group:
    __slots__ = ("code", "count", "enhanced", "first", "internal", "last", "more", "nodes",
                 "sites", "sources", "text")

    def __init__(self, code: int | None, enhanced: str, text: str, internal: bool) -> None:
        self.code, self.enhanced, self.text, self.internal = code, enhanced, text, internal
        self.count = 0
        self.first: datetime | None = None
        self.last: datetime | None = None
        self.sources: set[str] = set()
        self.sites: set[str] = set()
        self.nodes: set[str] = set()
        self.more = False

    def _name(self, names: set[str], name: str | None) -> None:
        if not name or name in names:
            return
        if len(names) < MAX_NAMES_PER_GROUP:
            names.add(name)
        else:
            self.more = True

    def add(self, record: LogRecord, node: str) -> None:
        self.count += 1
        at = record.at
        if at is not None:
            if self.first is None or at < self.first:
                self.first = at
            if self.last is None or at > self.last:
                self.last = at
        self._name(self.sources, record.egress_source)
        self._name(self.sites, site_of_ready_queue(record.site))
        self._name(self.nodes, node)

    def absorb(self, other: _Group) -> None:
        """Add another tally's count of the same group (a scan split over processes)."""
        self.count += other.count
        for at in (other.first, other.last):
            if at is not None:
                self.first = at if self.first is None or at < self.first else self.first
                self.last = at if self.last is None or at > self.last else self.last
        for mine, theirs in ((self.sources, other.sources), (self.sites, other.sites),
                             (self.nodes, other.nodes)):
            for name in sorted(theirs):
                self._name(mine, name)
        self.more = self.more or other.more

    def frozen(self) -> ResponseGroup:
        return ResponseGroup(
            code=self.code, enhanced=self.enhanced, text=self.text, internal=self.internal,
            count=self.count, first_seen=self.first, last_seen=self.last,
            sources=sorted(self.sources), sites=sorted(self.sites), nodes=sorted(self.nodes),
            more_names=self.more,
        )


class ResponseTally:
    """Counts and groups responses as records stream by; bounded memory."""

    def __init__(self, *, group_internal: bool = False) -> None:
        self.group_internal = group_internal
        self.deferrals = self.bounces = self.other = self.internal = 0
        self.first: datetime | None = None
        self.last: datetime | None = None
        self._groups: dict[tuple[int | None, str, str, bool], _Group] = {}
        self._overflow: dict[bool, _Group] = {}
        self._normalised: dict[str, str] = {}

    def __getstate__(self) -> dict[str, object]:
        # Sent between processes without its cache of normalised texts: it is only speed.
        return {**self.__dict__, "_normalised": {}}

    def merge(self, other: ResponseTally) -> None:
        """Add everything ``other`` counted (one part of a scan split over processes)."""
        self.deferrals += other.deferrals
        self.bounces += other.bounces
        self.other += other.other
        self.internal += other.internal
        for at in (other.first, other.last):
            if at is not None:
                self.first = at if self.first is None or at < self.first else self.first
                self.last = at if self.last is None or at > self.last else self.last
        for key, group in [*other._groups.items(), *((None, g) for g in other._overflow.values())]:
            mine = self._groups.get(key) if key is not None else None
            if mine is None and key is not None and len(self._groups) < MAX_GROUPS:
                mine = self._groups[key] = _Group(group.code, group.enhanced, group.text,
                                                  group.internal)
            if mine is None:
                mine = self._overflow.get(group.internal)
                if mine is None:
                    mine = self._overflow[group.internal] = _Group(
                        None, "", _OVERFLOW_TEXT, group.internal)
            mine.absorb(group)

    def _normalise(self, text: str) -> str:
        found = self._normalised.get(text)
        if found is None:
            found = normalise_response(text)
            if len(self._normalised) >= _CACHE_SIZE:
                self._normalised.clear()  # a crude bound; the common texts come back at once
            self._normalised[text] = found
        return found

    def add(self, record: LogRecord, node: str) -> None:
        """Count one record's response and add it to its group."""
        internal = record.is_internal
        if internal:
            self.internal += 1
            if not self.group_internal:
                return
        elif record.code_class == 4:
            self.deferrals += 1
        elif record.code_class == 5:
            self.bounces += 1
        else:
            self.other += 1
        at = record.at
        if at is not None:
            self.first = at if self.first is None or at < self.first else self.first
            self.last = at if self.last is None or at > self.last else self.last
        key = (record.code, record.enhanced_text, self._normalise(record.content), internal)
        group = self._groups.get(key)
        if group is None:
            if len(self._groups) >= MAX_GROUPS:
                group = self._overflow.get(internal)
                if group is None:
                    group = _Group(None, "", _OVERFLOW_TEXT, internal)
                    self._overflow[internal] = group
            else:
                group = _Group(record.code, record.enhanced_text, key[2], internal)
                self._groups[key] = group
        group.add(record, node)

    def summary(self, *, top: int = 20) -> ResponseSummary:
        """The counts and the ``top`` most frequent groups of each kind."""
        every = [*self._groups.values(), *self._overflow.values()]
        every.sort(key=lambda g: (-g.count, g.code or 0, g.text))
        receivers = [g for g in every if not g.internal]
        internal = [g for g in every if g.internal]
        return ResponseSummary(
            deferrals=self.deferrals, bounces=self.bounces, other=self.other,
            internal=self.internal, first_seen=self.first, last_seen=self.last,
            groups=[g.frozen() for g in receivers[:top]],
            internal_groups=[g.frozen() for g in internal[:top]],
            groups_total=len(receivers),
            groups_capped=bool(self._overflow),
        )
