"""parse_feed and looks_like_feed on real-looking feeds of every kind, and on non-feeds."""

from __future__ import annotations

import calendar
import json
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.sources import feedentries, feedfile
from reader.sources.feedfile import NotAFeed, looks_like_feed, parse_feed

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
PAGE = Path(__file__).parent / "fixtures" / "local" / "news_page.html"


def utc(*parts: int) -> float:
    return float(calendar.timegm((*parts, 0, 0, 0)))


def load(name: str, **kwargs: str) -> feedfile.ParseResult:
    return parse_feed((FEEDS / name).read_bytes(), **kwargs)


def test_rss20() -> None:
    result = load("rss20.xml", url="https://gazette.example.com/feed.xml")
    assert result.title == "Harbour Town Gazette & Courier"
    assert result.link == "https://gazette.example.com/"
    assert len(result.entries) == 3
    ferry, lighthouse, storm = result.entries
    assert ferry.key == "guid:gazette-2024-11-17-ferry"
    assert ferry.title == "Council approves new ferry timetable after \u201cheated\u201d debate"
    assert ferry.author == "Maria Okafor"
    assert ferry.link == "https://gazette.example.com/news/2024/11/ferry-timetable"
    assert ferry.published == utc(2024, 11, 17, 7, 30, 0)  # +0100 -> UTC
    # content:encoded wins over description, and is sanitised once, by us.
    assert ferry.lead.startswith("The council voted 7\u20134 on Saturday")
    for bad in ("<script", "alert(", "onclick", "onerror", "<iframe", "ads.example.net"):
        assert bad not in ferry.body_html
    assert '<a href="https://gazette.example.com/news/2024/10/ferry-row">' in ferry.body_html
    assert 'src="https://gazette.example.com/images/ferry.jpg"' in ferry.body_html
    assert "<blockquote>" in ferry.body_html
    assert lighthouse.author == "Tom Reyes"
    assert lighthouse.published == utc(2024, 11, 16, 17, 5, 0)
    assert lighthouse.body_html.count("<p>") == 2
    # An item without a title is named after its opening words.
    assert storm.title.startswith("Storm warning: gusts of up to 90 km/h")
    assert len(storm.title) <= 101
    assert storm.key == "link:https://gazette.example.com/alerts/storm-17"
    assert storm.published is None
    assert storm.body_html.startswith("<p>Storm warning")


def test_rss10_rdf() -> None:
    result = load("rss10.rdf")
    assert result.title == "Science Desk"
    coral, comet = result.entries
    assert coral.title == "Coral reefs recover faster than expected"
    assert coral.author == "Ana Lima"
    assert coral.published == utc(2024, 11, 15, 10, 0, 0)
    assert comet.published == utc(2024, 11, 14, 20, 30, 0)
    assert comet.key == "guid:https://science.example.org/2024/comet"
    assert comet.lead.startswith("Two observers in Chile")


def test_rss091_in_latin1() -> None:
    result = load("rss091.xml")
    assert result.title == "Old Town Crier"
    (entry,) = result.entries
    assert entry.title == "Caf\u00e9 on Main Street wins award"
    assert entry.lead == "The caf\u00e9 was named best breakfast spot in the county."
    assert entry.key == "link:http://crier.example.com/cafe-award.html"


def test_atom() -> None:
    result = load("atom.xml")
    assert result.title == "Open Source Weekly"
    assert result.link == "https://oss.example.net/"
    release, interview, note = result.entries
    # type="html" title: markup removed, entities decoded once.
    assert release.title == "Release notes: libfoo 2.0 & beyond"
    assert release.author == "Priya Natarajan"
    assert release.published == utc(2024, 11, 16, 14, 0, 0)
    assert release.updated == utc(2024, 11, 17, 8, 0, 0)
    assert release.key == "guid:tag:oss.example.net,2024:libfoo-2"
    assert release.lead == "libfoo 2.0 ships a new streaming parser that is three times faster."
    assert "<h2>What changed</h2>" in release.body_html
    assert "<pre><code>pip install libfoo==2.0</code></pre>" in release.body_html
    assert 'href="https://oss.example.net/2024/docs/migration"' in release.body_html
    assert "<strong>barlib</strong>" in interview.body_html
    assert interview.published == interview.updated == utc(2024, 11, 15, 14, 30, 0)
    # type="text": the angle brackets are text, not tags.
    assert "&lt;blink&gt;" in note.body_html and "<blink>" not in note.body_html
    assert note.lead == "Use <b> for bold, not <blink>."
    assert note.link == ""  # its only "link" is a tag: URI, not something to open


