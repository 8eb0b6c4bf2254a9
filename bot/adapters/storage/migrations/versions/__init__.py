"""Schema revisions, oldest first; each works on SQLite and PostgreSQL."""
