"""The direct road reads the text feedparser decodes, however the bytes arrive.

Charsets declared or served, byte order marks, documents longer than `feedxml.CHUNK` handed to
expat in pieces, and bytes taken for UTF-8 unchecked that turn out not to be: expat must read
the same document feedparser decodes, and the stories must agree. These are about how
`feedxml` decodes and cuts the bytes, not about which elements the road understands, so they
live apart from the whole-document tests in test_directfeed.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader import lowlevel
from reader.sources import feedxml
from tests.helpers.feed_cases import ALL_ITEMS, CHANNEL, RSS_TYPE, URL
from tests.helpers.feed_roads import direct

# -- charsets and the document expat reads -----------------------------------------------------

@pytest.mark.parametrize("content_type", ["", RSS_TYPE, "text/xml", "text/html; charset=utf-8",
                                          "application/xml; charset=iso-8859-1"])
def test_encodings(content_type: str) -> None:
    text = CHANNEL.format(items=ALL_ITEMS)
    for data in (text.encode("utf-8"), b"\xef\xbb\xbf" + text.encode("utf-8"),
                 text.replace('encoding="utf-8"', 'encoding="windows-1252"')
                 .encode("cp1252", "xmlcharrefreplace")):
        direct(data, URL, content_type)


def handed_to_expat(document: feedxml.Document) -> str | bytes:
    """The pieces `Document.pieces` gives expat, joined: bytes, or text throughout."""
    pieces = list(document.pieces())
    if isinstance(document.head, bytes):
        return b"".join(bytes(piece) for piece in pieces)  # a str piece would raise
    texts = [piece for piece in pieces if isinstance(piece, str)]
    assert len(texts) == len(pieces)
    return "".join(texts)


@pytest.mark.parametrize("content_type", ["", RSS_TYPE, "text/xml", "application/xml; "
                                          "charset=iso-8859-1", "application/xml; charset=ascii"])
def test_expat_reads_the_document_feedparser_decodes(content_type: str) -> None:
    """`prepare` hands expat the document's own bytes when they are the UTF-8 of the text
    feedparser decodes (else the text): the same document either way."""
    text = CHANNEL.format(items=ALL_ITEMS) + "<!-- caf\u00e9 \U0001f600 -->"
    headers = {"content-type": content_type} if content_type else {}
    headers["content-location"] = URL  # as `prepare` passes them to feedparser's rules
    for data in (text.encode("utf-8"), b"\xef\xbb\xbf" + text.encode("utf-8"),
                 text.encode("ascii", "xmlcharrefreplace"),
                 text.split("?>", 1)[1].encode("utf-8"),
                 text.replace('encoding="utf-8"', 'encoding="windows-1252"')
                 .encode("cp1252", "xmlcharrefreplace"),
                 text.replace('encoding="utf-8"', "encoding='\u00e9'").encode("utf-8")):
        try:
            decoded, raw = feedxml._decoded(data, headers)
        except feedxml.Unsure:
            continue
        if decoded is None:  # the bytes are the text's UTF-8: checked, not decoded
            assert raw is not None
            decoded = raw.decode("utf-8")
        declaration = lowlevel.xml_declaration.match(decoded)
        expected = feedxml._NEW_DECLARATION + (
            decoded[declaration.end():] if declaration else "\n" + decoded)
        prepared, _ = feedxml.prepare(data, URL, content_type)
        if isinstance(prepared.head, bytes):
            assert handed_to_expat(prepared) == expected.encode("utf-8")
        else:
            assert handed_to_expat(prepared) == expected
    utf8, _ = feedxml.prepare(text.encode("utf-8"), URL, RSS_TYPE)
    latin, _ = feedxml.prepare(text.encode("utf-8"), URL, "text/xml; charset=iso-8859-1")
    assert isinstance(utf8.rest, memoryview) and isinstance(latin.rest, str)


def big_channel(items: int, filler: str = "caf\u00e9 \u6771\u4eac \U0001f600 ") -> str:
    """A channel whose text runs over several of `feedxml.CHUNK`, characters of 2-4 bytes
    falling across the chunks' edges."""
    body = escape("<p>" + filler * 400 + "</p>")
    return CHANNEL.format(items="".join(
        f"<item><title>Story {n}</title><link>https://a.example/{n}</link>"
        f"<description>{body}</description></item>" for n in range(items)))


