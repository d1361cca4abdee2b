"""refresh() and add_feed() end to end: a real loopback server, a real SQLite file, real parsing."""

# ruff: noqa: F811 - pytest fixtures imported from tests.feedserver are redefined as arguments
from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path

import pytest

from reader.models import Outcome
from reader.refresh import AddError, add_feed, due_sources, refresh
from reader.store import Store
from tests.feedserver import FeedServer, feed_server  # noqa: F401
from tests.helpers.stories import current, rss, subscribe, titles

RSS1 = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
  <channel rdf:about="http://example.org/"><title>RDF site</title><link>http://example.org/</link>
    <description>d</description></channel>
  <item rdf:about="http://example.org/r1"><title>RDF story one</title>
    <link>http://example.org/r1</link><description>First RDF body</description></item>
  <item rdf:about="http://example.org/r2"><title>RDF story two</title>
    <link>http://example.org/r2</link><description>Second RDF body</description></item>
</rdf:RDF>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom site</title>
  <link href="http://example.org/"/><id>urn:site</id><updated>2024-01-01T00:00:00Z</updated>
  <entry><title>Atom story</title><id>urn:a1</id><link href="http://example.org/a1"/>
    <updated>2024-01-01T00:00:00Z</updated>
    <content type="html">&lt;p&gt;Atom body&lt;/p&gt;</content>
  </entry>
