"""A pool whose workers came from the fork server (the app's way: it has threads) stops them
when its last user lets go, and starts new ones for the next job; forked workers (a
command's) stay. Real processes: a worker's end is waited for on its pidfd
(`tests.helpers.processes`)."""

# ruff: noqa: F811 - pytest fixtures imported from tests.feedserver are redefined as arguments
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from reader.extract.fulltext import fetch_full_articles
from reader.models import Entry
from reader.refresh.parsing import HANDFUL, Parser
from reader.store import Store
from reader.workerpool import ProcessPool
from tests.feedserver import FeedServer, feed_server  # noqa: F401
from tests.helpers.processes import still_running

ROOT = Path(__file__).parent.parent
HOSTILE = (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "x">]><rss version="2.0"><channel>'
           b"<title>&a;</title><item><title>Only in a worker</title><guid>w</guid></item>"
           b"</channel></rss>")  # declares an entity: parsed in a worker, never in a thread


def test_fork_server_workers_stop_when_the_last_user_lets_go() -> None:
    pool = ProcessPool(1, may_fork=False)
    try:
        pool.hold()
        pool.hold()
        worker = pool.executor().submit(os.getpid).result(timeout=60)
        assert pool.start_method == "forkserver"
        pool.release()
        assert pool.running  # one user still holds it
        pool.release()
        assert not pool.running and still_running([worker]) == []
        pool.hold()  # the next job gets a new worker
        again = pool.executor().submit(os.getpid).result(timeout=60)
        assert again != worker and pool.starts == 2
        pool.release()
        assert not pool.running and still_running([again]) == []
    finally:
        pool.shutdown()


def test_forked_workers_stay_when_the_last_user_lets_go() -> None:
    """A command's pool: forked while it had one thread, it could not fork again."""
    script = """
import json, os
from reader.workerpool import ProcessPool
pool = ProcessPool(1)
pool.hold()
forked = pool.start_forked()
worker = pool.executor().submit(os.getpid).result(timeout=60)
pool.release()
print(json.dumps({"forked": forked, "running": pool.running,
                  "same": pool.executor().submit(os.getpid).result(timeout=60) == worker}))
pool.shutdown()
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == {"forked": True, "running": True,
                                                         "same": True}


async def test_a_parser_lets_go_of_the_pool_when_it_closes() -> None:
    pool = ProcessPool(1, may_fork=False)
    try:
        async with Parser(expected=1, pool=pool) as parser:
            result = await parser.parse(HOSTILE, "http://example.org/feed")
            assert parser.in_pool == 1 and pool.running
        assert not pool.running
    finally:
        pool.shutdown()
    assert [r.title for r in result.rows] == ["Only in a worker"]


def test_an_extraction_lets_go_of_the_pool_when_it_ends(
        store: Store, feed_server: FeedServer) -> None:
    feed_server.route("/brief", (ROOT / "tests" / "fixtures" / "pages" / "brief.html").read_bytes(),
                      content_type="text/html; charset=utf-8")
    source = store.add_source("feed", "http://feeds.example/rss", "Feed")
    store.upsert_entries(source.id, [Entry(key="brief", title="A story", body_html="<p>Sum.</p>",
                                           lead="Sum.", link=feed_server.url("/brief"))])
    story = store.stories_of(source.id)[0].id
    pool = ProcessPool(1, may_fork=False)
    try:
        assert fetch_full_articles(store, [story], processes=True, pool=pool) == [(story, "")]
        assert pool.starts == 1 and not pool.running
    finally:
        pool.shutdown()
    assert store.story(story).full_html  # type: ignore[union-attr]


async def test_a_parser_done_before_its_pool_is_up_still_lets_it_go() -> None:
    """A refresh sure of its bodies starts the pool as it begins; one that ends before the
    workers are up (every fetch failed at once) waits for them, then lets them go."""
    pool = ProcessPool(1, may_fork=False)
    try:
        async with Parser(expected=HANDFUL + 2, certain=HANDFUL + 1, pool=pool) as parser:
            assert parser._warming is not None and not pool.running
        assert pool.starts == 1 and not pool.running
    finally:
        pool.shutdown()