def test_json_feed_11() -> None:
    result = load("jsonfeed11.json")
    assert result.title == "Mountain Weather Log"
    assert result.link == "https://weather.example.org/"
    snow, wind, note = result.entries
    assert snow.key == "guid:2024-11-17-snow"
    assert snow.author == "Jonas Berg, Lea Wolf"
    assert snow.published == utc(2024, 11, 17, 5, 0, 0)
    assert snow.updated == utc(2024, 11, 17, 7, 30, 0)
    assert "<script" not in snow.body_html and "bad()" not in snow.body_html
    assert 'href="https://weather.example.org/advice/chains"' in snow.body_html
    assert wind.key == "guid:42"
    assert wind.title == "Strong winds tonight"
    assert wind.author == "Station Team"  # the feed's author stands in
    assert wind.body_html.count("<p>") == 2
    assert note.title == "A short note without a title or a date."
    assert note.published is None
    assert result.problems == ["skipped 2 entries with no title, link or content"]


def test_json_feed_10() -> None:
    result = load("jsonfeed10.json")
    (entry,) = result.entries
    assert result.title == "Tiny Blog"
    assert entry.author == "Sam Lee"
    assert entry.published == utc(2024, 1, 2, 3, 4, 5)
    assert entry.body_html == "<p>My first post.</p>"


def test_broken_feed_says_where() -> None:
    with pytest.raises(NotAFeed) as caught:
        load("broken.xml")
    message = str(caught.value)
    assert message.startswith("not a feed: XML error at line 3")
    assert "mismatched tag" in message


def test_html_page_is_not_a_feed() -> None:
    with pytest.raises(NotAFeed, match="^not a feed: got an HTML page$"):
        parse_feed(PAGE.read_bytes(), url="https://herald.example.com/")
    assert not looks_like_feed(PAGE.read_bytes())


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "the document is empty"),
        (b"   \n\t", "the document is empty"),
        (b"Just some words.\nNothing more.", "got plain text"),
        (b'{"hello": "world"}', "got JSON that is not a JSON Feed"),
        (b"[1, 2, 3]", "got JSON that is not a JSON Feed"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": [', "JSON error at line 1"),
        (b"<?xml version='1.0'?><catalog><book>x</book></catalog>", "root element is <catalog>"),
        (b"<html><body><p>hi</p></body></html>", "got an HTML page"),
        (b"\x00\x01\x02binary", "got binary data"),
        (b"[" * 100_000, "JSON"),
    ],
)
def test_not_a_feed_reasons(data: bytes, reason: str) -> None:
    with pytest.raises(NotAFeed) as caught:
        parse_feed(data)
    assert str(caught.value).startswith("not a feed: ")
    assert reason in str(caught.value)


def test_a_path_is_data_not_a_file_to_open() -> None:
    # feedparser opens files named by a str/bytes argument; parse_feed must never let it.
    with pytest.raises(NotAFeed, match="plain text"):
        parse_feed(str(FEEDS / "rss20.xml").encode())


def test_entity_bomb_is_defused() -> None:
    started = time.perf_counter()
    result = load("laughs.xml")
    assert time.perf_counter() - started < 5
    (entry,) = result.entries
    assert "lollol" not in entry.title + entry.body_html


def test_empty_but_valid_feed() -> None:
    data = b"<rss version='2.0'><channel><title>Quiet</title></channel></rss>"
    result = parse_feed(data)
    assert (result.title, result.entries) == ("Quiet", [])


def test_hostile_fields_are_cleaned_and_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    items = "".join(
        f"<item><title>T{i} \x1b[31mred\x1b[0m</title><guid>g{i}</guid>"
        f"<link>javascript:alert({i})</link><description>d{i}</description></item>"
        for i in range(5)
    )
    long_title = "x" * 5000
    data = (
        f"<rss version='2.0'><channel><title>{long_title}</title>{items}</channel></rss>"
    ).encode()
    monkeypatch.setattr(feedentries, "MAX_ENTRIES", 3)
    result = parse_feed(data)
    assert len(result.entries) == 3
    assert result.problems == ["kept the first 3 of 5 entries (the limit per feed)"]
    assert len(result.title) <= feedfile.MAX_TITLE
    for entry in result.entries:
        assert "\x1b" not in entry.title
        assert entry.link == ""  # javascript: links are dropped


