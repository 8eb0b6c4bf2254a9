"""The TSA diary: automation actions, their refresh moments, and the watchers' gaps.

Revision ID: 0002_tsa_diary
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002_tsa_diary"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

_ACTIVE = sa.text("ended_at IS NULL")


def upgrade() -> None:
    """Create ``tsa_actions``, ``tsa_moments`` and ``tsa_gaps``."""
    op.create_table(
        "tsa_actions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(32), nullable=False),
        sa.Column("tsa", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("rule_hex", sa.String(64), nullable=True),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("path", sa.String(500), nullable=True),
        sa.Column("source", sa.String(200), nullable=True),
        sa.Column("site", sa.String(500), nullable=True),
        sa.Column("domain", sa.String(300), nullable=True),
        sa.Column("tenant", sa.String(200), nullable=True),
        sa.Column("campaign", sa.String(200), nullable=True),
        sa.Column("option", sa.String(100), nullable=True),
        sa.Column("value", sa.String(200), nullable=True),
        sa.Column("duration_s", sa.Integer(), nullable=True),
        sa.Column("first_seen", sa.DateTime(timezone=False), nullable=False),
        sa.Column("first_expires", sa.DateTime(timezone=False), nullable=False),
        sa.Column("expires", sa.DateTime(timezone=False), nullable=False),
        sa.Column("refreshes", sa.Integer(), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=False), nullable=True),
        sa.Column("end_reason", sa.String(20), nullable=True),
        sa.Column("noticed_at", sa.DateTime(timezone=False), nullable=True),
        sa.Column("noticed_by", sa.String(100), nullable=True),
    )
    # One open entry per action: two watchers seeing it at once insert it once.
    op.create_index("ux_tsa_actions_open_key", "tsa_actions", ["key"], unique=True,
                    sqlite_where=_ACTIVE, postgresql_where=_ACTIVE)
    op.create_index("ix_tsa_actions_first_seen", "tsa_actions", ["first_seen"])
    op.create_index("ix_tsa_actions_ended_at", "tsa_actions", ["ended_at"])
    op.create_table(
        "tsa_moments",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("action_id", sa.Integer(), sa.ForeignKey("tsa_actions.id"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("expires", sa.DateTime(timezone=False), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
    )
    op.create_index("ix_tsa_moments_action_id", "tsa_moments", ["action_id"])
    op.create_table(
        "tsa_gaps",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("tsa", sa.String(100), nullable=False),
        sa.Column("watcher", sa.String(100), nullable=False),
        sa.Column("started", sa.DateTime(timezone=False), nullable=False),
        sa.Column("ended", sa.DateTime(timezone=False), nullable=True),
        sa.Column("detail", sa.String(300), nullable=False),
    )
    op.create_index("ix_tsa_gaps_started", "tsa_gaps", ["started"])


def downgrade() -> None:
    """Drop the diary."""
    op.drop_table("tsa_gaps")
    op.drop_table("tsa_moments")
    op.drop_table("tsa_actions")
