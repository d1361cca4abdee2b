"""`newsreader refresh` from cron does what the app does after a refresh: feeds, then the whole
articles of sources set to "refresh", against a real server on 127.0.0.1."""

# ruff: noqa: F811 - the feed_server fixture is imported and then used as an argument
from __future__ import annotations

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
