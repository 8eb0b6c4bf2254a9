"""The Alembic environment shipped with the package: ``kumo-bot db upgrade`` needs no ini file."""
