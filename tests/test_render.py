"""The article renderer on ordinary articles: element by element, width, the story view, dates.

These are the tests of what a reader sees for well-formed input; hostile, malformed and
degenerate input has its own module, test_render_hostile.

Styles are checked on the spans of the returned `rich.text.Text`, text on `plain`; the two
always describe the same document (`plain == text.plain`).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
from rich.console import Console
from rich.style import Style
from rich.text import Text

from reader.render import (
    format_date,
    format_list_date,
    render_body,
    render_story,
)
from tests.helpers.render_cases import NOW, plain, story


def style_of(text: Text, needle: str, occurrence: int = 0) -> Style:
    """The combined style of the spans covering all of `needle` in `text`."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.plain.index(needle, start + 1)
    end = start + len(needle)
    covering = [span.style for span in text.spans if span.start <= start and span.end >= end]
    return Style.combine([Style(), *covering])  # type: ignore[list-item]


# -- blocks and whitespace -----------------------------------------------------------------


def test_paragraphs_are_separated_by_exactly_one_blank_line() -> None:
    html = "\n\n  <p>One\n   two</p>\n\n\n<p>Three</p><div></div><p></p><p>Four</p>\n  "
    assert plain(html) == "One two\n\nThree\n\nFour"


def test_runs_of_line_breaks_never_make_more_than_one_blank_line() -> None:
    assert plain("<br><br>text<br><br><br><br>more<br><br>") == "text\n\nmore"
    assert plain("<blockquote>a<br><br><br>b</blockquote>") == "▌ a\n▌\n▌ b"


def test_inline_whitespace_collapses_like_a_browser() -> None:
    assert plain("<p>  a  <b> bold </b>  <i>it</i>\tb\n c  </p>") == "a bold it b c"
    assert plain("<p><b>no</b><i>space</i></p>") == "nospace"
    assert plain("<p>keep&nbsp;&nbsp;nbsp</p>") == "keep\u00a0\u00a0nbsp"


def test_br_breaks_the_line_and_divs_start_new_lines() -> None:
    assert plain("<p>first<br>second<br/>third</p>") == "first\nsecond\nthird"
    assert plain("<div>a</div><div>b</div>text") == "a\nb\ntext"
    assert plain("<p>end<br></p><p>next</p>") == "end\n\nnext"


def test_headings_are_bold_and_h1_h2_underlined() -> None:
    result = render_body("<h1>Big</h1><h2>Mid</h2><h3>Small</h3><p>body</p>")
    assert result.plain == "Big\n\nMid\n\nSmall\n\nbody"
    for word in ("Big", "Mid", "Small"):
        assert style_of(result.text, word).bold
    assert style_of(result.text, "Big").underline and style_of(result.text, "Mid").underline
    assert not style_of(result.text, "Small").underline
    assert not style_of(result.text, "body").bold


@pytest.mark.parametrize(("tag", "attribute"), [
    ("em", "italic"), ("i", "italic"), ("strong", "bold"), ("b", "bold"),
    ("u", "underline"), ("s", "strike"), ("del", "strike"), ("strike", "strike"),
    ("mark", "reverse"),
])
def test_inline_styles_become_spans(tag: str, attribute: str) -> None:
    result = render_body(f"<p>plain <{tag}>styled</{tag}> plain</p>")
    assert result.plain == "plain styled plain"
    assert getattr(style_of(result.text, "styled"), attribute) is True
    assert not getattr(style_of(result.text, "plain"), attribute)


def test_inline_code_is_styled_and_styles_nest() -> None:
    result = render_body("<p>run <code>ls -l</code> or <b>bold <i>both</i></b></p>")
    assert style_of(result.text, "ls -l").color is not None
    both = style_of(result.text, "both")
    assert both.bold and both.italic


def test_sub_and_sup_stay_plain_text() -> None:
    assert plain("<p>H<sub>2</sub>O and x<sup>2</sup> and 1<sup>st</sup></p>") == \
        "H₂O and x² and 1st"


def test_q_gets_quotation_marks() -> None:
    assert plain("<p>he said <q>hi</q>.</p>") == "he said “hi”."


# -- lists ---------------------------------------------------------------------------------


