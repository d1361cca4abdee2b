"""Property tests: random and mutated feeds, story files and HTML, through parse -> store -> render.

For any input: no exception escapes but the ones that say "this is not a feed/story" in words,
nothing outside the data directory is written, no file the input names is opened and no
connection is made, and no control character reaches the rendered text. Mutations start from
real documents (the fixture feeds) and splice in the payloads of tests/hostile.py, entity and
DOCTYPE fragments, character references, CDATA and random bytes. Bounded (a few hundred
examples in all, no deadline) so the suite stays fast.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reader.models import Story
from reader.render import render_body, render_story
from reader.sanitize import clean_line, clean_text, is_safe_url, sanitize_html
from reader.sources.feedfile import NotAFeed, parse_feed
from reader.sources.local import read_local
from reader.store import Store
from tests.hostile import MARKUP, TERMINAL, forbidden_in, watching

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
SEEDS = [p.read_bytes() for p in sorted(FEEDS.iterdir())
         if p.suffix in (".xml", ".rdf", ".json")]
MARKER_DIR = Path(tempfile.mkdtemp(prefix="nr-fuzz-marker-"))
atexit.register(shutil.rmtree, MARKER_DIR, True)
MARKER = MARKER_DIR / "marker.txt"
MARKER.write_text("FUZZ-SECRET")
SETTINGS = settings(max_examples=120, deadline=None, derandomize=False,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])

FRAGMENTS = [
    *(t.encode("utf-8", "surrogatepass") for t in TERMINAL.values()),
    *(t.encode() for t in MARKUP.values()),
    b"<!DOCTYPE rss [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;\">]>",
    f'<!DOCTYPE x [<!ENTITY s SYSTEM "file://{MARKER}">]>'.encode(),
    f'<!DOCTYPE x SYSTEM "file://{MARKER}">'.encode(), b"&s;", b"&b;", b"&a;",
    b"&#0;", b"&#xD800;", b"&#x110000;", b"&#27;", b"&#x9b;", b"&#x202e;", b"&amp;", b"&",
    b"<![CDATA[", b"]]>", b"<![CDATA[\x1b[2J]]>", b"<item>", b"</item>", b"<entry>",
    b"</entry>", b"<title>", b"</title>", b"<author>" + b"x" * 5000 + b"</author>",
    b"<description>", b"</description>", b"<link>javascript:alert(1)</link>",
    b"<link>file:///etc/passwd</link>", b'<a href="data:text/html,x">d</a>',
    b"&lt;script&gt;alert(1)&lt;/script&gt;", b"<?xml version='1.0' encoding='utf-16'?>",
    b"<?xml version='1.0' encoding='x-unknown'?>", b"\xff\xfe", b"\xef\xbb\xbf", b"\x00",
    b"\xed\xa0\x80", b"\xc3", b"\x80\x9b\x9d", b'"\\ud800"', b'"items": [', b"{", b"}",
    b'"content_html": "<p>\\u001b[2J</p>"', b"<", b">", b"]>",
]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A real feed with a few random splices, deletions and duplications."""
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        position = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["insert", "delete", "duplicate", "bytes"]))
        if action == "insert":
            data[position:position] = draw(st.sampled_from(FRAGMENTS))
        elif action == "delete":
            data[position:position + draw(st.integers(1, 200))] = b""
        elif action == "duplicate":
            data[position:position] = data[position:position + draw(st.integers(1, 400))]
        else:
            data[position:position] = draw(st.binary(min_size=1, max_size=40))
    return bytes(data)


TEXT = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=300)


@st.composite
def json_feeds(draw: st.DrawFn) -> bytes:
    item = st.fixed_dictionaries({}, optional={
        "id": st.one_of(TEXT, st.integers(), st.none(), st.booleans()),
        "title": TEXT, "content_html": TEXT, "content_text": TEXT, "summary": TEXT,
        "url": st.one_of(TEXT, st.sampled_from(["javascript:x", "file:///etc/passwd",
                                                 "http://example.org/a", "//x"])),
        "date_published": TEXT, "authors": st.lists(st.fixed_dictionaries({"name": TEXT})),
    })
    doc = {"version": "https://jsonfeed.org/version/1.1", "title": draw(TEXT),
           "items": draw(st.lists(item, max_size=5))}
    return json.dumps(doc, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")


@pytest.fixture(scope="module")
def data_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="nr-fuzz-data-") as path:
        yield Path(path)


@pytest.fixture(scope="module")
def store(data_dir: Path) -> Iterator[Store]:
    db = Store(data_dir / "newsreader.sqlite3")
    yield db
    db.close()


def check_side_effects(watch: object, data_dir: Path) -> None:
    written = [p for p in watch.written_paths()  # type: ignore[attr-defined]
               if not os.path.realpath(p).startswith(str(data_dir.resolve()))]
    assert written == []
    assert str(MARKER) not in watch.opened_paths()  # type: ignore[attr-defined]
    assert watch.connected == [] and watch.spawned == []  # type: ignore[attr-defined]


def through_the_cache(store: Store, data: bytes, data_dir: Path) -> None:
    """parse -> store -> render one document, checking everything on the way out."""
    with watching() as watch:
        try:
            result = parse_feed(data, url="http://example.org/feed.xml")
        except NotAFeed as exc:
            assert str(exc).startswith("not a feed: ")
            assert forbidden_in(str(exc)) == []
            result = None
        if result is not None:
            source = store.add_source("feed", f"http://example.org/{os.urandom(8).hex()}",
                                      result.title)
            store.upsert_entries(source.id, result.entries)
            for story in store.stories_of(source.id):
                rendered = render_story(story, width=70)
                assert forbidden_in(rendered.plain) == []
                assert forbidden_in(story.title + story.author + story.lead) == []
                assert all(is_safe_url(u, frozenset({"http", "https", "mailto"}))
                           for u in rendered.links)
                assert not story.link or is_safe_url(story.link)
    check_side_effects(watch, data_dir)


