"""Incidents and their timeline entries.

Revision ID: 0005_incidents
Revises: 0004_guarded_writes
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005_incidents"
down_revision: str | None = "0004_guarded_writes"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create ``incidents`` and ``incident_entries``."""
    op.create_table(
        "incidents",
        sa.Column("id", sa.String(40), primary_key=True),
        # The id is INC-<day>-<seq>: (day, seq) unique, so two replicas never share one.
        sa.Column("day", sa.String(8), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("domains", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(40), nullable=True, index=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("opened_by", sa.String(200), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=False), nullable=False, index=True),
        sa.Column("resolved_by", sa.String(200), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=False), nullable=True),
        sa.UniqueConstraint("day", "seq", name="uq_incidents_day_seq"),
    )
    # One open incident per channel, even when two replicas start one there at once.
    op.create_index("uq_incidents_open_channel", "incidents", ["channel"], unique=True,
                    sqlite_where=sa.text("status = 'open'"),
                    postgresql_where=sa.text("status = 'open'"))
    op.create_table(
        "incident_entries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("incident_id", sa.String(40), nullable=False, index=True),
        # A de-duplication key (an out-of-band hold's id): recorded once per incident.
        sa.Column("key", sa.String(200), nullable=True),
        sa.Column("at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.UniqueConstraint("incident_id", "key", name="uq_incident_entries_key"),
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_table("incident_entries")
    op.drop_index("uq_incidents_open_channel", table_name="incidents")
    op.drop_table("incidents")
