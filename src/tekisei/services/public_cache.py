"""Built public pages kept in memory, keyed by the versions of what they were built from
(:mod:`tekisei.db.content_versions`): a page is served again only while the tokens of its
organisation and of the deployment-wide tables are the ones read before it was built, so
no process ever serves a page older than a committed change it could see.

The cache holds at most ``max_bytes`` of pages (least recently used first out); a page
larger than a quarter of it is never kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.db.content_versions import DEPLOYMENT, ContentVersionRow
from tekisei.db.orgs import OrgRow

Key = tuple[Hashable, ...]


def versions(session: Session, slug: str) -> Key:
    """What the public pages of the organisation ``slug`` are built from, as it stands:
    its id and the tokens of its data and of the deployment-wide tables (read before the
    page's data, so that a page is never newer than nothing and older than its key)."""
    org_id = select(OrgRow.id).where(OrgRow.slug == slug[:64]).scalar_subquery()
    found = dict(
        session.execute(
            select(ContentVersionRow.scope, ContentVersionRow.token).where(
                ContentVersionRow.scope.in_([DEPLOYMENT, org_id])
            )
        ).all()
    )
    own = next((token for scope, token in found.items() if scope != DEPLOYMENT), None)
    return (slug, own, found.get(DEPLOYMENT))


class PageCache:
    """Thread-safe, size-bounded, least recently used first out."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._pages: OrderedDict[Key, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Key) -> bytes | None:
        with self._lock:
            page = self._pages.get(key)
            if page is None:
                self.misses += 1
                return None
            self._pages.move_to_end(key)
            self.hits += 1
            return page

    def put(self, key: Key, page: bytes) -> None:
        if len(page) > self.max_bytes // 4:
            return
        with self._lock:
            old = self._pages.pop(key, None)
            if old is not None:
                self._size -= len(old)
            self._pages[key] = page
            self._size += len(page)
            while self._size > self.max_bytes:
                _, dropped = self._pages.popitem(last=False)
                self._size -= len(dropped)

    @property
    def size(self) -> int:
        """The bytes of the pages held."""
        return self._size

    def __len__(self) -> int:
        return len(self._pages)
