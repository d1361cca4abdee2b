"""Text written by strangers, on its way to the reader's terminal.

Titles, authors, bodies, source names and file names carry escape sequences (OSC 0/8/52, CSI
clear-screen), C1 controls, DEL and bidi overrides, and Textual markup (click actions, links,
markup that makes the parser raise). Each must be stripped when stored and again when shown,
through every way out: the Store, `render_story`, the command line (`show`, `list`, error
lines on stderr) and the app itself (what the compositor draws, notifications, help, the
command palette). Markup must show literally and never run; no link but http(s) ever opens.
"""

from __future__ import annotations

import json
import webbrowser
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reader.cli import main as cli
from reader.models import Entry, Story, View
from reader.render import render_story
from reader.service.subscriptions import import_opml
from reader.sources.feedfile import parse_feed
from reader.sources.local import read_local
from reader.store import Store
from reader.store.bodies import unpack
from reader.ui.app import NewsApp
from tests.helpers.pilot import settle
from tests.hostile import (
    FIXTURES,
    MARKUP,
    TERMINAL,
    all_markup,
    all_terminal,
    forbidden_in,
    rss,
    watching,
    xml_text,
)

NOW = 1_732_700_000.0
EVIL = all_terminal()
RAW = EVIL.replace("a\ud800b\udfffc", "")  # SQLite cannot hold a lone surrogate at all
# A file name may hold anything but "/" and NUL (so no closing markup tag).
EVIL_NAME = "\x1b]0;pwned\x07 [bold] [@click=app.quit]q \x1b[2J\u202eevil\x9b31m.txt"


def hostile_feed() -> bytes:
    """An RSS document carrying every payload in every field, once escaped as XML text and
    once as raw bytes (not well-formed: feedparser's lenient parser reads it anyway)."""
    items = []
    payloads = list({**TERMINAL, **MARKUP}.items())
    for start in range(0, len(payloads), 4):  # four payloads a story: fewer stories to visit
        group = payloads[start:start + 4]
        name = group[0][0]
        text = " ".join(f"{n}: {t}" for n, t in group)
        items.append({"title": xml_text(text), "guid": name,
                      "link": f"http://example.org/{name}", "author": xml_text(text),
                      "description": xml_text(f"<p>Body {text}</p><p>{all_markup()}</p>")})
    escaped = rss(xml_text(f"Feed {EVIL} {all_markup()}"), items)
    return escaped.encode("utf-8", "surrogatepass")


def raw_feed() -> bytes:
    body = (f"<item><title>raw {EVIL}</title><guid>raw</guid><author>{EVIL}</author>"
            f"<description>raw body {EVIL}</description></item>")
    return (f'<rss version="2.0"><channel><title>Raw {EVIL}</title>{body}</channel></rss>'
            ).encode("utf-8", "surrogatepass")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    db = Store(tmp_path / "data" / "newsreader.sqlite3", clock=lambda: NOW)
    yield db
    db.close()


def stored_text(store: Store) -> str:
    """Every text column of the cache, read with plain SQL (not through the Store; the body
    uncompressed, see reader.store.bodies)."""
    conn = store.db.conn()
    rows = [(*r[:4], unpack(r[4]), r[5]) for r in conn.execute(
        "SELECT title, author, lead, teasers, body_html, link FROM stories")]
    sources = conn.execute("SELECT title, last_error, folder FROM sources")
    return json.dumps([list(r) for r in rows] + [list(r) for r in sources],
                      ensure_ascii=False)


# -- the data layer ------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [hostile_feed, raw_feed], ids=["escaped", "raw-bytes"])
def test_feeds_are_clean_in_the_cache(store: Store, make: Any) -> None:
    result = parse_feed(make(), url="http://example.org/feed")
    assert result.entries
    source = store.add_source("feed", "http://example.org/feed", result.title)
    store.upsert_entries(source.id, result.entries)
    store.update_source(source.id, last_error=f"error {EVIL}")
    text = stored_text(store)
    assert forbidden_in(text) == []
    assert "]0;pwned window title" in text or "raw" in text  # stripped, not dropped whole


