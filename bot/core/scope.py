"""What a DOMAIN argument covers (DESIGN 4): its site, egress paths and queues.

kcli's ``queue-summary --domain D`` keeps the ready queues on D's site but, through
a lookup bug, only the scheduled queue named exactly ``D`` (REFERENCE 2.2 step 5).
The bot implements what kcli intends (every queue whose domain or routing domain is
D, tenant and campaign queues included) and says so in its answer.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.models import Model, MxRecord
from bot.core.queuenames import parse_scheduled_queue, split_ready_queue
from bot.core.sitename import site_name


def normalize_domain(domain: str) -> str:
    """Lower-case a domain and drop a trailing dot: DNS names are case-insensitive."""
    return domain.strip().lower().rstrip(".")


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


class Scope(Model):
    """One domain resolved once: its site and the queues that belong to it."""

    domain: str
    site: str
    mx: tuple[MxRecord, ...] = ()

    def covers_ready(self, name: str) -> bool:
        """True when the ready queue's site part (kcli's SITE column) is this site."""
        return split_ready_queue(name).site == self.site

    def covers_scheduled(self, name: str) -> bool:
        """True when the queue's domain or routing domain is this domain.

        Tenant and campaign queues are included; the comparison ignores case.
        """
        queue = parse_scheduled_queue(name)
        if queue.kind != "domain":
            return False
        if normalize_domain(queue.domain) == self.domain:
            return True
        return queue.routing_domain is not None and (
            normalize_domain(queue.routing_domain) == self.domain
        )

    @property
    def site_text(self) -> str:
        """The site for a sentence; a null MX has an empty site name."""
        return f"site {self.site}" if self.site else "null MX (empty site name)"

    @property
    def kcli_difference(self) -> str:
        """How this scope differs from ``kcli queue-summary --domain``."""
        return f"tenant and campaign queues included; kcli --domain would show only `{self.domain}`"

    def describe(self, *, egress_paths: int, scheduled_queues: int) -> str:
        """One sentence saying what the scope covered, given the counts found.

        ``yahoo.com → site (mta5|mta6|mta7).am0.yahoodns.net: 3 egress paths,
        3 scheduled queues (tenant and campaign queues included; kcli --domain
        would show only `yahoo.com`)``
        """
        return (
            f"{self.domain} → {self.site_text}: "
            f"{_plural(egress_paths, 'egress path', 'egress paths')}, "
            f"{_plural(scheduled_queues, 'scheduled queue', 'scheduled queues')} "
            f"({self.kcli_difference})"
        )


def scope_for(domain: str, mx: Sequence[MxRecord]) -> Scope:
    """Resolve DOMAIN into a :class:`Scope` from its MX records (implicit MX if none)."""
    name = normalize_domain(domain)
    return Scope(domain=name, site=site_name(list(mx), name), mx=tuple(mx))
