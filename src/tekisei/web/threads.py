"""Where a request's blocking work runs.

Synchronous endpoints and dependencies run on anyio's default thread pool. Its size is
``TEKISEI_THREADS`` per server process: under load, dozens of threads contending for the
interpreter serve fewer requests a second than a few (measured in benchmarks/load.py).

Password hashing (argon2id, 64 MiB a hash) runs on threads of its own, as many as the
hashing slots, so that a burst of sign-ins queues there: it never holds the threads other
requests need, and never runs on the event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread
from fastapi import Request

from tekisei.services.passwords import HASHING_SLOTS

T = TypeVar("T")


def use_threads(count: int) -> None:
    """Size the default thread pool of the running event loop."""
    anyio.to_thread.current_default_thread_limiter().total_tokens = count


async def hashing(request: Request, work: Callable[[], T]) -> T:
    """Run ``work`` (which hashes or checks a password) on the hashing threads."""
    limiter = getattr(request.app.state, "hashing_threads", None)
    if limiter is None:
        limiter = anyio.CapacityLimiter(HASHING_SLOTS)
        request.app.state.hashing_threads = limiter
    return await anyio.to_thread.run_sync(work, limiter=limiter)
