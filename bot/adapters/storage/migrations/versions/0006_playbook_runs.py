"""Playbook runs and their steps.

Revision ID: 0006_playbook_runs
Revises: 0005_incidents
Create Date: 2026-11-29
"""

from __future__ import annotations

revision: str = "0006_playbook_runs"
down_revision: str | None = "0005_incidents"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Nothing yet: reserved so parallel work chains in a fixed order."""


def downgrade() -> None:
    """Nothing yet."""
