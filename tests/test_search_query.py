"""What a typed search means, and that no typed text can ever be an FTS5 syntax error."""

from __future__ import annotations

import sqlite3
import time

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.text import Text

from reader.render import Rendered
from reader.store.search.index import html_text
from reader.store.search.query import match_spans, parse_query
from reader.ui.highlight import MATCH, highlight

NOW = 1_732_700_000.0


def fts() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE f USING fts5(title, body, source, author, content='',"
                 " tokenize='unicode61 remove_diacritics 2')")
    conn.execute("INSERT INTO f (rowid, title, body, source, author) "
                 "VALUES (1, 'Storm hits the harbour', 'Ferries stopped', 'Daily', 'Ann')")
    return conn


def test_words_phrases_exclusions_and_fields() -> None:
    q = parse_query('storm "the harbour" -ferry title:hits ', NOW)
    assert q.match == '("storm" AND "the harbour" AND title : "hits") NOT ("ferry")'
    assert q.terms == ("storm", "the", "harbour", "hits")
    assert parse_query("storm OR gale ", NOW).match == '("storm" OR "gale")'
    assert parse_query("-ferry", NOW).exclude == '"ferry"'


def test_the_last_word_is_a_prefix_while_typing_unless_it_is_short() -> None:
    assert parse_query("harb", NOW).match == '"harb"*'
    assert parse_query("harb ", NOW).match == '"harb"'
    assert parse_query("storm ha", NOW).match == '"storm" AND "ha"'
    assert parse_query("harb", NOW).terms == ("harb*",)


def test_filters_and_dates_typed_in_the_search() -> None:
    q = parse_query("is:unread is:starred after:7d before:2024-05 storm", NOW)
    assert (q.unread, q.starred, q.match) == (True, True, '"storm"*')
    assert q.since == NOW - 7 * 86400
    assert q.until == time.mktime((2024, 5, 1, 0, 0, 0, 0, 0, -1))
    assert parse_query("is:read", NOW).unread is False
    bad = parse_query("after:someday is:sleepy storm", NOW)
    assert len(bad.problems) == 2 and bad.since is None and bad.match == '"storm"*'


def test_punctuation_alone_matches_nothing_rather_than_everything() -> None:
    assert parse_query("%", NOW).nothing
    assert parse_query("… !!", NOW).has_words
    assert not parse_query("storm -", NOW).nothing


PIECES = [*'ab "*()-:^+{}[],.\\\'_é', "OR", "AND", "NOT", "NEAR", "title:", "is:", "-\"", " "]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=12))
def test_no_typed_text_is_ever_an_fts_syntax_error(pieces: list[str]) -> None:
    conn = fts()
    q = parse_query("".join(pieces), NOW)
    for expression in (q.match, q.exclude):
        if expression is not None:
            conn.execute("SELECT rowid FROM f WHERE f MATCH ?", (expression,)).fetchall()


def test_the_index_sees_text_not_tags() -> None:
    text = html_text('<p>Storm<b>s</b> &amp; <a href="https://x.example/secret">ferries</a></p>'
                     "<script>hidden()</script><!-- note --><style>p{}</style>")
    words = text.split()
    assert words == ["Storm", "s", "&", "ferries"]


def test_matches_are_whole_words_case_and_accent_blind() -> None:
    text = "Café society: CAFES, cafés and a cafeteria. Storms!"
    spans = match_spans(text, ("cafe",))
    assert [text[a:b] for a, b in spans] == ["Café"]
    spans = match_spans(text, ("cafe*", "storm"))
    assert [text[a:b] for a, b in spans] == ["Café", "CAFES", "cafés", "cafeteria"]


def test_highlight_marks_the_words_and_leaves_the_text_alone() -> None:
    original = Text("A storm [bold]warning[/] for the harbour")
    rendered = Rendered(text=original, plain=original.plain, links=())
    marked = highlight(rendered, ("storm", "harbour"))
    assert marked.text.plain == original.plain and not original.spans
    styled = [(marked.text.plain[s.start:s.end]) for s in marked.text.spans if s.style == MATCH]
    assert styled == ["storm", "harbour"]
    assert highlight(rendered, ("ferry",)) is rendered
