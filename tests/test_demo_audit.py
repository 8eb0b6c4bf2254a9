"""The demo keeps its record with `--db`: verify it afterwards, list it with `/kumo audit`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("KUMO_", "SLACK_")) and k != "DATABASE_URL"}
    env.update(extra)
    return env


def _kumo_bot(*args: str, stdin: str = "", cwd: Path = ROOT, **env: str
              ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin,
                          capture_output=True, text=True, timeout=120, cwd=cwd, env=_env(**env))


def test_a_kept_demo_database_verifies_and_lists_both_runs(tmp_path: Path) -> None:
    db = tmp_path / "kept" / "demo.sqlite3"
    first = _kumo_bot("demo", "--db", str(db), stdin="/kumo health\n/kumo qeueu\n")
    assert first.returncode == 0, first.stderr[-2000:]
    second = _kumo_bot("demo", "--db", str(db), stdin="/as bob\n/kumo audit\n")
    assert second.returncode == 0, second.stderr[-2000:]
    listing = second.stdout.split("/kumo audit", 1)[1]
    assert "alice (`U0ALICE`) · terminal · `/kumo qeueu` · :pencil2: rejected-input" in listing
    assert "`/kumo health` · :white_check_mark: ok · mta1, mta2, mta3" in listing
    assert (db.parent / "audit.key").is_file()  # the key is kept beside the database

    where = {"DATABASE_URL": f"sqlite:///{db}", "KUMO_DATA_DIR": str(db.parent)}
    verify = _kumo_bot("audit", "verify", cwd=tmp_path, **where)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "audit log OK: 3 rows" in verify.stdout

    export = _kumo_bot("audit", "export", "--format", "jsonl", "--since", "1h", cwd=tmp_path,
                       **where)
    rows = [json.loads(line) for line in export.stdout.splitlines()]
    assert [r["command_text"] for r in rows] == ["health", "qeueu", "audit"]
    assert [r["seq"] for r in rows] == [1, 2, 3] and rows[1]["prev_hash"] == rows[0]["hash"]


def test_a_demo_without_db_starts_with_an_empty_record(tmp_path: Path) -> None:
    done = _kumo_bot("demo", stdin="/kumo audit\n", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Nothing in the record matches" in done.stdout
    assert list(tmp_path.iterdir()) == []  # its database lived in a work dir now gone
