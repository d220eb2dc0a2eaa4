"""Fixed-window counters in the database (services/limits.py): every request is counted
exactly once, whatever the concurrency, and finished windows are pruned."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

from sqlalchemy import func, select

from tekisei.db.limits import RateLimitRow
from tekisei.services import limits
from tekisei.services.database import Database

START = 1_800_000_000.0  # the start of a minute


def test_concurrent_requests_are_each_counted_once(loaded_db: Database) -> None:
    counter = limits.Counter(loaded_db, "test")
    with ThreadPoolExecutor(max_workers=8) as pool:
        counts = list(pool.map(lambda _: counter.hit("192.0.2.1", now=START).hits, range(40)))
    assert sorted(counts) == list(range(1, 41))
    with loaded_db.reading() as session:
        assert session.scalar(select(func.sum(RateLimitRow.hits))) == 40
    if loaded_db.engine.dialect.name == "sqlite":  # commits of others still wait for the disk
        with ExitStack() as stack:
            held = [stack.enter_context(loaded_db.engine.connect()) for _ in range(8)]
            assert {c.exec_driver_sql("PRAGMA synchronous").scalar() for c in held} == {2}


def test_a_window_counts_each_client_and_limit_apart_and_says_when_it_ends(
    loaded_db: Database,
) -> None:
    public, other = limits.Counter(loaded_db, "public"), limits.Counter(loaded_db, "other")
    assert [public.hit("a", now=START + 10).hits for _ in range(3)] == [1, 2, 3]
    assert public.hit("b", now=START + 10).hits == 1
    assert other.hit("a", now=START + 10).hits == 1
    assert public.hit("a", now=START + 59.5) == limits.Hit(hits=4, retry_after=1)
    assert public.hit("a", now=START + 60) == limits.Hit(hits=1, retry_after=60)
    with loaded_db.reading() as session:
        kept = session.execute(select(RateLimitRow.name, RateLimitRow.window_start)).all()
    assert sorted(kept) == [("other", START), ("public", START + 60)]


def test_a_long_client_key_is_kept_within_the_column(loaded_db: Database) -> None:
    counter = limits.Counter(loaded_db, "public")
    assert counter.hit("x" * 10_000, now=START).hits == 1
    assert counter.hit("x" * 10_000, now=START).hits == 2
