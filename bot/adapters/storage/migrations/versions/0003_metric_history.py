"""Metric history: each node's series, and its packed snapshots (issue 7).

Revision ID: 0003_metric_history
Revises: 0002_tsa_diary
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003_metric_history"
down_revision: str | None = "0002_tsa_diary"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create ``metric_series`` and ``metric_snapshots``."""
    op.create_table(
        "metric_series",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("node", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.UniqueConstraint("node", "kind", "name", name="uq_metric_series"),
    )
    op.create_table(
        "metric_snapshots",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("node", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("step_s", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_metric_snapshots_node", "metric_snapshots", ["node"])
    op.create_index("ix_metric_snapshots_at", "metric_snapshots", ["at"])


def downgrade() -> None:
    """Drop the metric history (it is a cache of the park's past, not a record)."""
    op.drop_index("ix_metric_snapshots_at", "metric_snapshots")
    op.drop_index("ix_metric_snapshots_node", "metric_snapshots")
    op.drop_table("metric_snapshots")
    op.drop_table("metric_series")
