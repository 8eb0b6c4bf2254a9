"""``kumo-bot playbooks check [DIR]``: every playbook file checked, one line per file.

Exit status 0 when every file is valid, 1 when one is not (each error on its own
line, naming the file and the field), 2 when the directory does not exist.  ``make
test`` runs it on the project's ``playbooks/``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot import bootstrap
from bot.settings import Settings


def add_parsers(sub: Any) -> None:
    """Add ``playbooks check [DIR]`` to the command line."""
    playbooks = sub.add_parser("playbooks", help="check the playbook files")
    actions = playbooks.add_subparsers(dest="playbooks_action", required=True, metavar="ACTION")
    check = actions.add_parser("check", help="validate every playbook file (exit 1 on errors)")
    check.add_argument("dir", nargs="?", default=None,
                       help="the directory (default: KUMO_PLAYBOOKS_DIR, else playbooks/)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Check the files; print one line per file and every error."""
    directory, reports = bootstrap.check_playbook_files(
        settings, Path(args.dir) if args.dir else None)
    if not directory.is_dir():
        print(f"kumo-bot playbooks check: {directory} is not a directory", file=sys.stderr)
        return 2
    if not reports:
        print(f"{directory}: no playbook files (*.toml)")
        return 0
    for report in reports:
        if report.errors:
            print(f"FAIL {report.path}: {len(report.errors)} error(s)")
            for error in report.errors:
                print(f"  {error}")
        else:
            print(f"ok   {report.path} ({report.name})")
    bad = sum(1 for r in reports if r.errors)
    print(f"{len(reports)} file(s), {bad} with errors")
    return 1 if bad else 0
