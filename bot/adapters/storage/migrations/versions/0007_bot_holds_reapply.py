"""Guarded writes, part 2: card locations, re-applied holds, log filters.

- ``pending_actions`` gains where its card was posted (``card_channel``, ``card_ts``),
  so an expired request's card is updated in place;
- ``bot_log_filters``: each diagnostic log filter the bot set, its baseline, when it
  reverts and whether it did (the revert job reads it; a restart re-applies it);
- ``node_sightings``: the last ``online_since`` seen per kumod node, so a restart
  (kumod forgot its admin holds) is noticed once across replicas.

Revision ID: 0007_bot_holds_reapply
Revises: 0006_playbook_runs
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007_bot_holds_reapply"
down_revision: str | None = "0006_playbook_runs"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add the card columns; create ``bot_log_filters`` and ``node_sightings``."""
    with op.batch_alter_table("pending_actions") as batch:
        batch.add_column(sa.Column("card_channel", sa.String(40), nullable=True))
        batch.add_column(sa.Column("card_ts", sa.String(40), nullable=True))
    op.create_table(
        "bot_log_filters",
        sa.Column("request_id", sa.String(32), primary_key=True),
        sa.Column("filter", sa.Text(), nullable=False),
        sa.Column("baseline", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(40), nullable=True),
        sa.Column("set_at", sa.DateTime(timezone=False), nullable=False, index=True),
        sa.Column("until", sa.DateTime(timezone=False), nullable=False),
        sa.Column("reverted_at", sa.DateTime(timezone=False), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=True),
    )
    op.create_table(
        "node_sightings",
        sa.Column("node", sa.String(200), primary_key=True),
        sa.Column("online_since", sa.String(64), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=False), nullable=False),
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_table("node_sightings")
    op.drop_table("bot_log_filters")
    with op.batch_alter_table("pending_actions") as batch:
        batch.drop_column("card_ts")
        batch.drop_column("card_channel")
