"""KumoMTA queue names, read the way kumod and kcli read them (REFERENCE 0.1, 2.2).

Scheduled queues are named ``[campaign:][tenant@]domain[!routing_domain]``; ready
queues (egress paths) ``<source>-><site>@<proto>``.  kcli's ``natural_lexical_cmp``
(crate ``lexicmp``) orders both in its tables, so it lives here too.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import cmp_to_key, lru_cache
from typing import Any, Literal

from bot.core.models import Model

ScheduledKind = Literal["domain", "xfer", "tsa-hook", "null"]

XFER_SUFFIX = ".xfer.kumomta.internal"
TSA_HOOK_SUFFIX = ".tsa.kumomta"


class ScheduledQueueName(Model):
    """A parsed scheduled-queue name (kumod ``QueueNameComponents::parse``).

    ``tenant`` is ``""`` (not ``None``) for ``campaign:@domain``, as in kumod, so a
    rule naming a tenant does not match it and a rule with no tenant does.
    """

    name: str
    campaign: str | None = None
    tenant: str | None = None
    domain: str
    routing_domain: str | None = None
    kind: ScheduledKind = "domain"

    @property
    def xfer_target(self) -> str | None:
        """The target URL of an xfer queue (``<url>.xfer.kumomta.internal``)."""
        return self.name[: -len(XFER_SUFFIX)] if self.kind == "xfer" else None


class ReadyQueueName(Model):
    """A ready-queue name split into kcli's SOURCE / SITE / PROTO columns."""

    name: str
    source: str
    site: str
    proto: str


def is_xfer_queue(name: str) -> bool:
    """True for an xfer queue, ``<target-url>.xfer.kumomta.internal``."""
    return name.endswith(XFER_SUFFIX)


def is_tsa_hook_queue(name: str) -> bool:
    """True for the TSA publishing log-hook queue, ``<url>.tsa.kumomta``."""
    return name.endswith(TSA_HOOK_SUFFIX)


def parse_scheduled_queue(name: str) -> ScheduledQueueName:
    """Parse ``[campaign:][tenant@]domain[!routing_domain]`` exactly as kumod does.

    Split on the first ``@`` (the left side is the prefix), the prefix on the first
    ``:`` into campaign and tenant (no ``:``: all tenant), the rest on the first
    ``!`` into domain and routing domain.  Special names are tagged in ``kind``.
    """
    kind: ScheduledKind = "domain"
    if is_xfer_queue(name):
        kind = "xfer"
    elif is_tsa_hook_queue(name):
        kind = "tsa-hook"
    elif name == "null":
        kind = "null"
    campaign: str | None = None
    tenant: str | None = None
    rest = name
    prefix, at, after = name.partition("@")
    if at:
        rest = after
        campaign_part, colon, tenant_part = prefix.partition(":")
        if colon:
            campaign, tenant = campaign_part, tenant_part
        else:
            tenant = prefix
    domain, bang, routing = rest.partition("!")
    return ScheduledQueueName(
        name=name,
        campaign=campaign,
        tenant=tenant,
        domain=domain,
        routing_domain=routing if bang else None,
        kind=kind,
    )


def split_ready_queue(name: str) -> ReadyQueueName:
    """Split a ready-queue name as kcli's queue-summary does (REFERENCE 2.2 step 7).

    SOURCE is the text before the first ``->`` (or empty); PROTO is ``smtp_client``
    when the name ends with ``@smtp_client``, else the text after the last ``@lua:``
    (then ``@maildir:``) including that prefix, else empty; SITE is what is left.
    """
    arrow = name.find("->")
    source = name[:arrow] if arrow >= 0 else ""
    proto = ""
    if name.endswith("@smtp_client"):
        proto = "smtp_client"
    elif (pos := name.rfind("@lua:")) >= 0 or (pos := name.rfind("@maildir:")) >= 0:
        # "@lua:" is looked for first, as kcli does, even if "@maildir:" comes later.
        proto = name[pos + 1 :]
    start = len(source) + 2 if arrow >= 0 else 0
    end = len(name) - (len(proto) + 1 if proto else 0)
    return ReadyQueueName(name=name, source=source, site=name[start:end], proto=proto)


def criteria_match(
    queue: ScheduledQueueName,
    *,
    campaign: str | None,
    tenant: str | None,
    domain: str | None,
    routing_domain: str | None = None,
) -> bool:
    """kumod's rule match (REFERENCE 1.1): a null criterion matches anything.

    A criterion that is set must equal the queue's component; a queue without the
    component does not match.  kcli's status column passes no routing domain.
    """
    pairs = (
        (campaign, queue.campaign),
        (tenant, queue.tenant),
        (domain, queue.domain),
        (routing_domain, queue.routing_domain),
    )
    return all(wanted is None or wanted == have for wanted, have in pairs)


@lru_cache(maxsize=65536)  # a sort compares each name many times; names repeat across nodes
def _lexical_chars(text: str) -> tuple[str, ...]:
    """lexicmp's ``iterate_lexical``: lower-case ASCII, transliterate other letters.

    lexicmp uses the ``any_ascii`` tables; we approximate them with NFKD minus
    combining marks, which gives the same result for accented Latin letters and
    leaves other scripts as they are (queue names are ASCII in practice).
    """
    out: list[str] = []
    for ch in text:
        if ch.isascii():
            out.append(ch.lower())
        elif ch.isalnum():
            folded = "".join(
                c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)
            )
            if folded and folded.isascii():
                out.extend(folded.lower())
            else:
                out.append(ch)
        elif not "\u0300" <= ch <= "\u036f":
            out.append(ch)
    return tuple(out)


def _order_chars(lhs: str, rhs: str) -> int:
    """lexicmp ``ret_ordering``: punctuation sorts before letters and digits."""
    if lhs.isalnum() == rhs.isalnum():
        return -1 if lhs < rhs else 1
    return 1 if lhs.isalnum() else -1


@lru_cache(maxsize=32768)  # sorts compare the same names on every node, question after question
def natural_cmp(left: str, right: str) -> int:
    """lexicmp ``natural_lexical_cmp``: ``a2`` < ``a10``, case-insensitive, then exact.

    Runs of ASCII digits compare by length first (a longer run is greater), then by
    value; equal strings under folding fall back to plain code-point order.
    """
    a, b = _lexical_chars(left), _lexical_chars(right)
    i = j = 0
    while i < len(a) and j < len(b):
        if a[i] in "0123456789" and b[j] in "0123456789":
            si, sj = i, j
            while i < len(a) and a[i] in "0123456789" and j < len(b) and b[j] in "0123456789":
                i += 1
                j += 1
            a_more = i < len(a) and a[i] in "0123456789"
            b_more = j < len(b) and b[j] in "0123456789"
            if a_more != b_more:
                return 1 if a_more else -1
            na, nb = int("".join(a[si:i])), int("".join(b[sj:j]))
            if na != nb:
                return -1 if na < nb else 1
            continue
        if a[i] != b[j]:
            return _order_chars(a[i], b[j])
        i += 1
        j += 1
    if i < len(a):
        return 1
    if j < len(b):
        return -1
    return (left > right) - (left < right)


natural_key: Callable[[str], Any] = cmp_to_key(natural_cmp)
"""Sort key for :func:`natural_cmp` (``sorted(names, key=natural_key)``)."""
