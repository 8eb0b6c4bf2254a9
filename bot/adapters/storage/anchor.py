"""Anchors: copies of the signed audit head kept outside the database.

A head that only lives beside the rows can be rolled back together with them (truncate
the tail, put back an older signed head).  A copy elsewhere remembers how far the chain
had reached; ``audit verify`` checks the table against it.  A file is the anchor that
can be read back; the Slack channel anchor (``bot.adapters.slack.audit_anchor``) posts
the head for people to see.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Protocol

from pydantic import ValidationError

from bot.core.audit_chain import SignedHead
from bot.core.errors import StorageError

log = logging.getLogger(__name__)


class HeadAnchor(Protocol):
    """Somewhere outside the database that keeps the latest signed head."""

    @property
    def name(self) -> str:
        """Where it is, for messages (a path, or a channel id)."""
        ...

    def write(self, head: SignedHead) -> bool:
        """Copy ``head`` there; False when it was not written (and why is logged)."""
        ...

    def read(self) -> SignedHead | None:
        """The head last copied there (None: nothing yet, or it cannot be read back)."""
        ...


class FileAnchor:
    """The signed head as a small JSON file, replaced atomically, never moved backwards."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def name(self) -> str:
        return str(self.path)

    def read(self) -> SignedHead | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StorageError(f"The audit anchor {self.path} cannot be read: {exc}.") from exc
        try:
            return SignedHead.model_validate_json(text)
        except ValidationError as exc:
            raise StorageError(f"The audit anchor {self.path} is not a signed head.") from exc

    def write(self, head: SignedHead) -> bool:
        previous = self.read()
        if previous is not None and previous.seq > head.seq:
            # The database is behind its own anchor: keep the evidence, say so loudly.
            log.error("audit anchor %s is at row %d but the database head is at row %d: "
                      "the audit log was truncated; not overwriting the anchor",
                      self.path, previous.seq, head.seq)
            return False
        if previous is not None and previous.seq == head.seq and previous.hash == head.hash:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        staging = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        staging.write_text(json.dumps(head.model_dump(mode="json"), indent=1) + "\n",
                           encoding="utf-8")
        os.replace(staging, self.path)
        return True
