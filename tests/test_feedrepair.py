"""Feeds broken only by their references, repaired and read by the fast roads.

`feedrepair.repair` rewrites undeclared HTML entities and bare ampersands so that the direct
road (or feedparser's strict parser) reads the document. What comes out is compared with
feedparser's lenient parser on the original bytes, the reading before the repair existed
(`tests.helpers.feed_roads.repaired_agrees`: equal but for the lenient parser's extra ";" after a
bare "&name"); where the two differ on purpose, both answers are pinned here, the repaired
one being a browser's. Documents broken in other ways must still reach feedparser as they
came.
"""

from __future__ import annotations

import html.entities
import unicodedata
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.feedcorpus import VariedCorpus
from reader.models import ParseResult
from reader.sanitize import sanitize_html
from reader.sources import directfeed, feedrepair
from tests.helpers.feed_cases import CHANNEL, FEED, RSS_TYPE, URL
from tests.helpers.feed_roads import _none, direct, outcome, spy

ATOM_TYPE = "application/atom+xml"


def roads(data: bytes, content_type: str = "") -> tuple[Any, list[bool], Any]:
    """(parse_feed's result, what each call of the direct road gave (True: stories), the
    result with the fast roads off: feedparser's lenient parser on the original)."""
    taken: list[bool] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(directfeed, "parse", spy(directfeed.parse, taken))
        result = outcome(data, URL, content_type)
        patch.setattr(directfeed, "parse", _none)
        lenient = outcome(data, URL, content_type)
    return result, taken, lenient


def rss(items: str) -> bytes:
    return CHANNEL.format(items=items).encode("utf-8")


def first(result: ParseResult | tuple[str, str]) -> Any:
    assert isinstance(result, ParseResult)
    return result.entries[0]


# -- the rewrite itself ------------------------------------------------------------------------

@pytest.mark.parametrize(("before", "after"), [
    (b"AT&T", b"AT&amp;T"),
    (b"a & b", b"a &amp; b"),
    (b"caf&eacute;", b"caf&#233;"),
    (b"&nbsp;", b"&#160;"),
    (b"&AMP;", b"&#38;"),
    (b"&NotEqualTilde;", b"&#8770;&#824;"),  # two code points
    (b"&nbsp x", b"&#160; x"),  # a legacy name without its ";"
    (b"&nbspx;", b"&amp;nbspx;"),  # ... but not inside a longer name
    (b"?a=1&copy=2", b"?a=1&amp;copy=2"),  # ... nor before "=" (a query parameter)
    (b"&unknownname;", b"&amp;unknownname;"),
    (b"&#X26;", b"&#x26;"),
    (b"&#233 x", b"&#233; x"),
    (b"&#xe9", b"&#xe9;"),
    # Completed, these would make feedparser raise: U+FFFD, as feedfile makes them.
    (b"&#xD800 b", b"&#xFFFD; b"),
    (b"&#x110000 b", b"&#xFFFD; b"),
    (b"&#55296 b", b"&#xFFFD; b"),
    (b"&#99999999999 b", b"&#xFFFD; b"),
    (b"&#0 b", b"&#xFFFD; b"),
    (b"&#;", b"&amp;#;"),
    (b"&#xZZ;", b"&amp;#xZZ;"),
    (b"&caf\xc3\xa9;", b"&amp;caf\xc3\xa9;"),
    (b"x &", b"x &amp;"),
    (b"&amp; &lt; &gt; &quot; &apos; &#38; &#x26; &nbsp;",
     b"&amp; &lt; &gt; &quot; &apos; &#38; &#x26; &#160;"),
    (b"<![CDATA[AT&T &nbsp;]]><!-- a & b --><?pi a & b?>&eacute;",
     b"<![CDATA[AT&T &nbsp;]]><!-- a & b --><?pi a & b?>&#233;"),
])
def test_references_are_rewritten(before: bytes, after: bytes) -> None:
    assert feedrepair.repair(b"<a>" + before + b"</a>") == b"<a>" + after + b"</a>"


@pytest.mark.parametrize("body", [
    b"<a>&amp; &#38; &#x26; &lt;</a>",  # nothing to repair
    b"<a>no ampersand</a>",
    b"<a><![CDATA[AT&T &nbsp;]]></a>",  # CDATA is text: its "&" are right
    b"<a><!-- AT&T --></a>",
    b"<a><![CDATA[ never ends " + b"<![CDATA[ &nbsp;" * 1000,  # the rest is one section
])
def test_what_is_right_is_left_alone(body: bytes) -> None:
    assert feedrepair.repair(body) is None


