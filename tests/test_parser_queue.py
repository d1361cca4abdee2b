"""The parser keeps one body waiting in the pool's queue beyond one per worker, so a worker
done with a feed never idles while the main process is busy; a body waiting there is not
charged the time it waited against its parse's limit."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from reader.refresh.parsing import HANDFUL, Parser
from reader.sources.parse_worker import ParseFailed
from reader.workerpool import ProcessPool

GOOD = (Path(__file__).parent / "fixtures" / "feeds" / "rss20.xml").read_bytes()


def slow_feed() -> bytes:
    """About a second of parsing on any road: 8,000 stories, each body sanitised as it is
    parsed (a relative link, which only the feed's address resolves)."""
    body = "&lt;p&gt;word &lt;a href='/x'&gt;bold&lt;/a&gt;&lt;/p&gt;" * 40
    items = "".join(f"<item><title>t{i}</title><guid>g{i}</guid><description>{body}"
                    "</description></item>" for i in range(8000))
    return f'<rss version="2.0"><channel><title>slow</title>{items}</channel></rss>'.encode()


async def test_one_body_more_than_the_workers_is_handed_to_the_pool() -> None:
    async with Parser(expected=HANDFUL + 1, certain=HANDFUL + 1, workers=1) as parser:
        results = await asyncio.gather(*(parser.parse(GOOD, f"http://example.org/{i}")
                                         for i in range(6)))
    assert all(len(r.rows) == 3 for r in results)
    assert parser.in_pool == 6
    assert parser.most_in_pool_at_once == 2  # one waiting beside the one worker


async def test_a_body_queued_behind_a_slow_one_is_not_failed_for_its_wait() -> None:
    async with Parser(expected=HANDFUL + 1, certain=HANDFUL + 1, workers=1,
                      timeout=0.5) as parser:
        slow, good = await asyncio.gather(parser.parse(slow_feed(), "http://example.org/slow"),
                                          parser.parse(GOOD, "http://example.org/good"),
                                          return_exceptions=True)
    assert isinstance(slow, ParseFailed) and "took longer than 0.5 s" in str(slow)
    assert not isinstance(good, BaseException), good
    assert len(good.rows) == 3


@pytest.mark.parametrize("workers", [1, 2])
async def test_the_queue_never_holds_more_than_one_body_beyond_the_workers(workers: int) -> None:
    async with Parser(expected=HANDFUL + 1, certain=HANDFUL + 1, workers=workers) as parser:
        await asyncio.gather(*(parser.parse(GOOD, f"http://example.org/{i}") for i in range(12)))
    assert parser.most_in_pool_at_once == workers + 1


async def test_the_parse_thread_takes_one_body_at_a_time() -> None:
    """A parse in the thread cannot be stopped: past its limit the thread is left behind,
    and a body queued in that thread behind it would fail unparsed. So a body waits for
    the thread's turn, and is parsed in the thread that replaces it."""
    async with Parser(expected=HANDFUL, workers=2) as parser:
        results = await asyncio.gather(*(parser.parse(GOOD, f"http://example.org/{i}")
                                         for i in range(HANDFUL)))
    assert all(len(r.rows) == 3 for r in results)
    assert parser.in_pool == 0 and parser.in_threads == HANDFUL
    assert parser.most_in_thread_at_once == 1


def test_a_discarded_executor_is_no_longer_the_pools() -> None:
    pool = ProcessPool(1)
    try:
        executor = pool.executor()
        assert pool.is_current(executor)
        pool.discard(executor)
        assert not pool.is_current(executor)
        assert pool.is_current(pool.executor()) and pool.starts == 2
    finally:
        pool.shutdown()
