"""Storage: one SQLAlchemy Core schema on SQLite (default) or PostgreSQL, migrated with Alembic."""

from segcio.store.db import Database, open_database

__all__ = ["Database", "open_database"]