@pytest.mark.parametrize(("data", "content_type"), [
    ("<?xml version='1.0'?><a>&eacute;</a>".encode("utf-16"), ""),
    ("<?xml version='1.0'?><a>&eacute;</a>".encode("utf-16-le"), ""),
    ("<?xml version='1.0'?><a>&eacute;</a>".encode("utf-32"), ""),
    (b"<a>&eacute;</a>", "application/xml; charset=utf-16"),
    (b"<?xml version='1.0' encoding='shift_jis'?><a>&eacute;</a>", ""),
    (b"<?xml version='1.0' encoding='iso-2022-jp'?><a>&eacute;</a>", ""),
    (b"<?xml version='1.0' encoding='cp037'?><a>&eacute;</a>", ""),
    (b"<?xml version='1.0' encoding='no-such-code'?><a>&eacute;</a>", ""),
])
def test_encodings_whose_bytes_are_not_ascii_are_left_alone(data: bytes,
                                                           content_type: str) -> None:
    assert feedrepair.repair(data, content_type) is None


@pytest.mark.parametrize("encoding", ["utf-8", "windows-1252", "koi8-r", "iso-8859-7",
                                      "iso-8859-1", "us-ascii"])
def test_ascii_compatible_encodings_are_repaired(encoding: str) -> None:
    text = (f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel>'
            "<title>C</title><item><title>AT&T &eacute;</title><guid>g</guid></item>"
            "</channel></rss>")
    data = text.encode(encoding)
    assert feedrepair.repair(data) == data.replace(b"AT&T &eacute;", b"AT&amp;T &#233;")
    result, taken, _ = roads(data, f"application/rss+xml; charset={encoding}")
    assert taken == [False, True]
    assert first(result).title == "AT&T \u00e9"


# -- which road, and the stories ---------------------------------------------------------------

@pytest.mark.parametrize("seed", [1, 7])
def test_broken_benchmark_feeds_take_the_repair_road(seed: int) -> None:
    corpus = VariedCorpus(seed)
    broken = [feed for feed in (corpus.feed(i, 1_700_000_000.0) for i in range(150))
              if feed.kind == "broken"]
    assert len(broken) >= 4
    for feed in broken[:6]:
        _, taken, _ = roads(feed.body, feed.content_type)
        assert taken == [False, True]
        direct(feed.body, URL, feed.content_type)  # agrees with the lenient parser
        direct(feed.body, "", "")


# Hand-made documents the repair road reads as the lenient parser did.
AGREE = {
    "title_entities": rss("<item><title>Caf&eacute; &amp; bar&nbsp;&hellip;</title>"
                          "<link>https://a.example/1</link></item>"),
    "escaped_html": rss("<item><title>t</title><description>&lt;p&gt;Tom &amp;amp; Jerry "
                        "&nbsp;&mdash; caf&eacute; AT&T&lt;/p&gt;</description>"
                        "<guid>https://a.example/e</guid></item>"),
    "cdata": rss("<item><title><![CDATA[Fish &nbsp; & chips]]></title><description>"
                 "<![CDATA[<p>AT&T &eacute;</p>]]> x &nbsp;</description>"
                 "<guid>https://a.example/c</guid></item>"),
    "amp_right": rss("<item><title>&amp; &#38; &#x26; &nbsp;</title>"
                     "<guid>https://a.example/r</guid></item>"),
    "unknown_name": rss("<item><title>&unknownname; x &nbsp;</title>"
                        "<guid>https://a.example/u</guid></item>"),
    "no_semicolon": rss("<item><title>a&nbsp b &nbspx &copy 2020</title>"
                        "<guid>https://a.example/n</guid></item>"),
    "attribute": FEED.format(items=(
        '<entry><title>x &eacute;</title><link href="https://a.example/?a=1&b=2"/>'
        "<id>tag:a,1</id><updated>2024-01-01T00:00:00Z</updated></entry>")).encode(),
    "atom_xhtml": FEED.format(items=(
        "<entry><title>x</title><id>tag:a,2</id><updated>2024-01-01T00:00:00Z</updated>"
        '<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>caf&eacute; '
        "&nbsp; AT&T</p></div></content></entry>")).encode(),
    "atom_html_title": FEED.format(items=(
        '<entry><title type="html">&lt;b&gt;AT&T&lt;/b&gt; &nbsp;</title><id>tag:a,3</id>'
        "<updated>2024-01-01T00:00:00Z</updated></entry>")).encode(),
    "undeclared_entity": (b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
                          b"<item><title>i &nbsp; j</title></item></channel></rss>"),
}


