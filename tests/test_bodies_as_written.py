"""The cache keeps a feed's story HTML as the feed wrote it (terminal controls removed) and
the renderer cleans it when it draws it. Here, end to end against a real server on 127.0.0.1
and a real cache: the reader sees the same safe story, its lead and its search words leave
out what nh3 drops, links that need the feed's address are resolved when stored, and a
story counts as updated only when the reader would see a change (not when a feed changes
only what cleaning drops, nor after an upgrade from a release that stored bodies cleaned)."""

# ruff: noqa: F811 - the feed_server fixture is imported and then used as an argument
from __future__ import annotations

import re
from pathlib import Path

from reader.models import View, entry_key
from reader.render import render_story
from reader.sanitize import is_clean, sanitize_html
from reader.service.refresh import refresh
from reader.sources.feedfile import parse_feed
from reader.store import Store
from reader.store.bodies import pack, unpack
from tests.feedserver import FeedServer, feed_server  # noqa: F401

HOSTILE = (
    '<svg><title>Share icon</title></svg><form>Sign up: <button>Subscribe now</button></form>'
    '<p class="lede" style="color:red" onclick="steal()">The harbour reopened '
    '<a href="https://port.example/today" onmouseover="alert(1)">today</a> &#27;[31m after '
    '<b>repairs</b>.</p>'
    '<script>document.write("tracker payload")</script>'
    '<p>See <a href="https://port.example/notice">the notice</a>.</p>')
RELATIVE = '<p>Photos <a href="/gallery/1">here</a> and <IMG SRC="img/2.png" alt="two">.</p>'
TERMINAL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def rss(items: list[tuple[str, str, str]]) -> str:
    def escaped(html: str) -> str:
        return html.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    body = "".join(f"<item>{guid}<title>{title}</title><description>{escaped(html)}"
                   "</description></item>" for guid, title, html in items)
    return f"<rss version='2.0'><channel><title>Port news</title>{body}</channel></rss>"


def stories(store: Store) -> dict[str, int]:
    [source] = store.sources()
    return {s.title: s.id for s in store.stories_of(source.id)}


