"""Storage: SQLAlchemy tables, engines and sessions, Alembic migrations."""