@pytest.mark.parametrize("name", sorted(AGREE))
def test_repaired_documents_read_as_the_lenient_parser_read_them(name: str) -> None:
    data = AGREE[name]
    _, taken, _ = roads(data)
    assert taken == [False, True]
    direct(data, URL, "")
    direct(data, "", "application/xml")


# Documents where the repaired reading is a browser's and the lenient parser's is not:
# (document, the repaired title or link, the lenient parser's).
DIFFER = {
    "bare_ampersands": (rss("<item><title>AT&T and R&D & co</title>"
                            "<link>https://a.example/1</link></item>"),
                        "title", "AT&T and R&D & co", "AT&T; and R&D; & co"),
    "html5_only_names": (rss("<item><title>&check; done &NotEqualTilde;</title>"
                             "<guid>https://a.example/h</guid></item>"),
                         "title", "\u2713 done \u2242\u0338", "&check; done &NotEqualTilde;"),
    "legacy_name_in_a_query": (rss("<item><title>q &nbsp;</title>"
                                   "<link>https://a.example/?a=1&b=2&copy=3</link></item>"),
                               "link", "https://a.example/?a=1&b=2&copy=3",
                               "https://a.example/?a=1&b=2\u00a9=3"),
    "html4_angle_brackets": (rss("<item><title>&lang;x&rang;</title>"
                                 "<guid>https://a.example/a</guid></item>"),
                             "title", "\u27e8x\u27e9", "\u2329x\u232a"),
    # "&nbspx" stays as it is, and in HTML an HTML parser then reads it (a nbsp, then "x")
    "legacy_name_before_letters": (rss("<item><title>&nbspx</title><description>&nbspword"
                                       "</description><guid>https://a.example/l</guid></item>"),
                                   "body_html", "<p>&nbsp;word</p>", "<p>&nbsp;word;</p>"),
    # "AT&T;" is not HTML (an unknown entity) and the lenient parser shows the title's tags;
    # the title written well-formed ("AT&amp;T &lt;b&gt;...") reads as the repaired one
    "bare_ampersand_in_an_html_title": (rss("<item><title>AT&T &lt;b&gt;x&lt;/b&gt;</title>"
                                            "<guid>https://a.example/t</guid></item>"),
                                        "title", "AT&T x", "AT&T; <b>x</b>"),
    "numeric_without_semicolon": (rss("<item><title>&#X26; &#233 &#xe9 x</title>"
                                      "<guid>https://a.example/num</guid></item>"),
                                  "title", "& \u00e9 \u00e9 x", "& &#233 &#xe9 x"),
}


@pytest.mark.parametrize("name", sorted(DIFFER))
def test_where_the_lenient_parser_was_wrong_the_browser_is_followed(name: str) -> None:
    data, field, repaired, lenient = DIFFER[name]
    result, taken, before = roads(data)
    assert taken == [False, True]

    def shown(entry: Any) -> str:  # a body as the reader sees it: cleaned when drawn
        value = getattr(entry, field)
        return sanitize_html(value) if field == "body_html" else value

    assert shown(first(result)) == repaired
    assert shown(first(before)) == lenient


# -- documents broken otherwise go to feedparser as they came ----------------------------------

ITEM = "<item><title>{title}</title><guid>https://a.example/o</guid></item>"
OTHERWISE = {
    "mismatched_tags": rss(ITEM.format(title="AT&T &nbsp;</b>")),
    "mismatched_tags_first": rss("<item><title>x</titel></item>"
                                 + ITEM.format(title="AT&T &nbsp;")),
    "less_than_in_text": rss(ITEM.format(title="a < b &nbsp;")),
    "control_character": rss(ITEM.format(title="bell \x07 &nbsp;")),
    "invalid_character_reference": rss(ITEM.format(title="&#1; &nbsp;")),
    "ampersand_after_the_end": rss(ITEM.format(title="AT&T")) + b"&",
    "cut_off_after_an_ampersand": rss(ITEM.format(title="AT&T"))[:-40] + b"&",
}