@SETTINGS
@given(data=mutated())
def test_mutated_feeds(store: Store, data_dir: Path, data: bytes) -> None:
    through_the_cache(store, data, data_dir)


@settings(SETTINGS, max_examples=60)
@given(data=json_feeds())
def test_random_json_feeds(store: Store, data_dir: Path, data: bytes) -> None:
    through_the_cache(store, data, data_dir)


@settings(SETTINGS, max_examples=60)
@given(data=st.binary(max_size=2000))
def test_random_bytes(store: Store, data_dir: Path, data: bytes) -> None:
    through_the_cache(store, data, data_dir)


NAMES = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="/\x00"),
                min_size=1, max_size=40).filter(lambda n: n not in (".", ".."))


@settings(SETTINGS, max_examples=60)
@given(files=st.lists(st.tuples(NAMES, st.sampled_from([".txt", ".md", ".html", ".xml", ""]),
                                st.one_of(TEXT, st.binary(max_size=500), mutated())),
                      min_size=1, max_size=4))
def test_random_story_files(store: Store, data_dir: Path,
                            files: list[tuple[str, str, str | bytes]]) -> None:
    with tempfile.TemporaryDirectory(prefix="nr-fuzz-folder-") as folder:
        root = Path(folder)
        for index, (name, ext, content) in enumerate(files):
            path = root / f"{index}{name[:30]}{ext}"
            data = content if isinstance(content, bytes) else content.encode(
                "utf-8", "surrogatepass")
            path.write_bytes(data)
        with watching() as watch:
            scan = read_local(root)
            source = store.add_source("folder", f"{root}-{os.urandom(6).hex()}", "fuzz")
            store.upsert_entries(source.id, scan.result.entries, stamps=scan.stamps)
            for story in store.stories_of(source.id):
                assert forbidden_in(render_story(story, width=50).plain) == []
            assert all(forbidden_in(clean_line(p)) == [] for p in scan.result.problems)
        written = [p for p in watch.written_paths()
                   if not os.path.realpath(p).startswith(str(data_dir.resolve()))]
        assert written == []
        assert watch.connected == [] and watch.spawned == []


TAGS = ["p", "a", "b", "i", "pre", "code", "table", "tr", "td", "th", "ul", "ol", "li",
        "blockquote", "h1", "h2", "img", "br", "hr", "div", "span", "script", "style",
        "iframe", "svg", "math", "form", "dl", "dt", "dd", "figure", "figcaption", "sup"]
ATTRS = st.sampled_from(['href="javascript:alert(1)"', 'href="http://example.org/x"',
                         'href="data:text/html,x"', 'src="file:///etc/passwd"',
                         'onclick="alert(1)"', 'colspan="999999999"', 'rowspan="-3"',
                         'href="&#x1b;[2J"', 'start="-99999999999"', 'title="\x1b]0;x\x07"',
                         'href="mailto:a@example.org"', 'href="/relative"'])


@st.composite
def html_documents(draw: st.DrawFn, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["text", "tag", "payload"] if depth < 4 else
                                    ["text", "payload"]))
        if kind == "text":
            parts.append(draw(TEXT))
        elif kind == "payload":
            parts.append(draw(st.sampled_from([*TERMINAL.values(), *MARKUP.values(),
                                               "&#27;[2J", "&#x9b;", "<", "&", "]]>"])))
        else:
            tag = draw(st.sampled_from(TAGS))
            attrs = " ".join(draw(st.lists(ATTRS, max_size=2)))
            inner = draw(html_documents(depth + 1))
            closed = draw(st.booleans())
            parts.append(f"<{tag} {attrs}>{inner}" + (f"</{tag}>" if closed else ""))
    return "".join(parts)


@settings(SETTINGS, max_examples=150)
@given(html=html_documents(), width=st.one_of(st.none(), st.integers(1, 120)))
def test_random_html_renders_clean(html: str, width: int | None) -> None:
    safe = sanitize_html(html, base_url="http://example.org/base/")
    assert forbidden_in(safe) == []
    for raw in (safe, html):  # the renderer copes with unsanitised HTML too
        rendered = render_body(raw, width=width)
        assert forbidden_in(rendered.plain) == []
    rendered = render_body(safe, width=width)
    assert all(is_safe_url(u, frozenset({"http", "https", "mailto"})) for u in rendered.links)
    story = Story(id=1, source_id=1, source_title=html[:50], key="k", title=html[:200],
                  link=html[:100], author=html[:50], published=0.0, body_html=html, lead="",
                  teasers=(), read=False, starred=False)
    assert forbidden_in(render_story(story, width=width).plain) == []


@settings(SETTINGS, max_examples=200)
@given(text=TEXT)
def test_clean_text_leaves_nothing_a_terminal_acts_on(text: str) -> None:
    cleaned = clean_text(text)
    assert forbidden_in(cleaned) == [] and "\r" not in cleaned
    assert clean_text(cleaned) == cleaned
    assert cleaned.count("\t") == text.count("\t")
    line = clean_line(text)
    assert forbidden_in(line) == [] and "\n" not in line and "\t" not in line
