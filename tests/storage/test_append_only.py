"""No code path edits or deletes an audit row: the source says so, not only the triggers."""

from __future__ import annotations

import re
from pathlib import Path

from bot.adapters.storage import SqlAuditLog

BOT = Path(__file__).resolve().parents[2] / "bot"
EDITS = re.compile(
    r"AUDIT\s*\.\s*(update|delete)\b|UPDATE\s+audit_log\b|DELETE\s+FROM\s+audit_log\b"
    r"|TRUNCATE\s+audit_log\b|AuditRow\b.*\.(delete|update)\(",
    re.IGNORECASE,
)


def test_no_module_of_the_bot_updates_or_deletes_audit_rows() -> None:
    offenders = [
        f"{path.relative_to(BOT)}: {line.strip()}"
        for path in sorted(BOT.rglob("*.py"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if EDITS.search(line)
    ]
    assert offenders == []


def test_the_sql_audit_log_offers_append_and_reads_only() -> None:
    public = {name for name in vars(SqlAuditLog) if not name.startswith("_")}
    assert public == {"append", "recent", "head", "stored_rows", "records"}