@pytest.mark.parametrize("name", sorted(OTHERWISE))
def test_documents_broken_otherwise_reach_feedparser_unchanged(name: str) -> None:
    data = OTHERWISE[name]
    result, taken, lenient = roads(data)
    assert True not in taken
    assert result == lenient
    direct(data, URL, "")


def test_a_document_after_junk_is_cut_to_its_declaration_then_repaired() -> None:
    """A server's warning before the XML declaration is cut off first (`feedfile`), and the
    document left, broken only by its entity, is repaired and read on the direct road."""
    data = b"Warning: oops<br />\n" + rss(ITEM.format(title="caf&eacute;"))
    result, taken, lenient = roads(data)
    assert taken == [False, True] and first(result).title == first(lenient).title == "caf\u00e9"
    assert result == roads(rss(ITEM.format(title="caf&eacute;")))[0]


@pytest.mark.parametrize("reference", ["&#xD800", "&#x110000", "&#99999999999"])
def test_a_reference_completed_by_the_repair_reads_as_before(reference: str) -> None:
    """A bare `&` sends the document to the repair, an element the direct road has no rule
    for sends the repaired bytes to feedparser: a reference cut short that the repair
    completes must not become one that makes feedparser raise (the feed read before)."""
    data = rss(ITEM.format(title="AT&T") + "<textInput><title>t</title></textInput>"
               + ITEM.format(title=f"{reference} b"))
    result, _, lenient = roads(data)
    assert isinstance(result, ParseResult) and isinstance(lenient, ParseResult)
    assert [entry.title for entry in result.entries][0] == "AT&T"
    assert len(result.entries) == len(lenient.entries) == 2


def test_utf16_feeds_are_not_repaired() -> None:
    data = ('<?xml version="1.0" encoding="utf-16"?><rss version="2.0"><channel>'
            "<title>C</title><item><title>AT&T &eacute;</title><guid>g</guid></item>"
            "</channel></rss>").encode("utf-16")
    result, taken, lenient = roads(data)
    assert taken == [False]
    assert result == lenient


# -- random documents --------------------------------------------------------------------------

# Text pieces: words, XML's own references, HTML 4 names (the lenient parser knows those;
# but for "lang" and "rang", whose characters HTML5 changed, and the invisible format
# characters the cleaners remove, which would leave the lenient parser's extra ";" after a
# bare "&T" where `without_lenient_semicolons` cannot tell it from the text's own), unknown
# names, bare ampersands.
PIECES = st.sampled_from(
    ["word", " ", "AT&T", "R&D", "& ", " &", "&amp;", "&lt;b&gt;x&lt;/b&gt;", "&#38;", "&#233;",
     "&unknownname;", "&nbsp ", "&1", "caf\u00e9", "\u6771\u4eac", ".", ";"]
    + [f"&{name};" for name in sorted(
        name for name, point in html.entities.name2codepoint.items()
        if name not in {"lang", "rang"} and unicodedata.category(chr(point)) != "Cf")[::7]])
TEXT = st.lists(PIECES, min_size=1, max_size=8).map("".join)
# An RSS title without markup: with it, whether the title is HTML is guessed from the text,
# and the lenient parser's "AT&T;" changes the guess ("bare_ampersand_in_an_html_title").
TITLE = st.lists(PIECES.filter(lambda piece: "&lt;" not in piece), min_size=1,
                 max_size=8).map("".join)


@settings(max_examples=120, deadline=None)
@given(TITLE, TEXT, TITLE, st.booleans(), st.sampled_from([URL, ""]))
def test_random_broken_documents(title: str, description: str, channel: str, atom: bool,
                                 url: str) -> None:
    if atom:
        data = ("<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/"
                f"Atom'><title>{channel}</title><entry><title>{title}</title><id>tag:a,1</id>"
                f"<updated>2024-01-01T00:00:00Z</updated><content type='html'>{description}"
                "</content></entry></feed>").encode()
    else:
        data = rss(f"<item><title>{title}</title><guid>https://a.example/x</guid>"
                   f"<description>{description}</description></item>"
                   ).replace(b"<description>d</description>",
                             f"<description>{channel}</description>".encode())
    direct(data, url, ATOM_TYPE if atom else RSS_TYPE)
