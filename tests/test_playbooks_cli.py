"""`kumo-bot playbooks check [DIR]`, and a bot that refuses to start on a broken playbook."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.adapters.playbook_files import DEFAULT_DIR, load_playbooks
from bot.core.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
BROKEN = ROOT / "tests" / "data" / "playbooks_broken"


def test_every_shipped_playbook_passes_the_check(capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["playbooks", "check", "playbooks"]) == 0
    out = capsys.readouterr().out.splitlines()
    files = sorted(p.name for p in DEFAULT_DIR.glob("*.toml"))
    assert len(files) >= 2 and out[-1] == f"{len(files)} file(s), 0 with errors"
    assert [line.split()[1] for line in out[:-1]] == [f"playbooks/{f}" for f in files]
    assert all(line.startswith("ok   ") for line in out[:-1])


def test_a_broken_directory_fails_with_each_error_naming_the_file_and_the_field(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["playbooks", "check", str(BROKEN)]) == 1
    out = capsys.readouterr().out
    assert ("FAIL tests/data/playbooks_broken/dangling-next.toml: 1 error(s)\n"
            '  tests/data/playbooks_broken/dangling-next.toml: steps[0].next: no step '
            '"chek-holds"') in out
    assert out.rstrip().endswith("with errors") and ", 0 with errors" not in out


def test_a_missing_directory_is_exit_status_2(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["playbooks", "check", str(tmp_path / "nowhere")]) == 2
    assert "is not a directory" in capsys.readouterr().err


def test_loading_a_broken_directory_is_a_config_error_with_every_file(tmp_path: Path) -> None:
    for name in ("dangling-next", "unknown-placeholder"):
        (tmp_path / f"{name}.toml").write_text((BROKEN / f"{name}.toml").read_text())
    with pytest.raises(ConfigError) as caught:
        load_playbooks(tmp_path)
    assert 'dangling-next.toml: steps[0].next: no step "chek-holds"' in caught.value.message
    assert 'unknown-placeholder.toml: steps[0].command: unknown placeholder "{domian}"' \
        in caught.value.message
    with pytest.raises(ConfigError, match="KUMO_PLAYBOOKS_DIR"):
        load_playbooks(tmp_path / "nowhere")


def test_the_bot_refuses_to_start_on_a_broken_playbook(tmp_path: Path) -> None:
    broken = tmp_path / "playbooks"
    broken.mkdir()
    (broken / "dangling-next.toml").write_text((BROKEN / "dangling-next.toml").read_text())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KUMO_", "SLACK_"))}
    env.update(KUMO_NODES="mta1=http://127.0.0.1:9", KUMO_DATA_DIR=str(tmp_path / "data"),
               KUMO_PLAYBOOKS_DIR=str(broken))
    done = subprocess.run([sys.executable, "-m", "bot", "ask", "playbook list"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Playbook files with errors; the bot does not start on them" in done.stderr
    assert 'steps[0].next: no step "chek-holds"' in done.stderr
