"""Every table, imported so that ``Base.metadata`` is complete (Alembic reads this)."""

from tekisei.db.base import Base
from tekisei.db.catalog import CatalogNodeRow, CrosswalkLinkRow, CrosswalkRow, FrameworkRow

__all__ = ["Base", "CatalogNodeRow", "CrosswalkLinkRow", "CrosswalkRow", "FrameworkRow"]
