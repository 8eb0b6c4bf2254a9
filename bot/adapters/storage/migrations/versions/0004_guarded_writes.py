"""Guarded writes: pending requests awaiting sign-off, the bot's own holds and overrides.

Revision ID: 0004_guarded_writes
Revises: 0003_metric_history
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004_guarded_writes"
down_revision: str | None = "0003_metric_history"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create ``pending_actions``, ``bot_holds`` and ``bot_overrides``."""
    op.create_table(
        "pending_actions",
        sa.Column("request_id", sa.String(32), primary_key=True),
        sa.Column("verb", sa.String(40), nullable=False),
        sa.Column("scope", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("approvals", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=False), nullable=False),
    )
    op.create_index("ix_pending_actions_scope", "pending_actions", ["scope", "updated_at"])
    op.create_table(
        "bot_holds",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("hold_id", sa.String(64), nullable=False, index=True),
        sa.Column("request_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("criteria", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("node_uuids", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=False), nullable=True),
    )
    op.create_table(
        "bot_overrides",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.String(32), nullable=False),
        sa.Column("domain", sa.String(300), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("value", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=False), nullable=False, index=True),
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_table("bot_overrides")
    op.drop_table("bot_holds")
    op.drop_index("ix_pending_actions_scope", table_name="pending_actions")
    op.drop_table("pending_actions")
