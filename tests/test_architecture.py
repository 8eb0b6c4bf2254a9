"""The architecture rules of DESIGN section 2, checked on the source tree."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOT = ROOT / "bot"

IO_LIBRARIES = {
    "slack_bolt", "slack_sdk", "httpx", "sqlmodel", "sqlalchemy", "tenacity", "alembic",
    "psycopg", "dns", "websockets", "gunicorn", "socket", "urllib", "http", "requests",
    "sqlite3", "zstandard",
}
# Only the composition root (bootstrap.py, and bootstrap_demo.py: its local Slack and
# embedded demo half) and the entry point may pick concrete adapters.  Named one by one,
# so a new module that imports adapters must be added here on purpose.
COMPOSITION = {BOT / "bootstrap.py", BOT / "bootstrap_demo.py", BOT / "__main__.py"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _py_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py"))


@pytest.mark.parametrize("path", _py_files(BOT / "core"), ids=lambda p: p.name)
def test_core_imports_no_io_library(path: Path) -> None:
    bad = {n for n in _imports(path) if n.split(".")[0] in IO_LIBRARIES}
    assert not bad, f"{path.relative_to(ROOT)} imports I/O libraries: {sorted(bad)}"


@pytest.mark.parametrize("path", _py_files(BOT / "core"), ids=lambda p: p.name)
def test_core_imports_nothing_outside_the_core(path: Path) -> None:
    bad = {
        n for n in _imports(path)
        if n.startswith("bot.") and not n.startswith("bot.core")
    }
    assert not bad, f"{path.relative_to(ROOT)} reaches outside the core: {sorted(bad)}"


def test_only_the_composition_root_picks_adapters() -> None:
    offenders = []
    for path in _py_files(BOT):
        if path in COMPOSITION or "adapters" in path.parts or "simulator" in path.parts:
            continue
        if any(n.startswith("bot.adapters") for n in _imports(path)):
            offenders.append(str(path.relative_to(ROOT)))
    allowed = ", ".join(sorted(str(p.relative_to(ROOT)) for p in COMPOSITION))
    assert not offenders, f"only {allowed} may import adapters: {offenders}"


def test_the_simulator_shares_no_code_with_the_client() -> None:
    offenders = []
    for path in _py_files(BOT / "simulator"):
        client = {
            n for n in _imports(path) if n.startswith("bot.") and not n.startswith("bot.simulator")
        }
        if client:
            offenders.append(f"{path.relative_to(ROOT)}: {sorted(client)}")
    assert not offenders, "the simulator must read REFERENCE on its own: " + "; ".join(offenders)


def test_nothing_but_settings_reads_the_environment() -> None:
    offenders = []
    for path in _py_files(BOT):
        if path.name in {"settings.py", "__main__.py"}:
            continue
        text = path.read_text(encoding="utf-8")
        if "os.environ" in text or "os.getenv" in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, f"only settings.py reads the environment: {offenders}"