def test_large_documents_are_read_in_pieces_with_the_same_stories() -> None:
    text = big_channel(40)
    data = text.encode("utf-8")
    assert len(data) > 4 * feedxml.CHUNK
    document, _ = feedxml.prepare(data, URL, RSS_TYPE)
    assert isinstance(document.rest, memoryview) and document.rest.obj is data  # no copy
    assert len(list(document.pieces())) > 4
    assert direct(data, URL, RSS_TYPE)
    # The text decoded from its charset (a str), handed to expat in pieces too.
    legacy = big_channel(40, "caf\u00e9 \u201cquoted\u201d ")
    legacy = legacy.replace('encoding="utf-8"', 'encoding="windows-1252"')
    assert direct(legacy.encode("cp1252"), URL, "application/rss+xml")


@pytest.mark.parametrize("where", ["prolog", "late"])
def test_what_the_head_cannot_tell_is_read_whole(where: str) -> None:
    """The prolog is looked for in the first CHUNK bytes only when it ends there; a long
    comment before the root, or bytes that are not UTF-8 after the first chunk, give the
    text feedparser decodes all the same."""
    text = big_channel(3)
    if where == "prolog":
        comment = "<!-- " + "\u00e9" * feedxml.CHUNK + " -->\n"
        data = text.replace("?>\n", "?>\n" + comment, 1).encode("utf-8")
    else:  # windows-1252 quotes after the first chunk: not UTF-8 after all
        data = text.encode("utf-8") + b"<!-- \x93quoted\x94 -->"
    for content_type in (RSS_TYPE, "application/xml", ""):
        direct(data, URL, content_type)


@pytest.mark.parametrize("where", ["head", "title", "attribute", "cdata", "end"])
def test_bytes_taken_for_utf8_unchecked_are_read_again_when_they_are_not(where: str) -> None:
    """The road takes bytes to be read as UTF-8 without checking them first (expat checks
    them as it reads). Windows-1252 bytes in a document declared or served as UTF-8, early
    or deep inside, still give the text feedparser decodes (windows-1252 then), read by
    the road."""
    text = big_channel(12)
    bad = b"\x93quoted\x94"
    data = text.encode("utf-8")
    if where == "head":
        data = data.replace(b"<title>Story 0", b"<title>Story 0 " + bad, 1)
    elif where == "title":
        data = data.replace(b"<title>Story 10", b"<title>Story 10 " + bad, 1)
    elif where == "attribute":
        data = data.replace(b"<link>https://a.example/10", b'<category domain="' + bad
                            + b'">c</category><link>https://a.example/10', 1)
    elif where == "cdata":
        data = data.replace(b"<title>Story 10", b"<title><![CDATA[" + bad + b"]]>Story 10", 1)
    else:
        data += b"<!-- " + bad + b" -->"
    assert bad in data and (where == "head") == (data.find(bad) < feedxml.CHUNK)
    for content_type in (RSS_TYPE, "application/xml", ""):
        assert direct(data, URL, content_type)
    if where != "head":  # (the head is decoded to read the prolog, which checks it)
        document, _ = feedxml.prepare(data, URL, RSS_TYPE, trust_utf8=True)
        assert document.unchecked and not document.holds_utf8()
    good, _ = feedxml.prepare(text.encode("utf-8"), URL, RSS_TYPE, trust_utf8=True)
    assert good.unchecked and good.holds_utf8()


XML_SPOTS = ['<r a="{}">t</r>', "<r>{}</r>", "<r><![CDATA[{}]]></r>", "<r><!--{}--></r>",
             "<r><?pi {}?></r>", "<r/><!--{}-->"]


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(XML_SPOTS), st.lists(st.sampled_from(
    [b"\x80", b"\xbf", b"\xc0", b"\xc1", b"\xc2", b"\xdf", b"\xe0", b"\xed", b"\xa0",
     b"\x9f", b"\xef", b"\xbf\xbe", b"\xf0", b"\xf4", b"\x90", b"\x8f", b"\xf5", b"\xff",
     b"a", b"\xc3\xa9", b"\xe6\x9d\xb1"]), max_size=6).map(b"".join))
def test_expat_refuses_every_byte_sequence_python_does_not_decode(spot: str,
                                                                 inner: bytes) -> None:
    """What `prepare(trust_utf8=True)` rests on: whatever expat reads whole as UTF-8,
    Python's strict decoder decodes (overlong forms, surrogates, past U+10FFFF, cut or
    stray continuation bytes: expat stops on them all, in text, attributes, CDATA,
    comments and processing instructions)."""
    head, tail = spot.split("{}")
    data = b"<?xml version='1.0' encoding='utf-8'?>" + head.encode() + inner + tail.encode()
    parser = feedxml.strict_expat()
    try:
        parser.Parse(data, True)
    except Exception:  # noqa: BLE001 - refused: nothing to hold it to
        return
    data.decode("utf-8")
