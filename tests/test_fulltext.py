"""Whole articles: fetched from a real server on 127.0.0.1, extracted, kept, read offline."""

# ruff: noqa: F811 - pytest fixtures imported from tests.feedserver are redefined as arguments
from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import pytest

from reader.extract import html_to_text
from reader.extract.fulltext import FullTextError, fetch_full_article, fetch_full_articles
from reader.models import Entry, Source
from reader.service.fulltext import full_article_mode, pending_full_articles
from reader.sources.fetch import Fetcher
from reader.store import Store
from tests.feedserver import FeedServer, feed_server  # noqa: F401

PAGES = Path(__file__).parent / "fixtures" / "pages"
CASES = json.loads((PAGES / "cases.json").read_text(encoding="utf-8"))
HTML = "text/html; charset=utf-8"


def words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def page(name: str) -> bytes:
    return (PAGES / f"{name}.html").read_bytes()


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "cache.db")


def add_story(store: Store, link: str, *, key: str = "", title: str = "A story",
              summary: str = "The feed's summary.") -> int:
    """A story in a feed source, as a refresh would have stored it; returns its id."""
    source = store.add_source("feed", "http://feeds.example/rss", "Feed")
    key = key or f"link:{link}"
    store.upsert_entries(source.id, [Entry(key=key, title=title, body_html=f"<p>{summary}</p>",
                                           lead=summary, link=link)])
    return next(s.id for s in store.stories_of(source.id) if s.key == key)


def test_article_is_fetched_stored_and_still_reads_when_the_server_is_gone(
        tmp_path: Path) -> None:
    info = CASES["classic_news"]
    with FeedServer() as server:
        server.route("/news/trains", page("classic_news"), content_type=HTML)
        store = Store(tmp_path / "cache.db")
        story_id = add_story(store, server.url("/news/trains"), title=info["title"],
                             summary=info["summary"])
        seen: list[tuple[int, str, int, int]] = []
        results = fetch_full_articles(store, [story_id],
                                      progress=lambda *args: seen.append(args))
        assert results == [(story_id, "")]
        assert seen == [(story_id, "", 1, 1)]
        # Only the page was fetched: its images stay links, nothing else is downloaded.
        assert [r.path for r in server.requests] == ["/news/trains"]
        store.close()
        port = server.port
    # The server is stopped; a fresh handle on the cache file reads the article in full.
    story = Store(tmp_path / "cache.db").story(story_id)
    assert story is not None and story.full_error == ""
    text = html_to_text(story.full_html)
    assert "has ordered 42 new electric trains worth £610m" in text
    assert "Fares will not rise as a result of the order" in text
    assert "<h2>Who pays</h2>" in story.full_html
    # The image is kept as a link, made absolute (it was never fetched, see above).
    image = f"http://127.0.0.1:{port}/images/2024/05/northline-class-142.jpg"
    assert f'<img src="{image}" alt="An old two-carriage train' in story.full_html
    for boilerplate in ("Most read", "Council tax to rise", "All rights reserved", "dataLayer"):
        assert boilerplate not in text
    assert story.body_html == f"<p>{info['summary']}</p>"  # the feed's own text is kept too


def test_the_stories_summary_picks_the_story_on_a_stream_page(
        store: Store, feed_server: FeedServer) -> None:
    info = CASES["ambiguous"]
    feed_server.route("/local/stream", page("ambiguous"), content_type=HTML)
    story_id = add_story(store, feed_server.url("/local/stream"), title=info["title"],
                         summary=info["summary"])
    assert fetch_full_articles(store, [story_id]) == [(story_id, "")]
    story = store.story(story_id)
    assert story is not None
    assert "open-air lido will reopen" in story.full_html
    assert "Market hall" not in story.full_html


def test_windows_1252_page_without_charset_header(store: Store, feed_server: FeedServer) -> None:
    feed_server.route("/de", page("non_utf8"), content_type="text/html")
    story_id = add_story(store, feed_server.url("/de"))
    assert fetch_full_articles(store, [story_id]) == [(story_id, "")]
    story = store.story(story_id)
    assert story is not None and "Geschäftsführerin Dr. Sabine Köhler" in story.full_html


