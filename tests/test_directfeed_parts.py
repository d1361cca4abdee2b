"""The direct road's parts, each against what feedparser or the plain function gives.

Dates, `timegm`, link resolution, the repair of mis-decoded text, author names, bodies marked
clean, and the stored row (`story_row` against the slow way it was first written, `collect`
letting each item go). Each is checked alone on many generated values, which is cheaper and
points closer to a fault than comparing whole documents as test_directfeed does.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import json
import weakref
from collections.abc import Callable
from email.utils import formatdate
from typing import Any
from xml.sax.saxutils import escape

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.models import Entry, ParseResult
from reader.sanitize import clean_line, clean_text
from reader.sources import directfeed, feeddates, feedentries, feedvalues
from reader.sources.feedfile import parse_feed
from reader.store import rows
from reader.store.bodies import pack
from tests.helpers.directfeed_cases import bench_feeds
from tests.helpers.feed_cases import CHANNEL, FEED, RSS_TYPE, URL, date_strings
from tests.helpers.feed_roads import direct

# -- the parts ---------------------------------------------------------------------------------

def feedparser_entry(item: str, url: str = "") -> Any:
    """What feedparser's public `parse` makes of one RSS item (as `feedfile` runs it)."""
    doc = f'<rss version="2.0"><channel><title>t</title>{item}</channel></rss>'
    headers = {"content-location": url} if url else {}
    parsed = feedparser.parse(io.BytesIO(doc.encode("utf-8")), response_headers=headers,
                              sanitize_html=False, resolve_relative_uris=False)
    return parsed.entries[0]


def feedparser_date(text: str) -> Any:
    return feedparser_entry(f"<item><pubDate>{escape(text)}</pubDate></item>").get(
        "published_parsed")


@settings(max_examples=300, deadline=None)
@given(date_strings())
def test_dates_parse_like_feedparser(text: str) -> None:
    assert feeddates.date(text) == feedparser_date(text)


def test_benchmark_dates_parse_like_feedparser() -> None:
    import time

    for n in range(0, 2 * 10**9, 77_777_777):
        for text in (formatdate(n, usegmt=True), formatdate(n, localtime=False),
                     time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(n)),
                     time.strftime("%Y-%m-%dT%H:%M:%S+01:30", time.gmtime(n))):
            assert feeddates.date(text) == feedparser_date(text)


@pytest.mark.parametrize("text", ["2003-12", "Sun, 1 Jan 2006 12:00 EST", "2004-02-28T18:14:55.1",
                                  "Dimanche, 12 janvier 2003", "20031231", "nonsense", ""])
def test_unusual_dates_go_to_feedparser(text: str) -> None:
    assert feeddates.date(text) == feedparser_date(text)


URI_PARTS = st.text(alphabet="tag:/\t\r\n ab.-,[]?#%@", max_size=14)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["tag:", "TAG:", "tag://", "tag:\t//", "", "https://a.example/",
                        "http:///", "HTTP://a.example//", "ftp:////x"]),
       URI_PARTS, st.sampled_from(["", URL, "tag:x", "ftp://f.example/"]))
def test_links_resolve_like_feedparser(start: str, rest: str, base: str) -> None:
    uri = (start + rest).strip()  # as the road reads an element's text
    item = f"<item><title>t</title><link>{escape(uri)}</link></item>"
    road = directfeed.parse(f'<rss version="2.0"><channel>{item}</channel></rss>'.encode(),
                            url=base)
    assert road is not None
    assert road["entries"][0]["link"] == feedparser_entry(item, base).get("link")


@pytest.mark.parametrize("text", [
    "caf\u00c3\u00a9",  # UTF-8 read as ISO-8859-1
    "\u0093quoted\u0094 \u0085",  # cp1252's quotes and ellipsis as C1 codes
    "\u00c3\u00a9 and \u0093q\u0094", "caf\u00e9 \u043a\u043e\u0442 \u00ab\u00bb",
    "\u0081\u008d\u009d", "\u6771\u4eac\u0080",
])
def test_mis_decoded_text_is_repaired_like_feedparser(text: str) -> None:
    item = f"<item><title>{escape(text)}</title></item>"
    road = directfeed.parse(f'<rss version="2.0"><channel>{item}</channel></rss>'.encode(),
                            url=URL)
    assert road is not None
    assert road["entries"][0]["title"] == feedparser_entry(item, URL).title


