"""The article renderer on input it must survive: terminal controls, markup-like text,
scripts, malformed HTML, absurd nesting, empty bodies and random tag soup.

Feeds come from strangers, so nothing in a body may reach the terminal as a control, raise,
or break the layout; these tests keep that apart from how ordinary articles look
(test_render).
"""

from __future__ import annotations

import re
from datetime import UTC

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from rich.style import Style
from rich.text import Text

from reader.render import Rendered, render_body, render_story
from reader.render.converter import convert
from reader.render.fallback import plain_lines
from reader.render.layout import assemble
from reader.sanitize import DROP_WITH_CONTENT, sanitize_html
from tests.helpers.render_cases import plain, story

TERMINAL_ACTIVE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


# -- text that looks like markup or controls ------------------------------------------------


def test_markup_like_text_is_literal_and_carries_no_style() -> None:
    hostile = "[@click=app.quit]quit[/] [bold]x [link=https://evil]y[/link] [/]"
    result = render_body(f"<p>{hostile}</p>")
    assert result.plain == hostile
    assert result.text.spans == []
    header = render_story(story(title="[bold red]T[/]", author="[i]me", body_html=""),
                          tz=UTC)
    assert header.plain.startswith("[bold red]T[/]\nExample News · [i]me · ")
    assert all(not span.style or span.style == Style(bold=True) for span in
               header.text.spans if span.end <= len("[bold red]T[/]"))


def test_script_and_style_content_is_dropped_even_from_raw_html() -> None:
    raw = ("<html><head><title>page title</title><style>p{color:red}</style></head><body>"
           "<p>visible</p><script>alert('script body')</script><noscript>no js</noscript>"
           "<template><p>template</p></template><p>also visible</p>"
           "<iframe src='https://x'>frame text</iframe><svg><text>svg text</text></svg>"
           "</body></html>")
    assert plain(raw) == "visible\n\nalso visible"


HOSTILE = [
    "\x1b[2J\x1b[31mred",  # CSI
    "\x1b]8;;https://evil\x07click\x1b]8;;\x07",  # OSC 8 hyperlink
    "\x1b]0;title\x1b\\",  # OSC window title, ST
    "\x9b31m one-byte CSI \x9d osc",
    "\u202eevil reversed\u202c \u2066iso\u2069",
    "\x00nul\x07bell\x08bs\x7fdel",
]


@pytest.mark.parametrize("payload", HOSTILE)
def test_terminal_controls_never_reach_plain(payload: str) -> None:
    for html in (f"<p>{payload}</p>", f"<pre>{payload}</pre>",
                 f'<img alt="{payload}" src="https://x.example/{payload}">',
                 f'<a href="https://x.example/{payload}">{payload}</a>',
                 f"<table><tr><td>{payload}</td><td>b</td></tr></table>"):
        result = render_body(html)
        assert not TERMINAL_ACTIVE.search(result.plain), (html, result.plain)
        assert not any(TERMINAL_ACTIVE.search(link) for link in result.links)
    result = render_story(story(title=payload, author=payload, source_title=payload,
                                link=payload, body_html=f"<p>{payload}</p>"))
    assert not TERMINAL_ACTIVE.search(result.plain)


@pytest.mark.parametrize("reference", ["&#27;", "&#x1b;", "&#155;", "&#x9b;", "&#x202e;",
                                       "&#8238;", "&#0;", "&#x7f;", "&#xd800;"])
def test_control_characters_written_as_references_are_removed(reference: str) -> None:
    result = render_body(f"<p>a{reference}[31mb</p>")
    assert not TERMINAL_ACTIVE.search(result.plain)
    assert result.plain.startswith("a") and result.plain.endswith("[31mb")


# -- malformed and deep input --------------------------------------------------------------------


@pytest.mark.parametrize(("html", "words"), [
    ("<p>unclosed <b>bold <i>both", ["unclosed", "bold", "both"]),
    ("</div></p>stray end tags</b></li>", ["stray end tags"]),
    ("<b>mis<i>nested</b>tags</i>", ["mis", "nested", "tags"]),
    ("<ul><li>one<li>two</ul>", ["• one", "• two"]),
    ("<table><tr><td>a<td>b<tr><td>c", ["a", "b", "c"]),
    ("<p>text then a truncated <a href='https://x", ["text then a truncated"]),
    ("<p>open comment <!-- never closed", ["open comment"]),
    ("<p a='1' b=\"2\" c=3 d>attrs</p>", ["attrs"]),
    ("<<<>>> < p > & &; &#; &#x; &unknown;", ["&", "&unknown;"]),
    ("<![CDATA[cdata]]><?pi x?><!DOCTYPE html>after", ["after"]),
    ("<td>cell outside a table</td><tr>row</tr>", ["cell outside a table", "row"]),
])
def test_malformed_html_renders_its_words(html: str, words: list[str]) -> None:
    result = render_body(html)
    for word in words:
        assert word in result.plain
    assert result.plain == result.text.plain


