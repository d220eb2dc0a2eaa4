"""Per-client request limits for public endpoints (in this process's memory)."""

from __future__ import annotations

import threading
import time
from collections import deque

from fastapi import Request

from tekisei.errors import ThrottledError


class ClientLimiter:
    """At most ``per_minute`` requests per client in any sliding minute."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, request: Request) -> None:
        """Count one request of the client; refuse it when the minute is full.

        Raises:
            ThrottledError: too many requests; the message says when to try again.
        """
        client = request.client.host if request.client else "unknown"
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(client, deque())
            while hits and now - hits[0] >= 60:
                hits.popleft()
            if len(hits) >= self.per_minute:
                wait = max(1, int(60 - (now - hits[0])) + 1)
                raise ThrottledError(
                    f"too many checks from this address; try again in {wait} s",
                    ja=f"このアドレスからの確認が多すぎます。{wait}秒後にもう一度お試しください。",
                )
            hits.append(now)
            if len(self._hits) > 50_000:  # forget idle clients
                for key in [k for k, v in self._hits.items() if not v or now - v[-1] >= 60]:
                    del self._hits[key]
