"""Reading the playbook files: one TOML file per playbook in a directory.

The checks are pure (``bot.core.playbook_spec``); this adapter only finds and reads
the files.  The default directory is the project's top-level ``playbooks/``, found
relative to the package; ``KUMO_PLAYBOOKS_DIR`` names another.  At start-up a broken
file stops the bot with every error (``load_playbooks``): running a method nobody
checked would be worse than not starting, and ``kumo-bot playbooks check`` says the
same thing before a deploy.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from bot.core.errors import ConfigError
from bot.core.playbook_spec import Playbook, PlaybookInvalid, load_library, parse_playbook

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "playbooks"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FileReport:
    """One file's verdict for ``kumo-bot playbooks check``."""

    path: str
    name: str | None
    errors: tuple[str, ...]


def _shown(path: Path) -> str:
    """The path as a person reads it: relative to the working directory when under it."""
    absolute = path.resolve()
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:  # not under the working directory
        return str(absolute)


def playbook_paths(directory: Path) -> list[Path]:
    """The playbook files of ``directory`` (``*.toml``), in name order."""
    return sorted(p for p in directory.glob("*.toml") if p.is_file())


def check_directory(directory: Path) -> list[FileReport]:
    """Every file of ``directory`` checked on its own, plus names used twice."""
    reports: list[FileReport] = []
    names: dict[str, str] = {}
    for path in playbook_paths(directory):
        shown = _shown(path)
        try:
            book = parse_playbook(path.read_text(encoding="utf-8"), source=shown, stem=path.stem)
        except PlaybookInvalid as exc:
            reports.append(FileReport(shown, None, tuple(exc.errors)))
            continue
        except (OSError, UnicodeDecodeError) as exc:
            reports.append(FileReport(shown, None, (f"{shown}: cannot read: {exc}",)))
            continue
        if book.name in names:
            reports.append(FileReport(shown, book.name, (
                f'{shown}: name: "{book.name}" is also the name of {names[book.name]}',)))
            continue
        names[book.name] = shown
        reports.append(FileReport(shown, book.name, ()))
    return reports


def load_playbooks(directory: Path | None) -> dict[str, Playbook]:
    """The playbooks of ``directory`` (default: the project's); ``ConfigError`` with every
    error of every broken file."""
    where = directory or DEFAULT_DIR
    if not where.is_dir():
        if directory is not None:
            raise ConfigError(f"KUMO_PLAYBOOKS_DIR: {where} is not a directory.")
        log.warning("no playbooks directory at %s: `playbook` commands will list none", where)
        return {}
    files: list[tuple[str, str, str]] = []
    errors: list[str] = []
    for path in playbook_paths(where):
        try:
            files.append((_shown(path), path.stem, path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            errors.append(f"{_shown(path)}: cannot read: {exc}")
    library, found = load_library(files)
    errors.extend(found)
    if errors:
        raise ConfigError("Playbook files with errors; the bot does not start on them:\n"
                          + "\n".join(f"  {e}" for e in errors),
                          hint=f"Fix them (`kumo-bot playbooks check {_shown(where)}` lists "
                          "them), or point KUMO_PLAYBOOKS_DIR elsewhere.")
    return library
