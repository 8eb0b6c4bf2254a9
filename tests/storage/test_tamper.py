"""Tampering straight in the database, as the table's owner could, is caught by verify.

Each test appends ten events, changes the table behind the bot's back (with the
append-only triggers switched off), and expects ``verify`` to fail and name the
first bad row.  The last tests go through ``kumo-bot audit verify`` itself.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.__main__ import main
from bot.adapters.storage import FileAnchor, Storage
from bot.core.audit_chain import SignedHead, canonical_body, seal, sign_head
from tests.fakes import FixedClock

from .databases import KEY, event, open_test_storage, tampering

WRONG_KEY = b"not the audit key, but 32 bytes!"


@pytest.fixture
def ten(storage: Storage) -> Storage:
    for n in range(1, 11):
        storage.audit.append(event(n))
    return storage


def _row(conn: sa.Connection, seq: int) -> dict[str, object]:
    return dict(conn.execute(sa.text("SELECT * FROM audit_log WHERE seq = :s"), {"s": seq})
                .mappings().one())


def _failed_at(storage: Storage, seq: int, words: str) -> None:
    report = storage.verify()
    assert not report.ok, report.render()
    assert report.first_bad_seq == seq, report.render()
    assert words in (report.problem or ""), report.render()
    assert f"FAILED at row {seq}" in report.render()


def test_an_edited_row_is_named(ten: Storage) -> None:
    with tampering(ten) as conn:
        body = str(_row(conn, 5)["body"]).replace("yahoo.com", "gmail.com")
        conn.execute(sa.text("UPDATE audit_log SET body = :b WHERE seq = 5"), {"b": body})
    _failed_at(ten, 5, "edited")


def test_an_edited_index_column_is_named_even_with_the_body_intact(ten: Storage) -> None:
    with tampering(ten) as conn:
        conn.execute(sa.text("UPDATE audit_log SET actor_id = 'U0MALLORY' WHERE seq = 4"))
    _failed_at(ten, 4, "`actor_id` column was edited")


def test_a_deleted_row_is_named(ten: Storage) -> None:
    with tampering(ten) as conn:
        conn.execute(sa.text("DELETE FROM audit_log WHERE seq = 6"))
    _failed_at(ten, 6, "missing: deleted")


def test_a_deleted_row_with_the_rest_renumbered_is_named(ten: Storage) -> None:
    with tampering(ten) as conn:
        conn.execute(sa.text("DELETE FROM audit_log WHERE seq = 6"))
        for seq in range(7, 11):
            conn.execute(sa.text("UPDATE audit_log SET seq = :new WHERE seq = :old"),
                         {"new": seq - 1, "old": seq})
    _failed_at(ten, 6, "does not follow row 5")


def test_an_inserted_row_is_named(ten: Storage) -> None:
    with tampering(ten) as conn:
        for seq in range(10, 3, -1):  # make room at 4, from the top so keys never collide
            conn.execute(sa.text("UPDATE audit_log SET seq = :new WHERE seq = :old"),
                         {"new": seq + 1, "old": seq})
        forged = event(99, actor="U0MALLORY", name="mallory", text="suspend yahoo.com")
        prev = str(_row(conn, 3)["hash"])
        body = canonical_body(forged)
        conn.execute(sa.text(
            "INSERT INTO audit_log (seq, prev_hash, hash, body, at, actor_id, actor_name, "
            "transport, phase, outcome, incident_id, correlation_id) VALUES (4, :prev, :hash, "
            ":body, :at, 'U0MALLORY', 'mallory', 'slack-socket', 'command', 'ok', NULL, "
            "'corr-0099')"),
            {"prev": prev, "hash": seal(WRONG_KEY, prev, body), "body": body,
             "at": forged.at.replace(tzinfo=None)})
    _failed_at(ten, 4, "seal does not match")


def test_reordered_rows_are_named(ten: Storage) -> None:
    with tampering(ten) as conn:
        for old, new in ((3, 1000), (7, 3), (1000, 7)):
            conn.execute(sa.text("UPDATE audit_log SET seq = :new WHERE seq = :old"),
                         {"new": new, "old": old})
    _failed_at(ten, 3, "reordered")


def test_a_chain_rewritten_with_fresh_hashes_is_caught_at_its_first_row(ten: Storage) -> None:
    with tampering(ten) as conn:
        rows = conn.execute(sa.text("SELECT seq, body FROM audit_log ORDER BY seq")).all()
        prev = "0" * 64
        for seq, body in rows:
            if seq == 2:
                body = body.replace("U0ALICE", "U0MALLORY")
            fresh = hashlib.sha256((prev + body).encode()).hexdigest()
            conn.execute(sa.text("UPDATE audit_log SET prev_hash = :p, hash = :h, body = :b "
                                 "WHERE seq = :s"), {"p": prev, "h": fresh, "b": body, "s": seq})
            prev = fresh
        conn.execute(sa.text("UPDATE audit_head SET hash = :h"), {"h": prev})
    _failed_at(ten, 1, "seal does not match")


def test_a_truncated_tail_is_caught_against_the_signed_head(ten: Storage) -> None:
    with tampering(ten) as conn:
        conn.execute(sa.text("DELETE FROM audit_log WHERE seq > 7"))
    _failed_at(ten, 8, "tail was truncated")


def test_an_edited_head_is_caught(ten: Storage) -> None:
    with tampering(ten) as conn:
        conn.execute(sa.text("UPDATE audit_head SET seq = 9, hash = :h"),
                     {"h": str(_row(conn, 9)["hash"])})
    report = ten.verify()
    assert not report.ok and "signature is not valid" in (report.problem or "")


def test_rows_appended_outside_the_bot_are_caught(ten: Storage) -> None:
    with tampering(ten) as conn:
        last = _row(conn, 10)
        body = canonical_body(event(11))
        conn.execute(sa.text(
            "INSERT INTO audit_log (seq, prev_hash, hash, body, at, actor_id, actor_name, "
            "transport, phase, outcome, incident_id, correlation_id) VALUES (11, :prev, :hash, "
            ":body, :at, 'U0ALICE', 'alice', 'slack-socket', 'command', 'ok', NULL, 'corr-0011')"),
            {"prev": last["hash"], "hash": seal(WRONG_KEY, str(last["hash"]), body),
             "body": body, "at": last["at"]})
    _failed_at(ten, 11, "seal does not match")


def test_a_tail_truncated_with_an_old_signed_head_put_back_is_caught_by_the_anchor(
    ten: Storage, tmp_path: Path
) -> None:
    anchor = FileAnchor(tmp_path / "anchor.json")
    with ten.engine.connect() as conn:
        seventh = _row(conn, 7)
    old = SignedHead(seq=7, hash=str(seventh["hash"]),
                     signature=sign_head(KEY, 7, str(seventh["hash"])))  # saved by the attacker
    head = ten.audit.head()
    assert head is not None and anchor.write(head)
    ten.anchors = [anchor]
    with tampering(ten) as conn:
        conn.execute(sa.text("DELETE FROM audit_log WHERE seq > 7"))
        conn.execute(sa.text("UPDATE audit_head SET seq = 7, hash = :h, signature = :s"),
                     {"h": old.hash, "s": old.signature})
    report = ten.verify()
    assert not report.ok and report.first_bad_seq == 8
    assert "anchor.json saw row 10" in (report.problem or "")


def test_an_anchor_never_moves_backwards(ten: Storage, tmp_path: Path) -> None:
    anchor = FileAnchor(tmp_path / "anchor.json")
    head = ten.audit.head()
    assert head is not None and anchor.write(head)
    older = SignedHead(seq=3, hash="x" * 64, signature="y" * 64)
    assert anchor.write(older) is False
    assert anchor.read() == head


def test_a_forged_anchor_is_reported(ten: Storage, tmp_path: Path) -> None:
    path = tmp_path / "anchor.json"
    path.write_text(json.dumps({"seq": 10, "hash": "f" * 64, "signature": "0" * 64}))
    ten.anchors = [FileAnchor(path)]
    report = ten.verify()
    assert not report.ok and "no valid signature" in (report.problem or "")


# -- through the command line ----------------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> str:
    for name in ("KUMO_AUDIT_ANCHOR", "KUMO_DATA_DIR", "DATABASE_URL", "KUMO_AUDIT_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env from the working tree
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("KUMO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KUMO_AUDIT_KEY", KEY.decode())
    return database_url


def test_audit_verify_exits_zero_on_an_intact_log_and_one_naming_the_bad_row(
    cli_env: str, clock: FixedClock, capsys: pytest.CaptureFixture[str]
) -> None:
    storage = open_test_storage(cli_env, clock)
    for n in range(1, 6):
        storage.audit.append(event(n))
    assert main(["audit", "verify"]) == 0
    assert "audit log OK: 5 rows" in capsys.readouterr().out
    with tampering(storage) as conn:
        conn.execute(sa.text("UPDATE audit_log SET outcome = 'error' WHERE seq = 2"))
    assert main(["audit", "verify"]) == 1
    assert "FAILED at row 2" in capsys.readouterr().out
    storage.close()


def test_audit_verify_with_the_wrong_key_says_so(
    cli_env: str, clock: FixedClock, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    storage = open_test_storage(cli_env, clock)
    storage.audit.append(event(1))
    storage.close()
    monkeypatch.setenv("KUMO_AUDIT_KEY", WRONG_KEY.decode())
    assert main(["audit", "verify"]) == 1
    assert "FAILED at row 1" in capsys.readouterr().out


def test_audit_verify_reads_the_file_anchor_from_the_settings(
    cli_env: str, clock: FixedClock, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    storage = open_test_storage(cli_env, clock)
    for n in range(1, 4):
        storage.audit.append(event(n))
    head = storage.audit.head()
    assert head is not None
    FileAnchor(tmp_path / "head.json").write(head)
    monkeypatch.setenv("KUMO_AUDIT_ANCHOR", str(tmp_path / "head.json"))
    assert main(["audit", "verify"]) == 0
    assert "head.json: row 3 matches" in capsys.readouterr().out
    with tampering(storage) as conn:
        conn.execute(sa.text("DELETE FROM audit_log WHERE seq = 3"))
        conn.execute(sa.text("UPDATE audit_head SET seq = 2, hash = (SELECT hash FROM "
                             "audit_log WHERE seq = 2), signature = :s"),
                     {"s": "0" * 64})
    assert main(["audit", "verify"]) == 1
    storage.close()