def test_text_without_c1_codes_is_not_copied_by_the_repair() -> None:
    """The repair is as cheap as a search when there is nothing to repair: the text comes
    back as it was, not as a copy made by `str.translate`."""
    text = "caf\u00e9 \u043a\u043e\u0442 \u00ab\u6771\u4eac\u00bb " * 50
    assert feedvalues.repair(text) is text
    assert feedvalues.repair("\u0093q\u0094") == "\u201cq\u201d"


def old_content_hash(entry: Entry) -> str:
    parts = (entry.title, entry.link, entry.author, entry.body_html, entry.lead,
             "\x1e".join(entry.teasers), repr(entry.published))
    return hashlib.blake2b("\x1f".join(parts).encode("utf-8", "surrogatepass"),
                           digest_size=16).hexdigest()


def old_story_row(entry: Entry) -> rows.StoryRow:
    """`story_row` as it was written first, step by step with the slow functions."""
    lead = clean_line(entry.lead)
    body = rows.storable(entry.body_html)
    return rows.StoryRow(
        key=rows.storable(entry.key), digest=old_content_hash(entry),
        published=entry.published if entry.published is not None else entry.updated,
        updated=entry.updated, title=clean_line(entry.title) or "(untitled)",
        link=rows.storable(entry.link), author=clean_line(entry.author),
        path=rows.storable(entry.path), lead=lead,
        teasers=json.dumps([clean_line(t) for t in entry.teasers], ensure_ascii=False),
        body_html=pack(body))  # stored compressed when that is smaller


def test_story_rows_on_the_corpus() -> None:
    for body, kind in bench_feeds(3, 4):
        for entry in parse_feed(body, url=URL, content_type=kind).entries:
            assert rows.story_row(entry) == old_story_row(entry)


BODY_PARTS = st.sampled_from([
    "<p>Para <a href=\"/x\">link</a> &amp; more.</p>", "<script>x()</script>",
    "<SCRIPT>y</SCRIPT>", "<!-- note -->", "<Style>s</Style>", "<template>t</template>",
    "<\u017fcript>z</\u017fcript>", "caf\u00e9", "&nbsp;&#8230;&lt;", "  ", "\n", "<br>",
    "plain", "<img alt=\"a>b\">", "<p></p>", "&amp;", "<", "tail", "<scr", "ipt>",
])
LINE = st.text(max_size=12) | st.sampled_from(["", " a\tb ", "x\r\ny", "\x07", "\u00e9",
                                              "\ud800", "\x1f"])


@settings(max_examples=200, deadline=None)
@given(LINE, LINE, LINE, st.lists(BODY_PARTS, max_size=5).map("".join), LINE,
       st.lists(LINE, max_size=3), st.sampled_from([None, 0.0, 1.5e9]))
def test_story_row_is_the_old_story_row(key: str, title: str, author: str, body: str,
                                        lead: str, teasers: list[str],
                                        published: float | None) -> None:
    entry = Entry(key=key, title=title, body_html=body, lead=lead, author=author,
                  teasers=teasers, published=published, updated=published)
    assert rows.story_row(entry) == old_story_row(entry)


@pytest.mark.parametrize("author", [
    "ann@example.org (Ann Lee)", "Ann Lee <ann@example.org>", "ann@example.org", "Plain",
    "(ann@example.org)", "a@b.co?subject=hi (X)", "&lt;a@b.org&gt; Y", "x@[1.2.3.4] (Z)"])
def test_author_names_like_feedparser(author: str) -> None:
    data = CHANNEL.format(items=f"<item><title>t</title><author>{escape(author)}</author></item>")
    expected = feedparser.parse(io.BytesIO(data.encode("utf-8"))).entries[0]
    assert feedvalues.author_name(author) == expected.get("author_detail", {}).get("name", "")


FIELD = st.integers(-100, 100) | st.integers(-10**6, 10**6) | st.sampled_from([1.5, True, None])


@settings(max_examples=400, deadline=None)
@given(st.integers(-5, 10_005) | st.sampled_from([1970, 2024, 9999, 0]), st.integers(-2, 14),
       FIELD, FIELD, FIELD, FIELD)
