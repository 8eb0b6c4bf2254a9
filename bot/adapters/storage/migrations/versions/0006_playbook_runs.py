"""Playbook runs and their steps.

Revision ID: 0006_playbook_runs
Revises: 0005_incidents
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006_playbook_runs"
down_revision: str | None = "0005_incidents"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create ``playbook_runs``: one row per run, its whole state (history included) in
    ``body``, and ``version`` for the compare-and-set every transition makes."""
    op.create_table(
        "playbook_runs",
        sa.Column("run_id", sa.String(40), primary_key=True),
        sa.Column("playbook", sa.String(100), nullable=False),
        sa.Column("domain", sa.String(300), nullable=True),
        sa.Column("incident_id", sa.String(100), nullable=True, index=True),
        sa.Column("channel", sa.String(40), nullable=True),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("step", sa.String(60), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("started_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=False), nullable=False),
    )


def downgrade() -> None:
    """Drop it."""
    op.drop_table("playbook_runs")
