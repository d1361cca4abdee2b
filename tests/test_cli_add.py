"""`newsreader add` and `show` say plainly what they did, and `newsreader PATH...` checks its
paths before the app starts: a real loopback server for pages and feeds, a real cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.cli import main
from reader.store import Store
from tests.feedserver import FeedServer, feed_server  # noqa: F401
from tests.helpers.stories import PAGE, rss_one


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data"
    monkeypatch.setenv("NEWSREADER_DATA_DIR", str(path))
    return path


@pytest.fixture
def site(feed_server: FeedServer) -> FeedServer:  # noqa: F811
    feed_server.route("/", PAGE, content_type="text/html; charset=utf-8")
    feed_server.route("/all.xml", rss_one("All stories", "Ferries return"))
    feed_server.route("/ferries.xml", rss_one("Ferries", "The first ferry"))
    return feed_server


def test_adding_twice_says_already_subscribed_once(
        tmp_path: Path, data_dir: Path, site: FeedServer,
        capsys: pytest.CaptureFixture[str]) -> None:
    story = tmp_path / "story.txt"
    story.write_text("# Harbour news\nThe ferries are back.\n", encoding="utf-8")
    feed = site.url("/all.xml")
    assert main(["add", str(story), feed]) == 0
    capsys.readouterr()
    assert main(["add", str(story), feed]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines() == ["already subscribed: story.txt",
                                         "already subscribed: All stories"]
    assert captured.err == ""
    assert site.hits("/all.xml") == 1  # known before anything was fetched


def test_a_page_with_several_feeds_lists_them_and_pick_chooses(
        data_dir: Path, site: FeedServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["add", "--pick", "2", site.url("/")]) == 0
    captured = capsys.readouterr()
    assert f"  1. All stories  {site.url('/all.xml')}" in captured.err.splitlines()
    assert f"  2. Ferries only  {site.url('/ferries.xml')}" in captured.err.splitlines()
    assert captured.out.startswith(f"added Ferries ({site.url('/ferries.xml')}): 1 new")
    assert site.hits("/all.xml") == 0


def test_without_pick_the_first_feed_is_taken_and_stderr_says_so(
        data_dir: Path, site: FeedServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["add", site.url("/")]) == 0
    captured = capsys.readouterr()
    assert "taking the first; choose another with --pick N" in captured.err
    assert captured.out.startswith(f"added All stories ({site.url('/all.xml')})")


def test_a_pick_out_of_range_adds_nothing(data_dir: Path, site: FeedServer,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["add", "--pick", "3", site.url("/")]) == 1
    assert "--pick 3, but the page links to 2 feeds" in capsys.readouterr().err
    assert main(["list"]) == 0
    assert "no sources yet" in capsys.readouterr().out


def test_show_prints_a_kept_whole_article_and_separates_sources(
        tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = tmp_path / "ferries.txt"
    first.write_text("# Ferries return\nA summary only.\n", encoding="utf-8")
    second = tmp_path / "bridge.txt"
    second.write_text("# The bridge reopens\nTraffic flows again.\n", encoding="utf-8")
    assert main(["add", str(first), str(second)]) == 0
    store = Store(data_dir / "newsreader.sqlite3")
    try:
        [ferries] = store.stories_of(store.sources()[[s.title for s in store.sources()]
                                                     .index("ferries.txt")].id)
        store.set_full_article(ferries.id, "<p>The whole article, fetched with f.</p>")
    finally:
        store.close()
    capsys.readouterr()
    assert main(["show", "ferries.txt", "bridge.txt"]) == 0
    out = capsys.readouterr().out
    assert "The whole article, fetched with f." in out and "A summary only." not in out
    shown_first, separator, shown_second = out.partition("\n" + "─" * 40 + "\n")
    assert separator and "Ferries return" in shown_first
    assert "The bridge reopens" in shown_second


@pytest.mark.usefixtures("in_a_terminal")
def test_paths_that_cannot_be_read_are_told_before_the_app_starts(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    photo = tmp_path / "photo.bin"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    listing = tmp_path / "nothing.opml"
    listing.write_text("<opml version='2.0'><body></body></opml>", encoding="utf-8")
    assert main(["--data-dir", str(data), str(photo), str(empty)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"newsreader: cannot add {photo}: binary file, not text",
        f"newsreader: cannot add {empty}: empty file"]
    assert not data.exists()  # not even the cache was opened, let alone the app
    assert main(["--data-dir", str(data), str(listing)]) == 1  # imported, but no feed in it
    assert "not a single feed" in capsys.readouterr().err
