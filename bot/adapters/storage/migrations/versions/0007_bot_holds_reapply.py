"""Guarded writes, part 2: card locations, re-applied holds, log filters.

Revision ID: 0007_bot_holds_reapply
Revises: 0006_playbook_runs
Create Date: 2026-11-29
"""

from __future__ import annotations

revision: str = "0007_bot_holds_reapply"
down_revision: str | None = "0006_playbook_runs"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Nothing yet: reserved so parallel work chains in a fixed order."""


def downgrade() -> None:
    """Nothing yet."""