def test_text_files_with_escapes_are_clean_in_the_cache(store: Store, tmp_path: Path) -> None:
    evil = EVIL.replace("\x00", "")  # a NUL byte makes a file binary: skipped, not read
    prose = "An ordinary sentence of the story, " * 40  # >10% controls reads as binary
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "story.txt").write_text(
        f"# Headline {evil}\n\nLede {evil} {prose}\n\n{all_markup()}\nTeaser {evil}…\n",
        encoding="utf-8", errors="surrogatepass")
    (folder / "page.md").write_text(f"# Title {evil}\n\nBody {evil} {prose} {all_markup()}\n",
                                    encoding="utf-8", errors="surrogatepass")
    (folder / "page.html").write_text(
        f"<html><head><title>T {evil}</title></head><body><article><h1>H {evil}</h1>"
        f"<p>{'Paragraph ' * 30}{evil}</p><p>&#x1b;[2J &#27;]52;c;x&#7; &#x202e;</p>"
        "</article></body></html>", encoding="utf-8", errors="surrogatepass")
    scan = read_local(folder)
    assert len(scan.result.entries) == 3
    source = store.add_source("folder", str(folder), "notes")
    store.upsert_entries(source.id, scan.result.entries)
    assert forbidden_in(stored_text(store)) == []


def test_rendering_strips_again_whatever_the_cache_holds(store: Store) -> None:
    """A cache written by an older release (or edited by hand) may hold raw escapes: the
    headline list, the article and the teasers still show none."""
    source = store.add_source("feed", "http://example.org/f", "clean")
    conn = store.db.conn()
    conn.execute("UPDATE sources SET title = ? WHERE id = ?", (f"Src {RAW}", source.id))
    conn.execute(
        "INSERT INTO stories (source_id, key, published, first_seen, content_hash, title, "
        "author, lead, teasers, body_html, link) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (source.id, "k", NOW, NOW, "x", f"Title {RAW}", f"Author {RAW}", f"Lead {RAW}",
         json.dumps([f"Teaser {RAW}…"]), f"<p>Body {RAW}</p><p>{all_markup()}</p>",
         f"http://example.org/{RAW}"))
    (headline,) = store.views.headlines(View(), 0, 10)
    assert forbidden_in(headline.title + headline.source_title) == []
    story = store.story(headline.id)
    assert story is not None
    rendered = render_story(story, now=NOW)
    assert forbidden_in(rendered.plain) == []
    assert all(forbidden_in(span.style if isinstance(span.style, str) else "") == []
               for span in rendered.text.spans)
    assert MARKUP["click-quit"] in rendered.plain and MARKUP["broken-tag"] in rendered.plain
    assert all(forbidden_in(t.text) == [] for t in store.teasers_for(story))


def test_render_story_of_a_raw_story_object() -> None:
    story = Story(id=1, source_id=1, source_title=f"S {EVIL}", key="k", title=f"T {EVIL}",
                  link=f"javascript:{EVIL}", author=f"A {EVIL}", published=NOW,
                  body_html=f"<p>{EVIL}</p><pre>{EVIL}\tcode</pre><a href='file:///etc/"
                            f"passwd'>x</a><a href='data:text/html,{EVIL}'>y</a>",
                  lead="", teasers=(), read=False, starred=False)
    rendered = render_story(story, now=NOW, width=60)
    assert forbidden_in(rendered.plain) == []
    assert all(not link.startswith(("file:", "data:", "javascript:")) for link in rendered.links)


# -- the command line ----------------------------------------------------------------------------

@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data"
    monkeypatch.setenv("NEWSREADER_DATA_DIR", str(path))
    return path