def test_timegm_is_calendars(year: int, month: int, day: Any, hour: Any, minute: Any,
                             second: Any) -> None:
    value = (year, month, day, hour, minute, second, 0, 0, 0)

    def answer(function: Callable[[Any], int]) -> Any:
        try:
            return function(value)
        except Exception as exc:  # noqa: BLE001 - the same failure is part of the answer
            return type(exc)

    assert answer(feeddates.timegm) == answer(calendar.timegm)


# -- the bodies and rows the road makes --------------------------------------------------------

ACTED_ON = ["\x7f", "\x85", "\x9b", "\u202e", "\u200f", "\u061c", "\u2066", "\ufeff",
            "&#127;", "&#x85;", "&#155;", "&#x202E;", "&#13;", "&#xFEFF;", "&#8207;",
            "caf\u00c3\u00a9 \u00ef\u00bb\u00bf", "&amp;#27;", "\u0093q\u0094"]


@pytest.mark.parametrize("bad", ACTED_ON)
def test_only_bodies_found_clean_skip_the_first_cleaning(bad: str) -> None:
    """The road marks a body clean when its repair found it so, and `sanitize_html` then
    skips its own search: a body with a character `clean_text` acts on (as it is, as a
    reference, or made by the repair of mis-decoded text) is never marked, and every road
    stores it cleaned, as feedparser's does."""
    text = "<p>caf\u00e9 \U0001f600 " + bad + " end</p>"
    items = (f"<item><title>t1</title><guid>1</guid><description>{escape(text)}"
             f"</description></item><item><title>t2</title><guid>2</guid>"
             f"<content:encoded><![CDATA[{text}]]></content:encoded></item>"
             f"<item><title>t3</title><guid>3</guid><description>caf\u00e9 \u6771 and\n"
             f"more</description></item>")
    entries = [f"<entry><id>urn:{n}</id><title>t{n}</title><content type=\"{kind}\">{body}"
               f"</content></entry>" for n, (kind, body) in enumerate((
                   ("html", escape(text)), ("text", bad + " caf\u00e9\nx"),
                   ("xhtml", f'<div xmlns="http://www.w3.org/1999/xhtml">{text}</div>')))]
    documents = [CHANNEL.format(items=items).encode("utf-8"),
                 FEED.format(items="".join(entries)).encode("utf-8")]
    for data in documents:
        road = directfeed.parse(data, url=URL)
        assert road is not None
        for entry in road["entries"]:
            for detail in entry.get("content", []) + [entry.get("summary_detail", {})]:
                value = detail.get("value", entry.get("summary", ""))
                if detail.get("clean"):
                    assert clean_text(value) == value
        assert direct(data, URL, RSS_TYPE)
        for entry in parse_feed(data, url=URL).entries:
            assert clean_text(entry.body_html) == entry.body_html
    third = directfeed.parse(documents[0], url=URL)["entries"][2]  # type: ignore[index]
    assert third["summary_detail"] == {"type": "text/html", "clean": True}


def test_rows_let_each_item_go_once_made() -> None:
    """With `row`, `collect` makes each item's row as soon as its entry is made and lets
    the item go: a large feed never holds all its items' text beside all its entries."""

    class Item:
        def __init__(self, n: int) -> None:
            self.n = n

    items = [Item(n) for n in range(6)] + [Item(2)]  # the last repeats the third's key
    alive: weakref.WeakSet[Item] = weakref.WeakSet(items)
    held: list[int] = []

    def make(item: Item) -> Entry | None:
        if item.n == 4:
            return None  # no title, link or content
        return Entry(key=f"k{item.n}", title=f"Story {item.n}", body_html="")

    def row(entry: Entry) -> rows.StoryRow:
        held.append(len(alive))
        return rows.story_row(entry)

    result = feedentries.collect(ParseResult(title="t"), items, make, row=row)
    assert [r.title for r in result.rows] == ["Story 0", "Story 1", "Story 2", "Story 3",
                                              "Story 5"]
    assert not result.entries and not items
    # The item in hand and those after it, no more (the repeat's row is made too, then
    # dropped: keys are compared as stored).
    assert held == [7, 6, 5, 4, 2, 1]
    assert result.problems == ["skipped 1 entry with no title, link or content"]