def test_huge_bodies_and_titles_are_capped() -> None:
    body = "<p>" + "word " * 300_000 + "</p>"
    item = {"id": "1", "title": "t" * 3000, "content_html": body}
    doc = {"version": "https://jsonfeed.org/version/1.1", "title": "Big", "items": [item]}
    (entry,) = parse_feed(json.dumps(doc).encode()).entries
    assert len(entry.title) <= feedfile.MAX_TITLE
    assert len(entry.body_html) <= feedfile.MAX_BODY + 100


@pytest.mark.parametrize(
    "name", ["rss20.xml", "rss10.rdf", "rss091.xml", "atom.xml", "jsonfeed10.json",
             "jsonfeed11.json", "broken.xml", "laughs.xml"]
)
def test_looks_like_feed(name: str) -> None:
    assert looks_like_feed((FEEDS / name).read_bytes())


@pytest.mark.parametrize(
    "data",
    [b"", b"plain words", b'{"version": "1"}', b"<html><rss></rss></html>",
     b"<?xml version='1.0'?><catalog/>"],
)
def test_does_not_look_like_a_feed(data: bytes) -> None:
    assert not looks_like_feed(data)


def test_utf16_feed_with_bom() -> None:
    data = (FEEDS / "rss10.rdf").read_text(encoding="utf-8").replace(
        'encoding="utf-8"', 'encoding="utf-16"'
    ).encode("utf-16")
    assert looks_like_feed(data)
    assert parse_feed(data).title == "Science Desk"


def test_feed_after_junk_is_still_read() -> None:
    junk = b"<br />\n<b>Warning</b>: Cannot modify header information in feed.php<br />\n"
    result = parse_feed(junk + (FEEDS / "rss20.xml").read_bytes())
    assert len(result.entries) == 3


_NON_ASCII_FEED = (
    '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
    "<title>\u041d\u043e\u0432\u043e\u0441\u0442\u0438</title><id>tag:n.example,2024:f</id>"
    '<entry><title>\u65b0\u95fb caf\u00e9</title><link href="https://n.example/1"/>'
    "<id>tag:n.example,2024:1</id><author><name>\u0391\u03b8\u03b7\u03bd\u03ac \U0001f600</name>"
    "</author><summary>\u0391\u03b8\u03ae\u03bd\u03b1 \u2014 AT&amp;T</summary></entry></feed>"
).encode()


