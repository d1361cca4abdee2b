"""`newsreader refresh` from cron does what the app does after a refresh: feeds, then the whole
articles of sources set to "refresh", against a real server on 127.0.0.1."""

# ruff: noqa: F811 - the feed_server fixture is imported and then used as an argument
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from reader.cli import main
from reader.models import View
from reader.paths import db_path
from reader.store import Store
from tests.feedserver import FeedServer, feed_server  # noqa: F401
from tests.helpers.stories import ARTICLE_PAGE


def feed(link: str) -> str:
    return ("<?xml version='1.0'?><rss version='2.0'><channel><title>Gazette</title>"
            f"<item><guid>h1</guid><title>Harbour reopens</title><link>{link}</link>"
            "<description>The harbour reopened on Monday.</description></item>"
            "</channel></rss>")


def test_refresh_keeps_whole_articles_for_sources_set_to_refresh(
        dirs: Path, feed_server: FeedServer, capsys: pytest.CaptureFixture[str]) -> None:
    feed_server.route("/page", ARTICLE_PAGE, content_type="text/html; charset=utf-8")
    feed_server.route("/feed", feed(feed_server.url("/page")))
    (dirs / "config").mkdir()
    (dirs / "config" / "config.toml").write_text('[full_article]\ndefault = "refresh"\n',
                                                 encoding="utf-8")
    assert main(["add", feed_server.url("/feed")]) == 0
    assert main(["refresh"]) == 0
    assert "kept 1 of 1 full article for" in capsys.readouterr().out
    feed_server.stop()
    store = Store(db_path())
    story = store.story(store.views.headlines(View(), 0, 1)[0].id)
    store.close()
    assert story is not None
    assert "Fishing boats were the first to leave" in story.full_html
    assert "Copyright Example Gazette" not in story.full_html


def test_refresh_fetches_no_page_when_the_mode_is_off(
        dirs: Path, feed_server: FeedServer, capsys: pytest.CaptureFixture[str]) -> None:
    feed_server.route("/page", ARTICLE_PAGE, content_type="text/html; charset=utf-8")
    feed_server.route("/feed", feed(feed_server.url("/page")))
    assert main(["add", feed_server.url("/feed")]) == 0
    assert main(["refresh"]) == 0
    assert "full articles" not in capsys.readouterr().out
    assert feed_server.hits("/page") == 0


def test_a_refresh_of_unchanged_feeds_loads_no_feed_reader(
        dirs: Path, feed_server: FeedServer) -> None:
    """The usual cron run (every feed answers 304) is mostly start-up: it must not import
    the feed parsers, the local-file readers, the extractor or the OPML reader, which it
    never uses. It still asks conditionally and still records the check."""
    feed_server.route("/feed", feed("https://example.org/a"), etag='"v1"')
    assert main(["add", feed_server.url("/feed")]) == 0
    store = Store(db_path())
    before = store.sources()[0].last_checked
    store.close()
    unwanted = ["reader.sources.feedfile", "reader.sources.directfeed", "reader.refresh.local",
                "reader.extract", "reader.sources.opml", "feedparser", "textual"]
    code = ("import sys; from reader.cli import main; status = main(['refresh']); "
            f"print(status, [m for m in {unwanted!r} if m in sys.modules], file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=dict(os.environ), check=True, timeout=120)
    assert done.stdout.strip() == "1 source, 0 new stories, 0 failed"
    assert done.stderr.strip().splitlines()[-1] == "0 []"
    assert feed_server.requests_for("/feed")[-1].headers["if-none-match"] == '"v1"'
    store = Store(db_path())
    source = store.sources()[0]
    store.close()
    assert source.status == "ok" and source.last_checked > before
