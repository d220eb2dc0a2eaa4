"""Per-client request limits for public endpoints, counted in the database so that every
server process shares them (``services/limits.py``)."""

from __future__ import annotations

import time
from collections.abc import Callable

from fastapi import Request

from tekisei.errors import ThrottledError
from tekisei.services.database import Database
from tekisei.services.limits import Counter


class ClientLimiter:
    """At most ``per_minute`` requests per client in each minute (fixed windows)."""

    def __init__(
        self,
        database: Database,
        per_minute: int,
        *,
        name: str = "public",
        clock: Callable[[], float] = time.time,
        what: tuple[str, str] = ("checks", "確認"),
    ) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self.what = what
        """What is counted, in English and Japanese, for the message over the limit."""
        self._counter = Counter(database, name, window_s=60)

    def check(self, request: Request) -> None:
        """Count one request of the client; refuse it when the minute is full.

        Raises:
            ThrottledError: too many requests; the message says when to try again.
        """
        client = request.client.host if request.client else "unknown"
        hit = self._counter.hit(client, now=self.clock())
        if hit.hits > self.per_minute:
            wait = hit.retry_after
            raise ThrottledError(
                f"too many {self.what[0]} from this address; try again in {wait} s",
                ja=f"このアドレスからの{self.what[1]}が多すぎます。{wait}秒後にもう一度お試しください。",
                retry_after=int(wait),
            )


def check_pdf_limit(request: Request) -> None:
    """Count one public PDF download of the client (PDFs cost a rendering each).

    Raises:
        ThrottledError: the client's minute is full.
    """
    limiter: ClientLimiter = request.app.state.pdf_limiter
    limiter.check(request)