@pytest.mark.parametrize("junk", [
    b"\n", b"\r\n\r\n", b"  \t\n",
    b"<br />\n<b>Warning</b>:  Cannot modify header information - headers already sent by "
    b"(output started at /srv/wp-config.php:1) in <b>/srv/feed-rss2.php</b><br />\n",
], ids=["blank-line", "crlf", "spaces", "php-warning"])
def test_what_precedes_the_xml_declaration_is_cut(junk: bytes,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A feed with a blank line or a server's warning before its XML declaration (XML allows
    nothing there) reads as the same feed without it, on the direct road. Its UTF-8 text
    is not misread: feedparser, given an address and no Content-Type (a feed file, a server
    that sends none), took such a document for ISO-8859-1, and its authors for mojibake."""
    import feedparser

    url = "https://n.example/feed"
    plain = parse_feed(_NON_ASCII_FEED, url=url)
    monkeypatch.setattr(feedparser, "parse", None)  # the direct road or nothing
    result = parse_feed(junk + _NON_ASCII_FEED, url=url)
    assert result == plain
    assert (result.title, result.entries[0].title, result.entries[0].author) == (
        "\u041d\u043e\u0432\u043e\u0441\u0442\u0438", "\u65b0\u95fb caf\u00e9",
        "\u0391\u03b8\u03b7\u03bd\u03ac \U0001f600")
    assert "\u0391\u03b8\u03ae\u03bd\u03b1 \u2014 AT&amp;T" in result.entries[0].body_html


def test_a_byte_order_mark_stays_before_the_cut_and_a_declared_encoding_still_counts() -> None:
    latin = ("<?xml version='1.0' encoding='ISO-8859-1'?><rss version='2.0'><channel>"
             "<title>Caf\u00e9</title><item><title>\u00e9t\u00e9</title></item>"
             "</channel></rss>").encode("latin-1")
    assert parse_feed(b"\n\n" + latin).entries[0].title == "\u00e9t\u00e9"
    bom = b"\xef\xbb\xbf"
    assert feedfile.document_bytes(bom + b"\n" + _NON_ASCII_FEED)[0][:8] == bom + b"<?xml"
    assert parse_feed(bom + b" \n" + _NON_ASCII_FEED) == parse_feed(_NON_ASCII_FEED)


def test_an_xml_declaration_after_the_root_is_not_cut_to() -> None:
    """A document without a declaration may hold the text "<?xml " further on (in a CDATA
    section): nothing is cut there."""
    data = (b"\n<rss version='2.0'><channel><title>T</title><item><title>Code</title>"
            b"<description><![CDATA[<pre><?xml version='1.0'?></pre>]]></description>"
            b"</item></channel></rss>")
    assert feedfile.document_bytes(data)[0] == data
    result = parse_feed(data)
    assert result.title == "T" and [e.title for e in result.entries] == ["Code"]


@pytest.mark.parametrize("data", [b"<" * 1_000_000, b"<!DOCTYPE a [" * 200_000])
def test_garbage_fails_fast(data: bytes) -> None:
    started = time.perf_counter()
    with pytest.raises(NotAFeed):
        parse_feed(data)
    assert time.perf_counter() - started < 2  # feedparser's loose parser takes ~4 s


@settings(max_examples=150, deadline=None)
@given(
    data=st.one_of(
        st.binary(max_size=600),
        st.builds(
            lambda prefix, middle: prefix + middle.encode("utf-8", "surrogatepass"),
            st.sampled_from([b"<rss version='2.0'><channel>", b"<feed xmlns='x'>", b"{", b"<",
                             b'{"version": "https://jsonfeed.org/version/1.1", "items": ']),
            st.text(max_size=300),
        ),
    )
)
def test_any_input_is_a_result_or_not_a_feed(data: bytes) -> None:
    try:
        result = parse_feed(data)
    except NotAFeed as exc:
        assert str(exc).startswith("not a feed: ")
        return
    for entry in result.entries:
        assert "\x1b" not in entry.title + entry.body_html + entry.author


REF_DIGITS = st.sampled_from(["0", "00", "1", "5", "9", "d", "D", "e", "f", "F", "a", "55",
                              "57", "58", "800", "fff", "10", "11"])
CHAR_REFS = st.tuples(st.sampled_from(["&#", "&#x", "&#X"]),
                      st.lists(REF_DIGITS, min_size=1, max_size=6).map("".join),
                      st.sampled_from([";", "", " "])).map("".join)


@settings(max_examples=600, deadline=None)
@given(st.lists(CHAR_REFS | st.sampled_from(["x", "&#", ";", "&"]), max_size=6).map("".join))
def test_documents_without_a_suspect_reference_are_left_alone(text: str) -> None:
    """The quick search passes over a document only when replacing its references (NUL,
    surrogates, numbers past U+10FFFF, nine digits or more) would change nothing."""
    data = text.encode()
    if feedfile._SUSPECT_REF.search(data) is None:
        assert feedfile._CHAR_REF.sub(feedfile._safe_char_ref, data) == data


@pytest.mark.parametrize("ref", [b"&#0;", b"&#x0000;", b"&#xD800;", b"&#xdfff;", b"&#55296;",
                                 b"&#57343;", b"&#x110000;", b"&#1114112;", b"&#000000065;",
                                 b"&#x00000041;", b"&#X0D800;"])
def test_references_a_parser_cannot_take_become_replacement_characters(ref: bytes) -> None:
    data = b'<rss version="2.0"><channel><item><title>a' + ref + b"b</title></item></channel></rss>"
    assert feedfile._SUSPECT_REF.search(data) is not None
    title = parse_feed(data).entries[0].title
    assert title == ("aAb" if ref in (b"&#x00000041;",) else "a\ufffdb")