def test_a_hostile_body_is_kept_as_written_and_drawn_clean(
        tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.route("/feed", rss([
        ("<guid>h1</guid>", "Harbour", HOSTILE),
        ("<guid>r1</guid>", "Gallery", RELATIVE),
        ("", "Keyless", "<p>No guid, no link.<script>x()</script></p>")]))
    store = Store(tmp_path / "cache.sqlite3")
    store.add_source("feed", feed_server.url("/feed"), "Port news")
    [outcome] = refresh(store)
    assert outcome.ok and outcome.new == 3
    ids = stories(store)

    harbour = store.story(ids["Harbour"])
    assert harbour is not None
    stored = unpack(harbour.body_html)
    assert "<script>" in stored and 'onclick="steal()"' in stored  # as the feed wrote it …
    assert is_clean(stored) and not TERMINAL.search(stored)  # … without terminal controls
    shown = render_story(harbour, width=60)
    assert "The harbour reopened today[1] [31m after repairs.\n\nSee the notice[2]." in \
        shown.plain
    for hidden in ("tracker", "Share icon", "Sign up", "Subscribe", "alert", "steal"):
        assert hidden not in shown.plain
    assert not TERMINAL.search(shown.plain)
    assert shown.links == ("https://port.example/today", "https://port.example/notice")
    assert harbour.lead == "The harbour reopened today [31m after repairs."

    # The index has the words the reader sees, and not those nh3 drops.
    def found(word: str) -> list[str]:
        return [h.title for h in store.views.headlines(View(search=word), 0, 10)]

    assert found("repairs") == ["Harbour"]
    assert found("tracker") == [] and found("subscribe") == [] and found("icon") == []

    # Links that only the feed's address makes absolute are resolved when stored.
    gallery = store.story(ids["Gallery"])
    assert gallery is not None
    assert unpack(gallery.body_html) == sanitize_html(RELATIVE, feed_server.url("/feed"))
    assert render_story(gallery).links == (feed_server.url("/gallery/1"),
                                           feed_server.url("/img/2.png"))

    # A story with neither guid nor link is keyed by a hash of its body: of the cleaned
    # body, as before, so a cache from an earlier release does not get it twice.
    keyless = store.story(ids["Keyless"])
    assert keyless is not None
    assert unpack(keyless.body_html) == "<p>No guid, no link.</p>"
    assert store.story_id_by_key(keyless.source_id, entry_key(
        None, None, "Keyless", "<p>No guid, no link.</p>")) == keyless.id
    store.close()


def port_feed(harbour_date: str, ferry: str, style: str = "color:red") -> str:
    return rss([(f"<guid>h1</guid><pubDate>{harbour_date} Dec 2026 10:00:00 GMT</pubDate>",
                 "Harbour", HOSTILE.replace("color:red", style)),
                ("<guid>h2</guid>", "Tide", f"<p>Low tide at six.</p><p>Ferry at {ferry}.</p>")])


def as_an_earlier_release_kept_them(store: Store, ids: list[int]) -> None:
    """The cache as a release that cleaned bodies when it stored them left it: each body
    cleaned, and each digest made over that body (one this release never makes)."""
    with store.db.write() as conn:
        for story_id in ids:
            story = store.story(story_id)
            assert story is not None
            conn.execute("UPDATE stories SET body_html = ?, content_hash = ? WHERE id = ?",
                         (pack(sanitize_html(unpack(story.body_html))), "0" * 32, story_id))


def digests(store: Store) -> list[str]:
    return [r[0] for r in store.db.conn().execute(
        "SELECT content_hash FROM stories ORDER BY id")]


def test_a_story_the_reader_would_see_unchanged_is_not_counted_as_updated(
        tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.route("/feed", port_feed("Mon, 01", "nine"))
    store = Store(tmp_path / "cache.sqlite3")
    store.add_source("feed", feed_server.url("/feed"), "Port news")
    assert refresh(store)[0].new == 2
    ids = stories(store)
    store.set_starred(ids["Harbour"], True)
    store.set_read([ids["Tide"]])
    fresh = digests(store)

    # A cache an earlier release wrote, which cleaned bodies when it stored them.
    as_an_earlier_release_kept_them(store, list(ids.values()))
    [again] = refresh(store)
    assert (again.new, again.updated) == (0, 0)
    assert digests(store) == fresh  # brought up to date: the next fetch matches at once
    harbour, tide = store.story(ids["Harbour"]), store.story(ids["Tide"])
    assert harbour is not None and harbour.starred and not harbour.read
    assert tide is not None and tide.read

    # A feed that changes only what cleaning drops (here a style attribute) between fetches:
    # not written again, only its digest follows.
    feed_server.route("/feed", port_feed("Mon, 01", "nine", style="color:blue"))
    [restyled] = refresh(store)
    assert (restyled.new, restyled.updated) == (0, 0)
    assert digests(store)[1] == fresh[1] and digests(store)[0] != fresh[0]
    assert store.story(ids["Harbour"]) == harbour

    # A story that did change is still an update: a new date, a body changed past its lead.
    as_an_earlier_release_kept_them(store, list(ids.values()))
    feed_server.route("/feed", port_feed("Tue, 02", "ten"))
    [changed] = refresh(store)
    assert (changed.new, changed.updated) == (0, 2)
    harbour, tide = store.story(ids["Harbour"]), store.story(ids["Tide"])
    assert harbour is not None and harbour.starred
    assert tide is not None and "Ferry at ten" in unpack(tide.body_html) and tide.read
    store.close()


def test_a_body_with_a_relative_link_parses_to_its_cleaned_form() -> None:
    """The same rule without a server: the parser keeps a body as written unless it needs
    the feed's address, on every road (RSS and JSON Feed)."""
    document = rss([("<guid>a</guid>", "A", HOSTILE), ("<guid>b</guid>", "B", RELATIVE)])
    url = "https://port.example/feed.xml"
    first, second = parse_feed(document.encode(), url=url).entries
    assert first.body_html == HOSTILE
    assert first.lead == "The harbour reopened today [31m after repairs."
    assert second.body_html == sanitize_html(RELATIVE, url)
    json_feed = ('{"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": ['
                 '{"id": "1", "content_html": "<p onclick=\\"x()\\">Kept</p>"},'
                 '{"id": "2", "content_html": "<a href=\\"/rel\\">rel</a>"}]}')
    kept, resolved = parse_feed(json_feed.encode(), url=url,
                                content_type="application/feed+json").entries
    assert kept.body_html == '<p onclick="x()">Kept</p>'
    assert resolved.body_html == '<a href="https://port.example/rel">rel</a>'
