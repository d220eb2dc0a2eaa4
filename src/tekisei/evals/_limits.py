"""Pacing and reuse: a token-bucket rate limit and a response cache that never keeps errors."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Callable

from tekisei.evals._model import Message


class TokenBucket:
    """At most ``per_minute`` requests a minute, with bursts up to ``burst``."""

    def __init__(
        self,
        per_minute: float,
        burst: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_minute <= 0:
            raise ValueError("the rate is above zero")
        self.rate = per_minute / 60.0
        self.capacity = float(burst if burst is not None else max(1, int(self.rate)))
        self.tokens = self.capacity
        self._clock = clock
        self._last = clock()
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = self._clock()
        self.tokens = min(self.capacity, self.tokens + (now - self._last) * self.rate)
        self._last = now

    def wait_time(self) -> float:
        """Seconds until a token is free (0 when one is)."""
        self._refill()
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    async def acquire(self) -> None:
        """Take a token, waiting for one when the bucket is empty."""
        async with self._lock:
            while (delay := self.wait_time()) > 0:
                await asyncio.sleep(delay)
            self.tokens -= 1


class ResponseCache:
    """Answers by target and request; only successful answers are ever stored."""

    def __init__(self) -> None:
        self._entries: dict[str, str] = {}

    @staticmethod
    def key(target: str, messages: list[Message]) -> str:
        """A stable key for one request to one target."""
        payload = json.dumps(
            [target, [m.model_dump(mode="json") for m in messages]],
            ensure_ascii=False,
            sort_keys=True,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def get(self, target: str, messages: list[Message]) -> str | None:
        """The stored answer, if any."""
        return self._entries.get(self.key(target, messages))

    def put(self, target: str, messages: list[Message], output: str) -> None:
        """Keep a successful answer."""
        self._entries[self.key(target, messages)] = output

    def __len__(self) -> int:
        return len(self._entries)

    def dump(self) -> bytes:
        """The entries as JSON lines (``{"key", "output"}``), for keeping on disk."""
        return "".join(
            json.dumps({"key": k, "output": v}, ensure_ascii=False) + "\n"
            for k, v in self._entries.items()
        ).encode("utf-8")

    @classmethod
    def load(cls, data: bytes) -> ResponseCache:
        """A cache from :meth:`dump`'s lines; lines that cannot be read are skipped (a
        cache only saves requests, it never decides a verdict)."""
        cache = cls()
        for line in data.decode("utf-8", "replace").splitlines():
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                continue
            if (
                isinstance(item, dict)
                and isinstance(item.get("key"), str)
                and isinstance(item.get("output"), str)
            ):
                cache._entries[item["key"]] = item["output"]
        return cache