@pytest.mark.parametrize("open_tag", ["<div>", "<blockquote>", "<ul><li>", "<b>", "<span>",
                                      "<table><tr><td>", "<ol><li><p>"])
def test_thousand_levels_of_nesting_do_not_overflow(open_tag: str) -> None:
    html = open_tag * 1000 + "deep text" + "<p>after</p>"
    result = render_body(html)
    assert "deep text" in result.plain and "after" in result.plain
    assert max(len(line) for line in result.plain.split("\n")) < 200


def test_nesting_beyond_the_parser_limit_still_shows_all_text() -> None:
    html = "<div>" * 50_000 + "deep" + "</div>" * 50_000 + "<p>after <b>all</b></p>"
    result = render_body(html)
    assert result.plain == "deep\n\nafter all"


@pytest.mark.parametrize("tag", sorted(DROP_WITH_CONTENT - {"embed"}))  # embed: no content
def test_the_plain_fallback_drops_with_their_content_what_the_cleaner_drops(tag: str) -> None:
    """A document shown as plain words (too deep to render, or its cleaning failed) loses
    the same elements with their content as a cleaned one: no form's, button's or menu's
    words among the story's."""
    html = f"<p>before</p><{tag} class=x>hidden words</{tag}><p>after</p>"
    words = [line.content[0] for line in plain_lines(html) if line.kind == "text"]
    assert words == ["before", "after"]
    if tag != "head":  # a stray <head> in a body: HTML drops the tag and keeps its words
        assert "hidden" not in render_body(html).plain


def test_empty_and_blank_bodies() -> None:
    for html in ("", "   \n ", "<p></p>", "<!-- only a comment -->", "<br><br>"):
        result = render_body(html)
        assert result == Rendered(result.text, "", ())


HTML_PIECES = st.sampled_from([
    "<p>", "</p>", "<ul>", "</ul>", "<ol start=3>", "</ol>", "<li>", "</li>", "<b>", "</b>",
    "<i>", "<pre>", "</pre>", "<blockquote>", "</blockquote>", "<table>", "</table>", "<tr>",
    "<td>", "<th colspan=2>", "</td>", "<caption>", "<br>", "<hr>", "<img alt=x src=https://i>",
    "<a href='https://a'>", "<a href='javascript:x'>", "</a>", "<q>", "<sup>", "<sub>",
    "<script>", "</script>", "<h1>", "</h1>", "<dl><dt>", "<dd>", "<div>", "</div>", "&amp;",
    "&#x1b;", "\x1b[1m", "\x9b", "\u202e", "[bold]", "\t", "\n", " ", "  ", "word", "漢字", "<",
    ">", "&", "<!--", "-->", "<code>", "</code>", "\u00a0",
])


@settings(max_examples=150, deadline=None)
@given(st.lists(HTML_PIECES, max_size=60), st.one_of(st.none(), st.integers(20, 100)))
@example(["<q>", "<table>", "<th colspan=2>"], None)  # an empty grid row once left a gap
def test_any_tag_soup_renders_safely(pieces: list[str], width: int | None) -> None:
    html = "".join(pieces)
    lines, links = convert(html, width)  # the strict path, on the soup itself: a bug raises
    assert all(link.startswith(("https://", "http://", "mailto:")) for link in links)
    assert not TERMINAL_ACTIVE.search(assemble(lines, width).plain)
    lines, links = convert(sanitize_html(html), width)  # what render_body draws
    text = assemble(lines, width)
    result = render_body(html, width=width)
    assert result.plain == text.plain == result.text.plain
    assert Text(result.plain).plain == result.plain  # nothing left for Rich's own filter
    assert not TERMINAL_ACTIVE.search(result.plain)
    assert not result.plain.startswith("\n") and not result.plain.endswith("\n")
    assert "\n\n\n" not in result.plain or "<pre>" in html
    assert all(0 <= span.start < span.end <= len(result.plain) for span in result.text.spans)
    assert all(link.startswith(("https://", "http://", "mailto:")) for link in links)


def test_grid_rows_of_empty_cells_leave_no_gap() -> None:
    """A table whose only row is one empty cell across the grid draws nothing, and an empty
    spanning row at a grid's edge adds no line: either would stack blank lines."""
    def converted(html: str) -> str:  # the converter itself, on the soup as written
        return assemble(convert(html, None)[0], None).plain

    assert converted("<p><q><table><th colspan=2></table></q></p>") == "“\n\n”"
    grid = "<p>a</p><table><tr><td colspan=2></td></tr><tr><td>x</td><td>y</td></tr></table>"
    assert converted(grid) == "a\n\nx │ y"
    assert render_body(grid).plain == "a\n\nx │ y"  # cleaned first: the same grid