</feed>"""

JSONFEED = json.dumps({
    "version": "https://jsonfeed.org/version/1.1", "title": "JSON site",
    "home_page_url": "http://example.org/",
    "items": [{"id": "j1", "title": "JSON story", "content_html": "<p>JSON body</p>",
               "url": "http://example.org/j1", "date_published": "2024-01-01T00:00:00Z"}],
})

GOOD = rss("Good feed", [("g1", "First story", "one"), ("g2", "Second story", "two")])


# -- formats -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "content_type", "expected"), [
    (GOOD, "application/rss+xml", ["First story", "Second story"]),
    (RSS1, "application/rdf+xml", ["RDF story one", "RDF story two"]),
    (ATOM, "application/atom+xml", ["Atom story"]),
    (JSONFEED, "application/feed+json", ["JSON story"]),
], ids=["rss2", "rss1", "atom", "jsonfeed"])
def test_each_feed_format_is_stored(store: Store, feed_server: FeedServer, body: str,
                                    content_type: str, expected: list[str]) -> None:
    feed_server.route("/feed", body, content_type=content_type)
    source = subscribe(store, feed_server, "/feed")
    [outcome] = refresh(store)
    assert outcome.ok and outcome.new == len(expected)
    assert titles(store, source) == expected
    after = current(store, source)
    assert after.status == "ok" and after.last_success is not None and after.title


# -- conditional GET ---------------------------------------------------------------------------

def test_304_after_an_etag_writes_no_story(store: Store, feed_server: FeedServer) -> None:
    route = feed_server.route("/feed", GOOD, etag='"v1"')
    source = subscribe(store, feed_server, "/feed")
    refresh(store)
    assert current(store, source).etag == '"v1"'
    route.body = rss("Good feed", [("g3", "A story the 304 must hide", "x")]).encode()
    route._wire = None
    conn = store.db.conn()
    changes = conn.total_changes
    [outcome] = refresh(store)
    assert outcome.ok and outcome.not_modified and outcome.new == 0
    assert feed_server.requests_for("/feed")[-1].headers["if-none-match"] == '"v1"'
    assert titles(store, source) == ["First story", "Second story"]
    assert conn.total_changes - changes == 1  # one source row, no story
    assert current(store, source).last_checked is not None


def test_304_after_last_modified(store: Store, feed_server: FeedServer) -> None:
    stamp = "Mon, 01 Jan 2024 10:00:00 GMT"
    feed_server.route("/feed", GOOD, last_modified=stamp)
    source = subscribe(store, feed_server, "/feed")
    refresh(store)
    [outcome] = refresh(store)
    assert outcome.not_modified
    assert feed_server.requests_for("/feed")[-1].headers["if-modified-since"] == stamp
    assert current(store, source).last_modified == stamp


# -- redirects ---------------------------------------------------------------------------------

@pytest.mark.parametrize("status", [301, 308])
def test_a_permanent_redirect_moves_the_subscription(store: Store, feed_server: FeedServer,
                                                     status: int) -> None:
    feed_server.redirect("/old", feed_server.url("/new"), status)
    feed_server.route("/new", GOOD)
    source = subscribe(store, feed_server, "/old")
    [outcome] = refresh(store)
    assert outcome.ok and outcome.new == 2
    assert current(store, source).location == feed_server.url("/new")


def test_a_temporary_redirect_keeps_the_subscription(store: Store,
                                                     feed_server: FeedServer) -> None:
    feed_server.redirect("/old", feed_server.url("/new"), 302)
    feed_server.route("/new", GOOD)
    source = subscribe(store, feed_server, "/old")
    [outcome] = refresh(store)
    assert outcome.ok and outcome.new == 2
    assert current(store, source).location == feed_server.url("/old")


def test_a_move_onto_an_existing_subscription_is_not_merged(store: Store,
                                                            feed_server: FeedServer) -> None:
    feed_server.redirect("/old", feed_server.url("/new"), 301)
    feed_server.route("/new", GOOD)
    old = subscribe(store, feed_server, "/old")
    subscribe(store, feed_server, "/new")
    outcomes = refresh(store)
    assert all(o.ok for o in outcomes)
    assert current(store, old).location == feed_server.url("/old")
    assert any("already subscribed" in p for o in outcomes for p in o.problems)


# -- failures ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "reason"), [(404, "HTTP 404"), (500, "HTTP 500")])
def test_http_errors_mark_the_source_and_keep_its_stories(store: Store, feed_server: FeedServer,
                                                          status: int, reason: str) -> None:
    route = feed_server.route("/feed", GOOD)
    source = subscribe(store, feed_server, "/feed")
    refresh(store)
    route.status = status
    [outcome] = refresh(store)
    assert outcome.error == reason
    after = current(store, source)
    assert after.status == "error" and after.last_error == reason
    assert titles(store, source) == ["First story", "Second story"]


def test_410_marks_gone_and_is_not_fetched_again(store: Store, feed_server: FeedServer) -> None:
    feed_server.route("/feed", b"", status=410)
    source = subscribe(store, feed_server, "/feed")
    [outcome] = refresh(store)
    assert "410" in outcome.error and current(store, source).status == "gone"
    assert refresh(store) == []
    assert feed_server.hits("/feed") == 1
    assert source.id not in {s.id for s in due_sources(store)}
    [explicit] = refresh(store, [current(store, source)])  # asked for by name: told, not fetched
    assert "410" in explicit.error and feed_server.hits("/feed") == 1


def test_429_with_retry_after_is_skipped_until_then(store: Store,
                                                    feed_server: FeedServer) -> None:
    feed_server.route("/feed", b"", status=429, headers={"Retry-After": "3600"})
    source = subscribe(store, feed_server, "/feed")
    [outcome] = refresh(store)
    assert outcome.error == "HTTP 429"
    waits = store.db.conn().execute("SELECT not_before FROM sources WHERE id = ?",
                                  (source.id,)).fetchone()[0]
    assert waits is not None and 3500 < waits - time.time() <= 3600
    assert refresh(store) == []
    assert feed_server.hits("/feed") == 1


def test_max_age_is_a_minimum_interval(store: Store, feed_server: FeedServer) -> None:
    feed_server.route("/feed", GOOD, headers={"Cache-Control": "max-age=600"})
    subscribe(store, feed_server, "/feed")
    assert refresh(store)[0].new == 2
    assert refresh(store) == []
    assert feed_server.hits("/feed") == 1


def test_a_slow_server_fails_at_the_deadline(store: Store, feed_server: FeedServer) -> None:
    feed_server.route("/feed", GOOD, drip=0.2)
    subscribe(store, feed_server, "/feed")
    started = time.monotonic()
    [outcome] = refresh(store, fetcher_options={"deadline": 1})
    assert outcome.error == "timed out after 1 s"
    assert time.monotonic() - started < 4


def test_a_malformed_feed_keeps_cached_stories_and_read_state(store: Store,
                                                              feed_server: FeedServer) -> None:
    route = feed_server.route("/feed", GOOD)
    source = subscribe(store, feed_server, "/feed")
    refresh(store)
    first = store.stories_of(source.id)[0]
    store.set_read([first.id])
    store.set_starred(first.id, True)
    route.body, route._wire = b"\x00garbage {{ <not xml", None
    [outcome] = refresh(store)
    assert outcome.error
    after = current(store, source)
    assert after.status == "error" and after.last_error == outcome.error
    assert titles(store, source) == ["First story", "Second story"]
    kept = store.story(first.id)
    assert kept is not None and kept.read and kept.starred


def test_an_html_page_is_not_a_feed(store: Store, feed_server: FeedServer) -> None:
    feed_server.route("/feed", "<!doctype html><html><body><p>hello</p></body></html>",
                      content_type="text/html")
    subscribe(store, feed_server, "/feed")
    [outcome] = refresh(store)
    assert outcome.error.startswith("not a feed")


def test_a_changed_entry_updates_its_story_and_keeps_its_state(
        store: Store, feed_server: FeedServer) -> None:
    route = feed_server.route("/feed", GOOD)
    source = subscribe(store, feed_server, "/feed")
    refresh(store)
    story = next(s for s in store.stories_of(source.id) if s.title == "First story")
    store.set_read([story.id])
    store.set_starred(story.id, True)
    route.body = rss("Good feed", [("g1", "First story, corrected", "one, fixed"),
                                   ("g2", "Second story", "two")]).encode()
    route._wire = None
    [outcome] = refresh(store)
    assert outcome.updated == 1 and outcome.new == 0
    changed = store.story(story.id)
    assert changed is not None and changed.title == "First story, corrected"
    assert "fixed" in changed.body_html and changed.read and changed.starred


def test_one_failure_does_not_stop_the_others(store: Store, feed_server: FeedServer) -> None:
    feed_server.route("/good", GOOD)
    feed_server.route("/bad", b"nope", status=404)
    good = subscribe(store, feed_server, "/good")
    bad = subscribe(store, feed_server, "/bad")
    outcomes = {o.source_id: o for o in refresh(store)}
    assert outcomes[good.id].ok and outcomes[good.id].new == 2
    assert outcomes[bad.id].error == "HTTP 404"


# -- progress and order ------------------------------------------------------------------------

def test_progress_once_per_source_on_the_calling_thread(store: Store,
                                                        feed_server: FeedServer,
                                                        tmp_path: Path) -> None:
    for i in range(3):
        feed_server.route(f"/f{i}", rss(f"Feed {i}", [(f"g{i}", f"Story {i}", "x")]))
        subscribe(store, feed_server, f"/f{i}")
    note = tmp_path / "note.md"
    note.write_text("# A local note\n\nIts body.\n", encoding="utf-8")
    store.add_source("file", str(note), "note")
    calls: list[tuple[int, int, int, int]] = []

    def progress(outcome: Outcome, done: int, total: int) -> None:
        calls.append((outcome.source_id, done, total, threading.get_ident()))

    outcomes = refresh(store, progress=progress)
    assert [c[1] for c in calls] == [1, 2, 3, 4] and {c[2] for c in calls} == {4}
    assert {c[3] for c in calls} == {threading.get_ident()}
    assert sorted(c[0] for c in calls) == sorted(s.id for s in store.sources())
    assert all(o.ok for o in outcomes) and sum(o.new for o in outcomes) == 4
    assert [o.source_id for o in outcomes] == [s.id for s in store.sources()]


# -- adding ------------------------------------------------------------------------------------

def test_add_a_feed_url_stores_its_stories(store: Store, feed_server: FeedServer) -> None:
    feed_server.route("/feed", GOOD, etag='"a"')
    source, outcome = add_feed(store, feed_server.url("/feed"))
    assert source.title == "Good feed" and source.location == feed_server.url("/feed")
    assert outcome.new == 2 and source.etag == '"a"'
    assert titles(store, source) == ["First story", "Second story"]


PAGE = """<!doctype html><html><head><title>Site</title>
<link rel="stylesheet" href="/style.css">
<link rel="alternate" type="application/rss+xml" title="All posts" href="/rss.xml">
<link rel="alternate" type="application/atom+xml" title="Comments" href="comments.atom">
</head><body>hello</body></html>"""


def test_add_a_page_autodiscovers_and_lets_the_user_choose(store: Store,
                                                           feed_server: FeedServer) -> None:
    feed_server.route("/blog/", PAGE, content_type="text/html; charset=utf-8")
    feed_server.route("/rss.xml", GOOD)
    feed_server.route("/blog/comments.atom", ATOM, content_type="application/atom+xml")
    offered: list[list[tuple[str, str]]] = []

    def choose(candidates: list[tuple[str, str]]) -> str:
        offered.append(candidates)
        return candidates[1][1]

    source, outcome = add_feed(store, feed_server.url("/blog/"), choose=choose)
    assert offered == [[("All posts", feed_server.url("/rss.xml")),
                        ("Comments", feed_server.url("/blog/comments.atom"))]]
    assert source.location == feed_server.url("/blog/comments.atom")
    assert source.title == "Atom site" and outcome.new == 1


def test_add_a_page_without_chooser_takes_the_first(store: Store,
                                                    feed_server: FeedServer) -> None:
    feed_server.route("/blog/", PAGE, content_type="text/html")
    feed_server.route("/rss.xml", GOOD)
    source, _ = add_feed(store, feed_server.url("/blog/"))
    assert source.location == feed_server.url("/rss.xml")


def test_add_a_page_with_no_feeds_says_so(store: Store, feed_server: FeedServer) -> None:
    feed_server.route("/page", "<html><head><title>x</title></head><body>hi</body></html>",
                      content_type="text/html")
    url = feed_server.url("/page")
    with pytest.raises(AddError) as info:
        add_feed(store, url)
    assert str(info.value) == f"not a feed: the page at {url} has no feed links"
    assert store.sources() == []


def test_add_a_broken_url_says_why(store: Store, feed_server: FeedServer) -> None:
    url = feed_server.url("/missing")
    with pytest.raises(AddError) as info:
        add_feed(store, url)
    assert str(info.value) == f"cannot add {url}: HTTP 404"
    assert store.sources() == []


def test_add_twice_returns_the_existing_subscription(store: Store,
                                                     feed_server: FeedServer) -> None:
    feed_server.route("/feed", GOOD)
    first, _ = add_feed(store, feed_server.url("/feed"))
    again, outcome = add_feed(store, feed_server.url("/feed"))
    assert again.id == first.id and outcome.problems == ["already subscribed"]
    assert feed_server.hits("/feed") == 1


async def test_add_works_from_inside_a_running_event_loop(store: Store,
                                                          feed_server: FeedServer) -> None:
    feed_server.route("/feed", GOOD)
    source, outcome = add_feed(store, feed_server.url("/feed"))
    assert outcome.new == 2 and asyncio.get_running_loop() is not None
    assert source.kind == "feed"


