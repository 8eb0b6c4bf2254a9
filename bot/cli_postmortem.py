"""``kumo-bot postmortem ID --out DIR``: the post-mortem's files written to a directory.

The same road as Slack (``Services.handle``, so the request is audited), with the files
kept in ``DIR`` instead of uploaded: ``postmortem-ID.md``, ``.html`` (chart inline) and
``.png``.  The summary and the files written are printed; an error exits 1.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any, TextIO

from bot import bootstrap
from bot.core.answers import ErrorAnswer
from bot.core.answers_postmortem import PostmortemAnswer
from bot.core.audit import Actor
from bot.services import RequestContext, Services
from bot.settings import Settings

MODE = "postmortem"


def add_parser(sub: Any) -> None:
    """Add ``postmortem ID --out DIR`` to the top-level sub-parsers."""
    p = sub.add_parser(MODE, help="write an incident's post-mortem (Markdown, HTML, PNG)")
    p.add_argument("incident", help="the incident's id, e.g. INC-20261129-1")
    p.add_argument("--out", required=True, type=Path, help="the directory to write into")


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Build the services from the settings, with the files going to ``--out``."""
    storage = bootstrap.build_storage(settings)
    try:
        services = bootstrap.build_services(
            settings, storage=storage,
            postmortem=bootstrap.build_postmortem_setup(settings, out=args.out))
        name = getpass.getuser()
        return write_postmortem(services, args.incident,
                                actor=Actor(id=f"terminal:{name}", name=name))
    finally:
        storage.close()


def write_postmortem(services: Services, incident: str, *, actor: Actor,
                     out: TextIO | None = None) -> int:
    """Answer ``postmortem INCIDENT``: print the summary and each file written (0), or
    the error (1), to ``out`` (standard output by default)."""
    out = out or sys.stdout
    answer = services.handle(f"postmortem {incident}",
                             RequestContext(actor=actor, transport="cli"))
    if not isinstance(answer, PostmortemAnswer):
        message = answer.message if isinstance(answer, ErrorAnswer) else "no post-mortem"
        hint = f"\n{answer.hint}" if isinstance(answer, ErrorAnswer) and answer.hint else ""
        print(f"kumo-bot postmortem: {message}{hint}", file=out)
        return 1
    print(f"Post-mortem {answer.incident_id}: {answer.title}", file=out)
    for line in answer.summary:
        print(f"  {line}", file=out)
    for failure in answer.failures:
        print(f"  (not answered: {failure.node}: {failure.detail})", file=out)
    for file in answer.files:
        print(f"wrote {Path(answer.saved_to or '.') / file.name} ({file.size:,} bytes)", file=out)
    return 0