def test_nested_lists_use_bullets_by_level_and_indent_by_two() -> None:
    html = ("<ul><li>one</li><li>two<ul><li>sub<ul><li>deep</li></ul></li></ul></li>"
            "<li>three</li></ul>")
    assert plain(html) == "• one\n• two\n  ◦ sub\n    ▪ deep\n• three"


def test_ordered_list_numbers_honour_start() -> None:
    assert plain('<ol start="9"><li>nine</li><li>ten</li><li>eleven</li></ol>') == \
        "9. nine\n10. ten\n11. eleven"
    assert plain('<ol start="bogus"><li>a</li></ol>') == "1. a"
    assert plain("<ol><li>a</li><li>b<ol><li>b1</li></ol></li></ol>") == \
        "1. a\n2. b\n   1. b1"


def test_list_item_continuation_lines_are_indented() -> None:
    assert plain("<ul><li>first line<br>second line</li></ul>") == \
        "• first line\n  second line"
    assert plain("<ol><li><p>para one</p><p>para two</p></li></ol>") == \
        "1. para one\n\n   para two"


def test_list_is_set_apart_from_paragraphs() -> None:
    assert plain("<p>before</p><ul><li>x</li></ul><p>after</p>") == "before\n\n• x\n\nafter"


def test_definition_list() -> None:
    result = render_body("<dl><dt>Term</dt><dd>Meaning</dd></dl>")
    assert result.plain == "Term\n  Meaning"
    assert style_of(result.text, "Term").bold


# -- quotes, code, rules ---------------------------------------------------------------------


def test_blockquote_lines_are_prefixed_and_dimmed() -> None:
    result = render_body("<p>said:</p><blockquote><p>one<br>two</p><p>three</p></blockquote>"
                         "<p>after</p>")
    assert result.plain == "said:\n\n▌ one\n▌ two\n▌\n▌ three\n\nafter"
    quoted = style_of(result.text, "three")
    assert quoted.dim and quoted.italic
    assert not style_of(result.text, "after").italic


def test_pre_keeps_whitespace_is_indented_and_styled() -> None:
    html = "<p>code:</p><pre>\ndef f():\n\treturn  1\n\n    x = 2\n</pre><p>after</p>"
    result = render_body(html)
    assert result.plain == "code:\n\n  def f():\n      return  1\n\n      x = 2\n\nafter"
    assert style_of(result.text, "return  1").color is not None


def test_hr_is_a_short_rule() -> None:
    assert plain("<p>a</p><hr><p>b</p>") == "a\n\n" + "─" * 20 + "\n\nb"


# -- tables ----------------------------------------------------------------------------------


def test_table_is_a_grid_aligned_to_content_with_bold_header_and_caption() -> None:
    html = ("<table><caption>Prices</caption><thead><tr><th>Fruit</th><th>Qty</th>"
            "<th>Note</th></tr></thead><tbody><tr><td>Apple</td><td>3</td><td>red</td></tr>"
            "<tr><td>Watermelon</td><td>12</td><td>big one</td></tr></tbody></table>")
    result = render_body(html)
    lines = result.plain.split("\n")
    assert lines[0] == "Prices"
    assert lines[1].split(" │ ") == ["Fruit     ", "Qty", "Note"]
    assert set(lines[2]) == {"─", "┼"}
    assert lines[3] == "Apple      │ 3   │ red"
    assert lines[4] == "Watermelon │ 12  │ big one"
    bars = {line.index("│") for line in lines[1:] if "│" in line}
    assert bars == {11}
    assert style_of(result.text, "Fruit").bold and not style_of(result.text, "Apple").bold


def test_table_cells_are_cut_with_an_ellipsis() -> None:
    long = "word " * 30
    result = render_body(f"<table><tr><td>{long}</td><td>short</td></tr></table>")
    first, second = result.plain.split(" │ ")
    assert len(first) == 40 and first.endswith("…")
    assert second == "short"