def test_show_prints_no_escape(tmp_path: Path, data_dir: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_bytes(hostile_feed())
    assert cli(["show", str(feed)]) == 0
    out, err = capsys.readouterr()
    assert forbidden_in(out) == [] and forbidden_in(err) == []
    for text in MARKUP.values():
        assert text in out  # literally


def test_error_lines_naming_hostile_files_print_no_escape(
        tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / EVIL_NAME).write_bytes(b"\x00\x01binary")
    (folder / "fine.txt").write_text("A fine story that is long enough to read.\n")
    assert cli(["show", str(folder)]) == 1
    out, err = capsys.readouterr()
    assert "binary" in err and "[bold] [@click=app.quit]q" in err
    assert forbidden_in(err) == [] and forbidden_in(out) == []
    assert cli(["add", str(folder)]) == 0
    assert cli(["list"]) == 0
    out, err = capsys.readouterr()
    assert "downloads" in out and forbidden_in(out + err) == []


def test_show_of_a_missing_path_with_escapes(data_dir: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["show", f"/nowhere/{EVIL_NAME}"]) == 1
    _, err = capsys.readouterr()
    assert "no such file" in err and forbidden_in(err) == []


def test_import_refuses_everything_but_http(tmp_path: Path, data_dir: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    with watching() as watch:
        status = cli(["import", str(FIXTURES / "hostile.opml")])
    out, err = capsys.readouterr()
    assert status == 0 and "imported 2 feeds" in out
    store = Store(data_dir / "newsreader.sqlite3")
    try:
        assert sorted(s.location for s in store.sources()) == [
            "http://example.org/nested.xml", "https://example.org/fine.xml"]
    finally:
        store.close()
    for name in ("runs a command", "newsboat filter", "piped", "local file", "script", "data",
                 "ftp", "backticks", "dollar", "nested exec"):
        assert f"skipped {name}:" in err
    assert watch.spawned == [] and watch.connected == []
    assert "/etc/passwd" not in watch.opened_paths()
    assert forbidden_in(err) == []


def test_import_opml_never_subscribes_a_local_file(store: Store) -> None:
    report = import_opml(store, (FIXTURES / "hostile.opml").read_bytes())
    assert all(s.location.startswith(("http://", "https://")) for s in report.added)


# -- the app -------------------------------------------------------------------------------------

SIZE = (140, 45)


class Recording(NewsApp):
    """The real app, remembering every notification (toasts expire; the record does not)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.notes: list[str] = []

    def notify(self, message: str, **kwargs: Any) -> None:
        self.notes.append(message)
        super().notify(message, **kwargs)


def drawn(app: NewsApp) -> str:
    """What the terminal would receive as text: every strip the compositor draws."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


def hostile_store(tmp_path: Path) -> tuple[Store, list[int]]:
    store = Store(tmp_path / "data" / "newsreader.sqlite3", clock=lambda: NOW)
    result = parse_feed(hostile_feed(), url="http://example.org/feed")
    source = store.add_source("feed", "http://example.org/feed", result.title)
    for i, entry in enumerate(result.entries):
        entry.published = NOW - i * 60
    store.upsert_entries(source.id, result.entries)
    store.update_source(source.id, status="error", last_error=f"HTTP 500 {EVIL} {all_markup()}")
    dirty = store.add_source("feed", "http://example.org/dirty", "dirty")
    store.db.conn().execute(  # a raw row, as an older release might have left it
        "INSERT INTO stories (source_id, key, published, first_seen, content_hash, title, "
        "author, lead, teasers, body_html, link) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (dirty.id, "dirty", NOW + 60, NOW, "x", f"Dirty {RAW}", f"By {RAW}", f"Lead {RAW}",
         json.dumps([f"Teaser {RAW} {MARKUP['broken-tag']}…"]),
         f"<p>Dirty body {RAW}</p>", "http://example.org/dirty"))
    store.db.conn().execute("UPDATE sources SET title = ? WHERE id = ?",
                          (f"Dirty {RAW} {all_markup()}", dirty.id))
    ids = [h.id for h in store.views.headlines(View(), 0, 100)]
    return store, ids


async def test_the_app_draws_no_escape_and_runs_no_markup(tmp_path: Path) -> None:
    store, ids = hostile_store(tmp_path)
    app = NewsApp(store, clock=lambda: NOW, refresh_on_start=False)
    frames: list[str] = []
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(app, pilot)
            frames.append(drawn(app))
            for _ in range(len(ids)):
                await pilot.press("j")
                await settle(app, pilot)
                frames.append(drawn(app))
            await pilot.press("S")  # the source list, with the hostile source names
            await settle(app, pilot)
            frames.append(drawn(app))
            assert app.is_running and app.return_code is None
            frames.append(app.export_screenshot())
    finally:
        store.close()
    everything = "\n".join(frames)
    assert forbidden_in(everything) == []
    assert "Click for free money" in everything and "[@click=app.quit]" in everything
    assert "[/bold] closes nothing" in everything


async def test_clicking_on_markup_text_runs_nothing(tmp_path: Path) -> None:
    store, _ids = hostile_store(tmp_path)
    click_story = store.db.conn().execute(
        "SELECT id FROM stories WHERE title LIKE '%Click for free money%'").fetchone()[0]
    app = NewsApp(store, clock=lambda: NOW, refresh_on_start=False, open_story=click_story)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            lines = drawn(app).split("\n")
            spots = [(line.index("Click for free money"), y) for y, line in enumerate(lines)
                     if "Click for free money" in line]
            assert spots, "the markup text is shown"
            for x, y in spots:
                await pilot.click(offset=(x + 3, y))
                await settle(app, pilot)
                assert app.is_running and app.return_code is None
            await pilot.press("j")  # and keys still answer
            await settle(app, pilot)
            assert app.is_running
    finally:
        store.close()


async def test_failure_notifications_are_shown_literally(tmp_path: Path) -> None:
    """A refresh that fails for a source named with markup and escapes (a feed titled
    "[/bold] …", which makes the markup parser raise if it is ever parsed, and a local file
    with a hostile name that is gone): the notices name them literally, nothing crashes."""
    import socket

    store = Store(tmp_path / "data" / "newsreader.sqlite3", clock=lambda: NOW)
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there: "connection refused"
    feed = store.add_source("feed", f"http://127.0.0.1:{port}/feed")
    store.update_source(feed.id, title=f"[/bold] {MARKUP['click-quit']} {EVIL}")
    story = tmp_path / EVIL_NAME
    story.write_text("A story that is about to disappear from the disk.\n")
    from reader.service import sources

    local, _ = sources.add_path(store, story)
    story.unlink()
    app = Recording(store, clock=lambda: NOW, refresh_on_start=True)
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(app, pilot)
            notes = "\n".join(app.notes)
            assert "[/bold] [@click=app.quit]Click for free money[/]" in notes, notes
            assert "connection refused" in notes
            assert forbidden_in(notes) == [] and forbidden_in(drawn(app)) == []
            assert app.is_running and app.return_code is None
            await pilot.press("j")
            await settle(app, pilot)
            assert app.is_running
        assert (store.get_source(local.id) or local).status == "missing"
        assert (store.get_source(feed.id) or feed).status == "error"
    finally:
        store.close()


async def test_the_help_screen_with_hostile_data(tmp_path: Path) -> None:
    store, _ids = hostile_store(tmp_path)
    app = NewsApp(store, clock=lambda: NOW, refresh_on_start=False)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("question_mark")
            await settle(app, pilot)
            assert forbidden_in(drawn(app)) == []
            await pilot.press("escape")
            await settle(app, pilot)
            assert app.is_running and app.return_code is None
    finally:
        store.close()


async def test_the_command_palette_with_hostile_titles_and_queries(tmp_path: Path) -> None:
    store, _ids = hostile_store(tmp_path)
    app = NewsApp(store, clock=lambda: NOW, refresh_on_start=False)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("ctrl+p")
            await settle(app, pilot)
            for query in ("Dirty", "[/bold] [@click=app.quit]x [link="):
                for char in query:
                    await pilot.press({" ": "space", "[": "left_square_bracket",
                                       "]": "right_square_bracket"}.get(char, char))
                await settle(app, pilot)
                assert forbidden_in(drawn(app)) == []
                for _ in query:
                    await pilot.press("backspace")
            await pilot.press("escape")
            await settle(app, pilot)
            assert app.is_running and app.return_code is None
    finally:
        store.close()


HOSTILE_LINKS = [
    "javascript:alert(document.cookie)", "data:text/html,<script>alert(1)</script>",
    "file:///etc/passwd", "vbscript:msgbox", "ftp://example.org/x", "  javascript:x",
    "JaVaScRiPt:alert(1)", "\x1b]8;;http://evil\x07javascript:x", "//evil.example/x",
]


async def test_links_that_are_not_web_links_never_open(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []

    def record(url: str, *args: object, **kwargs: object) -> bool:
        opened.append(url)
        return True

    monkeypatch.setattr(webbrowser, "open", record)
    monkeypatch.delenv("BROWSER", raising=False)
    store = Store(tmp_path / "data" / "newsreader.sqlite3", clock=lambda: NOW)
    source = store.add_source("feed", "http://example.org/f", "Links")
    store.upsert_entries(source.id, [
        Entry(key=f"l{i}", title=f"Linked {i}", body_html="<p>x</p>", published=NOW - i)
        for i in range(len(HOSTILE_LINKS))])
    for i, link in enumerate(HOSTILE_LINKS):  # written as a bad cache would hold them
        store.db.conn().execute("UPDATE stories SET link = ? WHERE key = ?", (link, f"l{i}"))
    first = store.db.conn().execute("SELECT id FROM stories WHERE key = 'l0'").fetchone()[0]
    app = Recording(store, clock=lambda: NOW, refresh_on_start=False, open_story=first)
    try:
        with watching() as watch:
            async with app.run_test(size=SIZE, notifications=True) as pilot:
                await settle(app, pilot)
                for _ in HOSTILE_LINKS:
                    await pilot.press("o")
                    await settle(app, pilot)
                    assert app.is_running
                    await pilot.press("j")
                    await settle(app, pilot)
        assert opened == [] and watch.spawned == []
        refusals = [note for note in app.notes if "Not opening" in note]
        assert len(refusals) == len(HOSTILE_LINKS), app.notes
        assert forbidden_in(" ".join(refusals)) == []
    finally:
        store.close()


def test_the_browser_module_refuses_non_web_links() -> None:
    from reader.browser import BrowserError, plan

    for link in ("javascript:alert(1)", "data:text/html,x", "file:///etc/passwd",
                 "ftp://example.org/", "about:blank", "chrome://settings", "/etc/passwd",
                 "http://", "mailto:a@example.org"):
        with pytest.raises(BrowserError):
            plan(link, environ={})
    assert plan("https://example.org/a b;$(id)", "echo %s", environ={}).argv == (
        "echo", "https://example.org/a b;$(id)")
