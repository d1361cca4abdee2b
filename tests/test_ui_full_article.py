"""Pilot tests of whole articles (f, v, fetch on open) and of links (o, l, c, C), against a
real page server on 127.0.0.1 and a real stand-in browser program."""

# ruff: noqa: F811 - the feed_server fixture imported from tests.feedserver is an argument
from __future__ import annotations

import json
import sys
from pathlib import Path

from reader.config import parse_config
from reader.models import Entry
from reader.store import Store
from reader.ui.screens.links import LinksScreen
from reader.ui.widgets.article_view import ArticleView
from tests.feedserver import FeedServer, feed_server  # noqa: F401
from tests.helpers.pilot import RecordingApp, screen_text, settle
from tests.helpers.stories import NOW, make_store

PAGES = Path(__file__).parent / "fixtures" / "pages"
CASE = json.loads((PAGES / "cases.json").read_text(encoding="utf-8"))["classic_news"]
ARTICLE_WORDS = "ordered 42 new electric trains worth £610m, promising to retire"
HTML = "text/html; charset=utf-8"
FEED = "http://feeds.example/rss"


def add_feed_story(store: Store, link: str, body: str = "") -> int:
    source = store.add_source("feed", FEED, "Valley Courier")
    store.upsert_entries(source.id, [Entry(
        key="trains", title=CASE["title"], link=link, lead=CASE["summary"],
        body_html=body or f"<p>{CASE['summary']}</p>", published=NOW)])
    return store.stories_of(source.id)[0].id


def words(app: RecordingApp) -> str:
    rendered = app.screen.query_one(ArticleView).rendered
    assert rendered is not None
    return " ".join(rendered.plain.split())


def recorder(tmp_path: Path) -> tuple[str, Path]:
    """A stand-in browser: a real program that appends the arguments it got to a file."""
    out = tmp_path / "opened.txt"
    script = tmp_path / "browser.py"
    script.write_text("import sys\n"
                      f"open({str(out)!r}, 'a').write(' '.join(sys.argv[1:]) + '\\n')\n",
                      encoding="utf-8")
    return f"{sys.executable} {script}", out


