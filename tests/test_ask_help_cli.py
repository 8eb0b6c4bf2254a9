"""`kumo-bot ask "help ..."` answers with no configuration at all; other verbs need a park."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.core.help import help_text

ROOT = Path(__file__).resolve().parents[1]


def ask(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``kumo-bot ask ARGS`` in an empty folder (no .env) with no KUMO_/SLACK_ variable."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("KUMO_", "SLACK_", "DATABASE_"))}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "bot", "ask", *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)


def test_help_on_a_verb_answers_without_any_configuration(tmp_path: Path) -> None:
    done = ask(tmp_path, "help incident")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Missing configuration" not in done.stderr
    expected = help_text("incident")
    assert expected.title in done.stdout
    assert "incident start" in done.stdout


def test_help_alone_and_as_json_answer_the_bots_help_answer(tmp_path: Path) -> None:
    done = ask(tmp_path, "help")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "kumo-bot commands" in done.stdout and "(none configured)" in done.stdout
    done = ask(tmp_path, "help incident", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    answer = json.loads(done.stdout)
    expected = help_text("incident")
    assert (answer["kind"], answer["command"], answer["title"]) == (
        "help", "help incident", expected.title)
    assert [s["title"] for s in answer["sections"]] == [s.heading for s in expected.sections]
    assert answer["recorded"] is False  # no audit log without configuration


def test_help_on_an_unknown_verb_is_the_usual_clear_error_not_a_config_error(
        tmp_path: Path) -> None:
    done = ask(tmp_path, "help bogus", "--json")
    assert done.returncode == 1, done.stdout + done.stderr
    answer = json.loads(done.stdout)
    assert answer["kind"] == "error" and "I don't know the verb `bogus`" in answer["message"]


def test_other_verbs_still_need_kumo_nodes(tmp_path: Path) -> None:
    done = ask(tmp_path, "queue yahoo.com")
    assert done.returncode == 2
    assert "Missing configuration: KUMO_NODES" in done.stderr
