"""Metric history roll-ups for long trend windows.

Revision ID: 0008_metric_rollups
Revises: 0007_bot_holds_reapply
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008_metric_rollups"
down_revision: str | None = "0007_bot_holds_reapply"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create ``metric_rollups``: per node, tier and block, the series-major roll-up."""
    op.create_table(
        "metric_rollups",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("node", sa.String(200), nullable=False),
        sa.Column("step_s", sa.Integer(), nullable=False),
        sa.Column("start", sa.DateTime(timezone=False), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.UniqueConstraint("step_s", "start", "node", name="uq_metric_rollups"),
    )


def downgrade() -> None:
    """Drop the roll-ups (rebuilt from the snapshots on the next compaction)."""
    op.drop_table("metric_rollups")