async def test_f_fetches_the_full_article_v_toggles_and_it_reads_offline(
        tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.route("/news/trains", (PAGES / "classic_news.html").read_bytes(),
                      content_type=HTML)
    store = make_store(tmp_path)
    story = add_feed_story(store, feed_server.url("/news/trains"))
    app = RecordingApp(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        view = app.screen.query_one(ArticleView)
        assert ARTICLE_WORDS not in words(app)
        await pilot.press("f")
        await settle(app, pilot)
        assert feed_server.hits("/news/trains") == 1
        assert ARTICLE_WORDS in words(app)
        assert "full article" in str(view.border_title)
        assert ("information", "Full article kept for offline reading.") in app.notes
        await pilot.press("v")
        await settle(app, pilot)
        assert ARTICLE_WORDS not in words(app) and CASE["summary"] in words(app)
        assert "feed text" in str(view.border_title)
        await pilot.press("v")
        await settle(app, pilot)
        assert ARTICLE_WORDS in words(app)
    kept = store.story(story)
    assert kept is not None and "610m" in kept.full_html
    feed_server.stop()  # the network is gone: the article still reads in full
    offline = RecordingApp(store, offline=True)
    async with offline.run_test(size=(120, 40)) as pilot:
        await settle(offline, pilot)
        assert ARTICLE_WORDS in words(offline)
        await pilot.press("f")
        await settle(offline, pilot)
        assert any("Offline" in note for _severity, note in offline.notes)


async def test_a_failed_fetch_is_told_and_the_summary_stays(
        tmp_path: Path, feed_server: FeedServer) -> None:
    store = make_store(tmp_path)
    add_feed_story(store, feed_server.url("/missing"))
    app = RecordingApp(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("f")
        await settle(app, pilot)
        assert any(severity == "warning" and "Could not fetch the full article" in note
                   and "404" in note for severity, note in app.notes)
        assert CASE["summary"] in words(app)
        await pilot.press("v")
        assert any("Only the feed's text" in note for _severity, note in app.notes)


async def test_sources_in_open_mode_fetch_when_a_story_opens(
        tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.route("/news/trains", (PAGES / "classic_news.html").read_bytes(),
                      content_type=HTML)
    store = make_store(tmp_path)
    add_feed_story(store, feed_server.url("/news/trains"))
    config, problems = parse_config(f'[full_article.sources]\n"{FEED}" = "open"\n', "c.toml")
    assert problems == []
    app = RecordingApp(store, config=config)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await settle(app, pilot)
        assert feed_server.hits("/news/trains") == 1
        assert ARTICLE_WORDS in words(app)
    # the default mode "off" fetches nothing by itself
    other = make_store(tmp_path / "other")
    add_feed_story(other, feed_server.url("/news/trains"))
    quiet = RecordingApp(other)
    async with quiet.run_test(size=(120, 40)) as pilot:
        await settle(quiet, pilot)
        assert feed_server.hits("/news/trains") == 1


async def test_links_open_by_number_with_the_browser_command_only_when_safe(
        tmp_path: Path) -> None:
    command, opened = recorder(tmp_path)
    body = ('<p>See <a href="https://example.org/one">the report</a>, '
            '<a href="javascript:alert(1)">a trap</a> and '
            '<a href="mailto:desk@example.org">the desk</a>.</p>')
    store = make_store(tmp_path)
    add_feed_story(store, "https://example.org/story?id=1&x=$(id)", body)
    config, _ = parse_config(f"browser = {json.dumps(command)}\n", "c.toml")
    app = RecordingApp(store, config=config)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        # the sanitiser already dropped the javascript: link; the rest are numbered
        assert app.screen.query_one(ArticleView).links == (
            "https://example.org/one", "mailto:desk@example.org")
        await pilot.press("l")
        await settle(app, pilot)
        assert isinstance(app.screen, LinksScreen)
        assert "[1] https://example.org/one" in screen_text(app)
        await pilot.press("1", "enter")
        await settle(app, pilot)
        assert not isinstance(app.screen, LinksScreen)
        await pilot.press("l")
        await settle(app, pilot)
        await pilot.press("7", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, LinksScreen)  # no such link: still choosing
        assert any("no link [7]" in note for _severity, note in app.notes)
        await pilot.press("backspace", "2", "enter")
        await settle(app, pilot)
        await pilot.press("o")
        await settle(app, pilot)
        # a link that is not http(s)/mailto is listed but never opened
        app.push_screen(LinksScreen(("javascript:alert(1)", "file:///etc/passwd")))
        await settle(app, pilot)
        assert "not opened" in screen_text(app)
        await pilot.press("1", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, LinksScreen)
        assert any("Not opening [1]" in note for _severity, note in app.notes)
    assert opened.read_text(encoding="utf-8").splitlines() == [
        "https://example.org/one", "mailto:desk@example.org",
        "https://example.org/story?id=1&x=$(id)"]


async def test_c_copies_the_link_and_C_copies_it_as_text(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add_feed_story(store, "https://example.org/trains")
    app = RecordingApp(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("c")
        assert app.clipboard == "https://example.org/trains"
        await pilot.press("C")
        assert app.clipboard.splitlines()[0] == CASE["title"]
        assert app.clipboard.splitlines()[1].startswith("Valley Courier · ")
        assert app.clipboard.splitlines()[2] == "https://example.org/trains"


async def test_sources_in_refresh_mode_keep_new_articles_after_a_refresh(
        tmp_path: Path, feed_server: FeedServer) -> None:
    page = feed_server.url("/news/trains")
    feed_server.route("/news/trains", (PAGES / "classic_news.html").read_bytes(),
                      content_type=HTML)
    feed_server.route("/feed.xml", f"""<?xml version="1.0"?><rss version="2.0"><channel>
        <title>Valley Courier</title><link>{feed_server.url("/")}</link>
        <item><title>{CASE["title"]}</title><link>{page}</link><guid>trains</guid>
        <description>{CASE["summary"]}</description></item></channel></rss>""")
    store = make_store(tmp_path)
    store.add_source("feed", feed_server.url("/feed.xml"), "Valley Courier")
    config, problems = parse_config('[full_article]\ndefault = "refresh"\n', "c.toml")
    assert problems == []
    app = RecordingApp(store, config=config)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("R")
        await settle(app, pilot)
        await settle(app, pilot)
        assert feed_server.hits("/news/trains") == 1
        assert ("information", "Kept 1 of 1 full article for offline reading.") in app.notes
    story = store.stories_of(store.sources()[0].id)[0]
    assert "610m" in story.full_html
