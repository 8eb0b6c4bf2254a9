"""Metric history roll-ups for long trend windows.

Revision ID: 0008_metric_rollups
Revises: 0007_bot_holds_reapply
Create Date: 2026-11-29
"""

from __future__ import annotations

revision: str = "0008_metric_rollups"
down_revision: str | None = "0007_bot_holds_reapply"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Nothing yet: reserved so parallel work chains in a fixed order."""


def downgrade() -> None:
    """Nothing yet."""