def test_table_colspan_is_tolerated() -> None:
    html = ("<table><tr><th>a</th><th>b</th><th>c</th></tr>"
            "<tr><td colspan='2'>spans two columns</td><td>z</td></tr>"
            "<tr><td>1</td><td>2</td></tr><tr><td colspan='99'>all</td></tr></table>")
    lines = plain(html).split("\n")
    assert lines[2].startswith("spans two columns") and lines[2].endswith("│ z")
    assert lines[2].index("│") == lines[0].rindex("│")
    assert lines[3].startswith("1 │ 2") and lines[4] == "all"


def test_layout_tables_are_read_as_ordinary_blocks() -> None:
    html = ("<table><tr><td><h2>Story</h2><p>First paragraph of a long story that must "
            "not be cut.</p><p>Second paragraph.</p></td></tr></table>")
    assert plain(html) == ("Story\n\nFirst paragraph of a long story that must not be cut."
                           "\n\nSecond paragraph.")
    assert plain("<table><tr><td>one</td></tr><tr><td>two</td></tr></table>") == "one\ntwo"


# -- links and images --------------------------------------------------------------------------


def test_links_are_numbered_in_order_and_deduplicated() -> None:
    html = ('<p><a href="https://a.example/">first</a>, <a href="https://b.example/">'
            'second</a> and <a href="https://a.example/">first again</a>, '
            '<a href="mailto:editor@example.org">mail</a>.</p>')
    result = render_body(html)
    assert result.plain == "first[1], second[2] and first again[1], mail[3]."
    assert result.links == ("https://a.example/", "https://b.example/",
                            "mailto:editor@example.org")
    assert style_of(result.text, "[2]").bold
    assert style_of(result.text, "second").underline


@pytest.mark.parametrize("href", [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x", "file:///etc/passwd",
    "/relative/path", "vbscript:x", "", "https://", "java\x1bscript:alert(1)",
])
def test_only_http_https_and_mailto_links_are_numbered(href: str) -> None:
    result = render_body(f'<p><a href="{href}">text</a> end</p>')
    assert result.plain == "text end"
    assert result.links == ()
    assert not style_of(result.text, "text").underline


def test_images_become_text_and_get_a_number() -> None:
    html = ('<p><img src="https://img.example/cat.jpg" alt="A cat"> and '
            '<img src="https://img.example/dog.jpg"> and <img src="data:image/png;base64,xx" '
            'alt="inline"> and <a href="https://img.example/cat.jpg">the cat</a></p>')
    result = render_body(html)
    assert result.plain == ("[image: A cat][1] and [image][2] and [image: inline] and "
                            "the cat[1]")
    assert result.links == ("https://img.example/cat.jpg", "https://img.example/dog.jpg")


# -- text handling -----------------------------------------------------------------------------


def test_entities_are_decoded() -> None:
    assert plain("<p>Tom &amp; Jerry &lt;3 &#8230; &#x2014; &eacute; &hellip;</p>") == \
        "Tom & Jerry <3 … — é …"


def test_unknown_tags_keep_their_text() -> None:
    assert plain("<p>a <custom-tag>known</custom-tag> <o:p>office</o:p> <blink>b</blink>"
                 "</p>") == "a known office b"


# -- width -----------------------------------------------------------------------------------------


def test_width_wraps_with_hanging_indents() -> None:
    html = ("<ul><li>" + "alpha beta gamma delta " * 4 + "</li></ul><blockquote><p>"
            + "quoted words here " * 4 + "</p></blockquote>")
    lines = render_body(html, width=30).plain.split("\n")
    assert all(len(line) <= 30 for line in lines)
    items = [line for line in lines if line and not line.startswith("▌")]
    assert items[0].startswith("• ") and all(line.startswith("  ") for line in items[1:])
    assert len(items) > 2
    quoted = [line for line in lines if line.startswith("▌")]
    assert len(quoted) > 2 and all(line.startswith("▌ ") for line in quoted)


@pytest.mark.parametrize("width", [20, 33, 57, 80])
def test_wrapping_agrees_with_rich(width: int) -> None:
    words = ("a the supercalifragilisticexpialidocious extraordinary “quoted” naïve "
             "z " + "x" * 70 + " end").split()
    paragraph = " ".join(words[i % len(words)] for i in range(120))
    ours = render_body(f"<p>{paragraph}</p>", width=width).plain.split("\n")
    theirs = [line.plain.rstrip() for line in Text(paragraph).wrap(Console(), width)]
    assert ours == theirs


