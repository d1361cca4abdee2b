"""The parser workers' quicker paths give what the plain rules give.

Each shortcut a parser process takes for speed is held here to the way it was done before
it (a reference in this file): a story row's pickling, the search for a DOCTYPE in a
document's prolog, and the teaser's check for characters that fool its case-blind needles.
"""

from __future__ import annotations

import dataclasses
import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader import extract
from reader.models import StoryRow
from reader.sources import feedfile


def plain_first_paragraph(body: str) -> str:
    """The teaser's rule as stated: scripts, styles and comments dropped, the first block
    with text once headings, captions, code and tables are cut out, else of the whole."""
    if not body:
        return ""
    blocks = extract._blocks(extract._NOT_LEAD.sub("\n", body)) or extract._blocks(body)
    return blocks[0] if blocks else ""


def _row(**changes: object) -> StoryRow:
    values: dict[str, object] = dict(
        key="guid:a", digest="d" * 32, published=1.7e9, updated=None, title="Ünïcode “title”",
        link="https://a.example/1", author="Ann", path="", lead="The lead.", teasers="[]",
        body_html=b"(\xb5/\xfd compressed")
    values.update(changes)
    return StoryRow(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("row", [
    _row(), _row(body_html="<p>short, kept as text</p>", published=None, updated=1.5),
    _row(key="", title="", link="", author="", lead="", teasers='["a", "b"]', body_html=""),
])
def test_a_story_row_crosses_a_process_boundary_unchanged(row: StoryRow) -> None:
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        again = pickle.loads(pickle.dumps(row, protocol=protocol))
        assert again == row
        assert type(again.body_html) is type(row.body_html)
    # Every field travels, in the order the class declares them (a field added to the class
    # but not to its pickling would be lost on the way to the writer).
    assert row.__reduce__()[1] == tuple(
        getattr(row, field.name) for field in dataclasses.fields(StoryRow))


def _plain_without_dtd_subset(data: bytes) -> bytes:
    """How the DOCTYPE was found before: in an upper-cased copy of the prolog."""
    start = data[:feedfile._SNIFF].upper().find(b"<!DOCTYPE")
    if start < 0:
        return data
    bracket, close = data.find(b"[", start, start + feedfile._SNIFF), data.find(b">", start)
    if bracket < 0 or 0 <= close < bracket:
        return data
    end = feedfile._SUBSET_END.search(data, bracket)
    return data[:start] + (data[end.end():] if end else b"")


PROLOG_PARTS = st.sampled_from([
    b"<?xml version='1.0'?>", b"<!DOCTYPE rss [", b"<!doctype feed>", b"<!DocType x [",
    b"<!ENTITY e 'x'>", b"]>", b"] >", b"<rss>", b"</rss>", b"<!DOCTYP", b"E", b"<!",
    b"\xc5\xbf", b"\xef\xbb\xbf", b" ", b"\n", b"[", b">", b"<!DOCTYPE\xff",
])


@settings(max_examples=400, deadline=None)
@given(st.lists(PROLOG_PARTS | st.binary(max_size=6), max_size=12).map(b"".join),
       st.integers(min_value=0, max_value=3))
def test_the_doctype_subset_is_cut_as_before(data: bytes, pad: int) -> None:
    # Padding moves a DOCTYPE to the edge of the searched prolog and past it.
    data = b" " * (feedfile._SNIFF - 12 * pad) + data if pad else data
    assert feedfile._without_dtd_subset(data) == _plain_without_dtd_subset(data)


@pytest.mark.parametrize("body", [
    "<p>caf\u00e9 lead</p><p>later <\u017fcript>x()</\u017fcript></p>",  # after the lead
    "<p>caf\u00e9 lead</p><!-- \u0131 --><script>x()</script>",
    "<\u017fcript>x()</\u017fcript><p>caf\u00e9 lead</p>",  # before it: a script to re.I
    "<p>\u212a<ſcript>hidden</ſcript> lead</p><p>next</p>",  # inside the lead
    "<T\u0130TLE>t</title><p>caf\u00e9</p>", "<p>caf\u00e9</p><T\u0130TLE>t</title>",
    "<h\u0131>x</h1><p>\u00e9</p>", "<p>\u00e9</p><h2>\u017f</h2>",
])
def test_the_lead_is_found_as_before_with_characters_that_fold_to_ascii(body: str) -> None:
    assert extract.first_paragraph(body) == plain_first_paragraph(body)


LEAD_PARTS = st.sampled_from([
    "<p>", "</p>", "<div>", "caf\u00e9", "\u017f", "\u0131", "\u0130", "\u212a", "<",
    "<\u017fcript>", "</\u017fcript>", "<script>", "</script>", "<!--", "-->", "<h1>",
    "</h1>", "<br>", " ", "x", "<pre>", "</pre>", "<T\u0130TLE>", "</title>", "&amp;",
])


@settings(max_examples=500, deadline=None)
@given(st.lists(LEAD_PARTS, max_size=14).map("".join))
def test_the_lead_is_found_as_before(body: str) -> None:
    assert extract.first_paragraph(body) == plain_first_paragraph(body)