def test_failures_are_plain_words_and_never_erase_an_article(
        store: Store, feed_server: FeedServer) -> None:
    feed_server.route("/kept", page("classic_news"), content_type=HTML)
    feed_server.route("/report.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
                      content_type="application/pdf")
    feed_server.route("/slow", page("brief"), content_type=HTML, delay=5)
    feed_server.route("/gone", b"", status=410, content_type="")
    feed_server.route("/empty-page", b"<html><body><nav><a href='/'>Home</a></nav></body></html>",
                      content_type=HTML)
    kept = add_story(store, feed_server.url("/kept"), key="kept")
    assert fetch_full_articles(store, [kept]) == [(kept, "")]
    before = store.story(kept)
    assert before is not None and "Northline" in before.full_html
    feed_server.route("/kept", b"not found", status=404, content_type="text/plain")

    missing = add_story(store, feed_server.url("/missing"), key="missing")
    pdf = add_story(store, feed_server.url("/report.pdf"), key="pdf")
    slow = add_story(store, feed_server.url("/slow"), key="slow")
    gone = add_story(store, feed_server.url("/gone"), key="gone")
    empty = add_story(store, feed_server.url("/empty-page"), key="empty")
    results = dict(fetch_full_articles(store, [kept, missing, pdf, slow, gone, empty],
                                       fetcher_options={"deadline": 0.5}))
    base = feed_server.base
    assert results == {
        kept: f"HTTP 404 ({base}/kept)",
        missing: f"HTTP 404 ({base}/missing)",
        pdf: f"not a web page: application/pdf ({base}/report.pdf)",
        slow: f"timed out after 0.5 s ({base}/slow)",
        gone: f"the page is gone: HTTP 410 ({base}/gone)",
        empty: f"no article text found on the page ({base}/empty-page)",
    }
    for story_id in (missing, pdf, slow, gone, empty):
        story = store.story(story_id)
        assert story is not None
        assert (story.full_html, story.full_error) == ("", results[story_id])
    after = store.story(kept)
    assert after is not None and after.full_html == before.full_html  # the article survives


def test_only_http_links_are_fetched(store: Store, feed_server: FeedServer) -> None:
    feed_server.route("/to-file", status=302, location="file:///etc/passwd", content_type="")
    local = add_story(store, "file:///etc/passwd", key="file")
    script = add_story(store, "javascript:alert(1)", key="js")
    nothing = add_story(store, "", key="none")
    redirected = add_story(store, feed_server.url("/to-file"), key="redirect")
    results = dict(fetch_full_articles(store, [local, script, nothing, redirected, 999_999]))
    assert results == {
        local: "not an http(s) link: file:///etc/passwd",
        script: "not an http(s) link: javascript:alert(1)",
        nothing: "no web link to fetch",
        redirected: f"redirect to a non-http(s) URL ({feed_server.url('/to-file')})",
        999_999: "the story is no longer in the cache",
    }
    assert [r.path for r in feed_server.requests] == ["/to-file"]


def test_many_pages_in_the_process_pool_in_request_order(
        store: Store, feed_server: FeedServer) -> None:
    names = [n for n in CASES if not n.startswith("_")][:6]
    ids = []
    for name in names:
        feed_server.route(f"/{name}", page(name), content_type=HTML)
        ids.append(add_story(store, feed_server.url(f"/{name}"), key=name,
                             title=CASES[name]["title"], summary=CASES[name]["summary"]))
    done: list[int] = []
    results = fetch_full_articles(store, ids, processes=True,
                                  progress=lambda _sid, _err, count, total: done.append(count))
    assert results == [(story_id, "") for story_id in ids]
    assert done == [1, 2, 3, 4, 5, 6]
    for name, story_id in zip(names, ids, strict=True):
        story = store.story(story_id)
        first = (PAGES / f"{name}.txt").read_text(encoding="utf-8").splitlines()[0]
        assert story is not None and words(first) in words(html_to_text(story.full_html)), name


