"""Stories for the tests: real entries in a real cache (a SQLite file in tmp_path), the feed
texts a loopback server serves, and checks of what the cache holds.

Dates come from `NOW`, a fixed clock, so nothing depends on the day the tests run.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from reader.models import Entry, Source, View
from reader.store import Store

if TYPE_CHECKING:
    from tests.feedserver import FeedServer

NOW = 1_732_700_000.0  # a fixed clock: 2024-11-27, so list dates never depend on today


def entry(key: str, title: str, *paragraphs: str, published: float, link: str = "",
          teasers: tuple[str, ...] = ()) -> Entry:
    """A parsed story as a source would hand it to the store."""
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return Entry(key=key, title=title, body_html=body, lead=paragraphs[0] if paragraphs else "",
                 link=link, published=published, teasers=list(teasers))


def add_source(store: Store, title: str, entries: list[Entry], *, kind: str = "file",
               location: str | None = None) -> int:
    source = store.add_source(kind, location or f"/nowhere/{title}.txt", title)
    store.upsert_entries(source.id, entries)
    return source.id


def numbered(prefix: str, count: int, *, start: float = NOW, step: float = 60.0,
             paragraphs: int = 2) -> list[Entry]:
    """`count` stories, newest first, each `step` seconds older than the one before."""
    return [entry(f"{prefix}-{i}", f"{prefix} story {i}",
                  *(f"{prefix} {i} paragraph {p}." for p in range(paragraphs)),
                  published=start - i * step, link=f"https://example.org/{prefix}/{i}")
            for i in range(count)]


def make_store(tmp_path: Path) -> Store:
    return Store(tmp_path / "cache.sqlite3", clock=lambda: NOW)


def story(n: int, *words: str, title: str = "", author: str = "") -> Entry:
    """Story `n`, whose body holds a word of its own ("tok<n>") and `words`."""
    body = "<p>" + " ".join((f"tok{n}", *words)) + "</p>"
    return Entry(key=f"k{n}", title=title or f"Story {n}", body_html=body, author=author,
                 published=NOW - n)


def hits(store: Store, word: str) -> set[int]:
    """The stories the full-text index finds for `word`, asked of SQLite directly."""
    return {r[0] for r in store.db.conn().execute(
        "SELECT rowid FROM stories_fts WHERE stories_fts MATCH ?", (f'"{word}"',))}


def assert_in_step(store: Store) -> None:
    """Every story's own word finds it alone; the counters match a recount."""
    conn = store.db.conn()
    for story_id, key in conn.execute("SELECT id, key FROM stories").fetchall():
        assert hits(store, "tok" + key[1:]) == {story_id}, key
    assert conn.execute("SELECT COUNT(*) FROM fts_queue").fetchone()[0] == 0
    kept = dict((r[0], tuple(r[1:])) for r in conn.execute(
        "SELECT source_id, total, unread, starred FROM source_counts"))
    real = {r[0]: tuple(r[1:]) for r in conn.execute(
        "SELECT src.id, COUNT(s.id), COALESCE(SUM(s.read = 0), 0), COALESCE(SUM(s.starred), 0)"
        " FROM sources src LEFT JOIN stories s ON s.source_id = src.id GROUP BY src.id")}
    assert kept == real


def best_first(store: Store, text: str) -> list[str]:
    """The headlines a search for `text` finds, best first, as the store ranks them."""
    return [h.title for h in store.views.headlines(View(search=text), 0, 1000)]


def rss(title: str, items: list[tuple[str, str, str]]) -> str:
    """An RSS 2.0 feed of (guid, title, description) items, all of one date."""
    body = "".join(
        f"<item><title>{t}</title><guid isPermaLink='false'>{g}</guid>"
        f"<link>http://example.org/{g}</link><description>&lt;p&gt;{d}&lt;/p&gt;</description>"
        "<pubDate>Mon, 01 Jan 2024 10:00:00 GMT</pubDate></item>"
        for g, t, d in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{title}</title><link>http://example.org/</link>{body}</channel></rss>")


def rss_one(title: str, story: str) -> str:
    """An RSS 2.0 feed with one story, whose title is also its guid."""
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{title}</title><link>http://example.org/</link><item><title>{story}"
            f"</title><guid>{story}</guid><description>Body.</description></item>"
            "</channel></rss>")


#: A news site's front page that links to two feeds (`/all.xml`, `/ferries.xml`).
PAGE = """<!doctype html><html><head><title>Harbour Times</title>
<link rel="alternate" type="application/rss+xml" title="All stories" href="/all.xml">
<link rel="alternate" type="application/rss+xml" title="Ferries only" href="/ferries.xml">
</head><body>Welcome aboard.</body></html>"""

#: A news page whose article (three paragraphs) sits between navigation and a footer.
ARTICLE_PAGE = """<html><head><title>Harbour reopens</title></head><body>
<nav>Home | World | Sport | Weather</nav>
<article><h1>Harbour reopens after the storm</h1>
<p>The harbour reopened on Monday after engineers finished repairing the sea wall that the
winter storms had breached in three places.</p>
<p>Fishing boats were the first to leave, followed by the morning ferry, which carried more
than two hundred passengers across the bay.</p>
<p>The council said the repairs cost less than feared and came in a week ahead of plan.</p>
</article><footer>Copyright Example Gazette</footer></body></html>"""


def subscribe(store: Store, server: FeedServer, path: str) -> Source:
    """A feed subscription to `path` on a loopback `server`."""
    return store.add_source("feed", server.url(path))


def titles(store: Store, source: Source) -> list[str]:
    return sorted(s.title for s in store.stories_of(source.id))


def current(store: Store, source: Source) -> Source:
    """`source` as the cache holds it now."""
    found = store.get_source(source.id)
    assert found is not None
    return found
