"""Incidents and their timeline entries.

Revision ID: 0005_incidents
Revises: 0004_guarded_writes
Create Date: 2026-11-29
"""

from __future__ import annotations

revision: str = "0005_incidents"
down_revision: str | None = "0004_guarded_writes"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Nothing yet: reserved so parallel work chains in a fixed order."""


def downgrade() -> None:
    """Nothing yet."""