def test_where_no_process_can_start_many_pages_are_read_in_the_thread(
        store: Store, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """A sandbox that forbids processes: the pages are read in the thread, as a few are."""
    from reader.workerpool import ProcessPool

    def cannot_start(self: ProcessPool) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(ProcessPool, "executor", cannot_start)
    ids = []
    for i in range(3):
        feed_server.route(f"/brief{i}", page("brief"), content_type=HTML)
        ids.append(add_story(store, feed_server.url(f"/brief{i}"), key=f"brief{i}"))
    assert fetch_full_articles(store, ids, processes=True) == [(i, "") for i in ids]
    assert all(store.story(i).full_html for i in ids)  # type: ignore[union-attr]


def test_cancel_leaves_the_rest_untouched(store: Store, feed_server: FeedServer) -> None:
    feed_server.route("/fast", page("brief"), content_type=HTML)
    feed_server.route("/slow", page("brief"), content_type=HTML, delay=30)
    fast = add_story(store, feed_server.url("/fast"), key="fast")
    slow = add_story(store, feed_server.url("/slow"), key="slow")
    cancel = threading.Event()
    results = fetch_full_articles(store, [fast, slow], progress=lambda *_: cancel.set(),
                                  cancel=cancel)
    assert results == [(fast, ""), (slow, "cancelled")]
    source_id = store.story(slow).source_id  # type: ignore[union-attr]
    # Not attempted, so a later refresh tries it again.
    assert [s.id for s in store.stories_without_full_article(source_id)] == [slow]


async def test_fetch_full_article_for_an_async_caller(feed_server: FeedServer,
                                                      store: Store) -> None:
    feed_server.route("/ok", page("inline_ads"), content_type=HTML)
    ok = store.story(add_story(store, feed_server.url("/ok"), key="ok"))
    bad = store.story(add_story(store, feed_server.url("/bad"), key="bad"))
    assert ok is not None and bad is not None
    async with Fetcher() as fetcher:
        article = await fetch_full_article(fetcher, ok)
        with pytest.raises(FullTextError, match=r"^HTTP 404 \(http://127\.0\.0\.1:\d+/bad\)$"):
            await fetch_full_article(fetcher, bad)
    assert article.title == CASES["inline_ads"]["title"]
    assert "Shoppers are paying up to 60 per cent more" in article.body_html
    assert "Doctors stunned" not in article.body_html


def test_full_article_mode_and_what_a_refresh_fetches(store: Store) -> None:
    feed = store.add_source("feed", "http://a.example/rss")
    assert full_article_mode(feed, "refresh") == "refresh"  # '' is the global default
    for mode in ("off", "refresh", "open"):
        store.update_source(feed.id, full_article=mode)
        updated = store.get_source(feed.id)
        assert updated is not None and full_article_mode(updated, "open") == mode
    odd = Source(id=9, kind="feed", location="x", title="", full_article="sometimes")
    assert full_article_mode(odd, "refresh") == "off"
    assert full_article_mode(Source(id=9, kind="feed", location="x", title=""), "bogus") == "off"
    local = Source(id=8, kind="file", location="/tmp/a.html", title="", full_article="refresh")
    assert full_article_mode(local, "refresh") == "off"

    other = store.add_source("feed", "http://b.example/rss")
    store.upsert_entries(feed.id, [Entry(key="a1", title="A", body_html="", link="http://a/1")])
    store.upsert_entries(other.id, [Entry(key="b1", title="B", body_html="", link="http://b/1")])
    store.update_source(feed.id, full_article="refresh")
    [wanted] = [s.id for s in store.stories_of(feed.id)]
    assert pending_full_articles(store, "off") == [wanted]
    assert sorted(pending_full_articles(store, "refresh")) == sorted(
        [wanted, *[s.id for s in store.stories_of(other.id)]])
    by_source = {other.id: "refresh"}  # e.g. the config file's per-source table
    assert sorted(pending_full_articles(
        store, lambda s: full_article_mode(s, by_source.get(s.id, "off")))) == sorted(
        [wanted, *[s.id for s in store.stories_of(other.id)]])
    store.set_full_article(wanted, "", error="HTTP 500")  # attempted: not pending any more
    assert pending_full_articles(store, "off") == []