def test_wide_characters_wrap_by_cells() -> None:
    lines = render_body("<p>" + "漢字 " * 40 + "</p>", width=21).plain.split("\n")
    from rich.cells import cell_len
    assert all(cell_len(line) <= 21 for line in lines) and len(lines) > 5


# -- render_story --------------------------------------------------------------------------------


def test_story_header_body_and_links() -> None:
    body = '<p>Read <a href="https://a.example/">this</a>.</p>'
    result = render_story(story(body_html=body), tz=UTC)
    assert result.plain == ("Headline\nExample News · Jane Doe · Sat 28 Nov 2026 06:40\n"
                            "https://example.org/story\n\nRead this[1].\n\nLinks:\n"
                            "[1] https://a.example/")
    assert result.links == ("https://a.example/",)
    assert style_of(result.text, "Headline").bold
    assert style_of(result.text, "Example News").dim


def test_story_header_without_author_or_link_or_links() -> None:
    result = render_story(story(author="", link="", body_html="<p>No links.</p>"), tz=UTC)
    assert result.plain == "Headline\nExample News · Sat 28 Nov 2026 06:40\n\nNo links."
    assert result.links == ()


def test_story_without_title_date_or_body() -> None:
    result = render_story(story(title=" ", published=0.0, author="", link="", body_html=""))
    assert result.plain == "(untitled)\nExample News"


def test_story_does_not_repeat_a_lede_that_became_the_headline() -> None:
    lede = "A long opening sentence that became the headline."
    result = render_story(story(title=lede, body_html=f"<p>{lede}</p><p>Rest.</p>"), tz=UTC)
    assert result.plain.count(lede) == 1 and result.plain.endswith("\n\nRest.")
    other = render_story(story(title="Other", body_html=f"<p>{lede}</p>"), tz=UTC)
    assert lede in other.plain


def test_story_link_is_never_wrapped() -> None:
    url = "https://example.org/" + "a" * 100
    result = render_story(story(link=url, body_html="<p>" + "word " * 50 + "</p>"),
                          tz=UTC, width=40)
    assert url in result.plain.split("\n")
    assert all(len(line) <= 40 for line in result.plain.split("\n") if line != url)


# -- dates -----------------------------------------------------------------------------------------


def test_format_date_is_absolute() -> None:
    assert format_date(NOW, tz=UTC) == "Sat 28 Nov 2026 06:40"
    assert format_date(NOW, now=NOW + 10 * 86400 * 365, tz=UTC) == "Sat 28 Nov 2026 06:40"
    assert format_date(NOW, tz=timezone(timedelta(hours=-8))) == "Fri 27 Nov 2026 22:40"
    assert format_date(0, tz=UTC) == "Thu 1 Jan 1970 00:00"


def test_format_date_defaults_to_local_time() -> None:
    local = datetime.fromtimestamp(NOW).astimezone()
    assert format_date(NOW) == format_date(NOW, tz=local.tzinfo)
    assert format_date(NOW).endswith(f"{local.hour:02d}:{local.minute:02d}")


def test_format_list_date_is_short() -> None:
    assert format_list_date(NOW - 3600, now=NOW, tz=UTC) == "05:40"
    assert format_list_date(NOW - 86400, now=NOW, tz=UTC) == "Nov 27"
    assert format_list_date(NOW - 300 * 86400, now=NOW, tz=UTC) == "Feb 1"
    assert format_list_date(NOW - 366 * 86400, now=NOW, tz=UTC) == "2025-11-27"
    assert format_list_date(NOW - 731 * 86400, now=NOW, tz=UTC) == "2024-11-27"
    # "today" is judged in the given zone: 06:40 UTC is still the 27th in Los Angeles
    assert format_list_date(NOW, now=NOW, tz=timezone(timedelta(hours=-8))) == "22:40"
    assert format_list_date(NOW, tz=UTC) != ""
    assert format_list_date(time.time()) == format_list_date(time.time(), now=time.time())


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), 1e20])
def test_impossible_timestamps_give_empty_dates(bad: float) -> None:
    assert format_date(bad) == "" and format_list_date(bad) == ""
    assert "Example News" in render_story(story(published=bad)).plain
