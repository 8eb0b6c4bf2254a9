"""Masking recipients' addresses in texts shown to a channel (``KUMO_LOG_REDACT``).

Receivers often quote the recipient back (``<jane.doe@example.com>: Mailbox full``).
An incident channel does not need to know who jane is: the local part is masked to
its first character, the domain (which is what responders reason about) is kept.
Queue names look like addresses (``acme@yahoo.com`` is tenant acme's yahoo.com
queue, and kumod quotes it in its internal responses): those in ``keep`` stay.
"""

from __future__ import annotations

import re
from collections.abc import Collection

_ADDRESS = re.compile(r"([\w.!#$%&'*+/=?^`{|}~-]+)@([\w-]+(?:\.[\w-]+)+)")


def redact_addresses(text: str, *, keep: Collection[str] = ()) -> str:
    """``<jane.doe@example.com> Mailbox full`` -> ``<j***@example.com> Mailbox full``."""
    if "@" not in text:
        return text
    kept = {k.lower() for k in keep}

    def mask(match: re.Match[str]) -> str:
        if match.group(0).lower() in kept:
            return match.group(0)
        return f"{match.group(1)[0]}***@{match.group(2)}"

    return _ADDRESS.sub(mask, text)


def queue_address(queue: str | None) -> str | None:
    """The address-like part of a queue name: ``spring:acme@yahoo.com`` -> ``acme@yahoo.com``."""
    if not queue or "@" not in queue:
        return None
    return queue.rpartition(":")[2].partition("!")[0]
