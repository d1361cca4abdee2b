"""extract_article keeps the article and drops the page around it; text helpers for leads."""

from __future__ import annotations

import calendar
import json
import re
from pathlib import Path
from typing import Any

import pytest

from reader.extract import Article, extract_article, first_paragraph, html_to_text

PAGE = Path(__file__).parent / "fixtures" / "local" / "news_page.html"
URL = "https://herald.example.com/local/2024/11/bridge-repairs"

ARTICLE_TEXT = [
    "The Old Mill Bridge, the town's only road crossing over the River Arden",
    "putting extra strain on the 1930s structure",
    "Drivers will be sent on a 14-mile diversion",
    "A free shuttle will run every 20 minutes",
    "the alternative is an emergency closure with no warning at all",
    "The Chamber of Commerce estimates that footfall could fall by a third.",
    "The bridge was last closed for repairs in 2009",
]
BOILERPLATE = [
    "We use cookies",  # cookie banner
    "Accept all cookies",
    "Subscribe today",  # navigation
    "Quantum Blender",  # ad
    "mortgage calculator",  # inline sponsored block
    "Pothole complaints",  # related rail
    "Flood defence scheme",
    "TrafficWatcher99",  # comments
    "All rights reserved",  # footer
    "Terms and conditions",
    "dataLayer",  # script
]


@pytest.fixture(scope="module")
def article() -> Article:
    return extract_article(PAGE.read_bytes(), url=URL)


def test_keeps_the_article(article: Article) -> None:
    for text in ARTICLE_TEXT:
        assert text in article.body_html, text


def test_drops_the_boilerplate(article: Article) -> None:
    for text in BOILERPLATE:
        assert text not in article.body_html, text


def test_keeps_structure_and_absolute_links(article: Article) -> None:
    body = article.body_html
    assert "<h2>Diversions and buses</h2>" in body
    assert body.count("<li>") == 3
    assert "<blockquote>" in body
    assert "<table>" in body and "<td>Full closure</td>" in body
    assert '<a href="https://herald.example.com/roadworks/old-mill-bridge">' in body
    assert 'src="https://herald.example.com/images/old-mill-bridge.jpg"' in body


def test_metadata(article: Article) -> None:
    assert article.title == "Bridge repairs to close river crossing for six weeks"
    assert article.author == "Hannah Cole"
    assert article.published == calendar.timegm((2024, 11, 12, 7, 45, 0, 0, 0, 0))
    assert article.lead.startswith("The Old Mill Bridge, the town's only road crossing")
    # The headline is not repeated as the body's first heading.
    assert not article.body_html.lstrip().startswith("<h1>")


def test_title_from_title_tag_or_h1() -> None:
    paragraph = "<p>" + "A sentence of the story that goes on for a while. " * 8 + "</p>"
    with_title = f"<html><head><title>Plain title</title></head><body>{paragraph}</body></html>"
    assert extract_article(with_title).title == "Plain title"
    with_h1 = f"<html><body><h1>Only an h1</h1>{paragraph}</body></html>"
    assert extract_article(with_h1).title == "Only an h1"


def test_short_page_still_has_its_text() -> None:
    page = "<html><body><nav>Home | News</nav><div>Only a short line of text.</div></body></html>"
    result = extract_article(page)
    assert "Only a short line of text." in result.body_html
    assert result.lead == "Only a short line of text."


def test_charset_from_meta_is_used_for_bytes() -> None:
    text = "\u201cCaf\u00e9\u201d owners say the winter\u2026 was hard. " * 10
    page = (
        "<html><head><meta charset='windows-1252'><title>Caf\u00e9s</title></head>"
        f"<body><article><p>{text}</p></article></body></html>"
    ).encode("cp1252")
    result = extract_article(page)
    assert result.title == "Caf\u00e9s"
    assert "\u201cCaf\u00e9\u201d owners say the winter\u2026 was hard." in result.body_html


def test_empty_page_uses_hints() -> None:
    result = extract_article(b"", title_hint="Feed title", summary_hint="Feed summary.")
    assert result.title == "Feed title"
    assert result.lead == "Feed summary."
    assert result.body_html == "<p>Feed summary.</p>"
    assert extract_article("").body_html == ""


def test_hostile_page_is_sanitised() -> None:
    page = (
        "<html><head><title>\x1b[31mT\x1b[0m</title></head><body><article>"
        + "<p onclick='x()'>Paragraph with a <a href='javascript:alert(1)'>bad link</a>.</p>" * 20
        + "<script>steal()</script><iframe src='https://evil.example/'></iframe>"
        "</article></body></html>"
    )
    result = extract_article(page)
    for bad in ("onclick", "javascript:", "steal()", "<iframe", "\x1b"):
        assert bad not in result.body_html + result.title
    assert "Paragraph with a" in result.body_html


def test_html_to_text_and_first_paragraph() -> None:
    assert html_to_text("Release: <em>libfoo</em> 2.0 &amp; more") == "Release: libfoo 2.0 & more"
    assert html_to_text("<script>x()</script>Safe") == "Safe"
    body = "<h2>Heading</h2><figure><figcaption>Caption</figcaption></figure><p>First &lt;p&gt;</p>"
    assert first_paragraph(body) == "First <p>"
    assert first_paragraph("<h2>Only a heading</h2>") == "Only a heading"
    assert first_paragraph("") == ""


# -- realistic pages with their ground truth (tests/fixtures/pages, also bench/extract_bench.py)

PAGES = Path(__file__).parent / "fixtures" / "pages"
CASES: dict[str, dict[str, Any]] = {
    name: info
    for name, info in json.loads((PAGES / "cases.json").read_text(encoding="utf-8")).items()
    if not name.startswith("_")
}
_WORD = re.compile(r"\w+")


def words(text: str) -> str:
    """Text as its words, space separated: markup between words no longer matters."""
    return " ".join(_WORD.findall(text.casefold()))


def page_article(name: str, *, hints: bool = True) -> Article:
    info = CASES[name]
    return extract_article(
        (PAGES / f"{name}.html").read_bytes(), url=info["url"],
        title_hint=info["title"] if hints else "", summary_hint=info["summary"] if hints else "")


def truth(name: str) -> list[str]:
    """The ground truth's paragraphs (tables and one-line bylines are checked elsewhere)."""
    lines = (PAGES / f"{name}.txt").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if " | " not in line and len(line.split()) >= 6]


@pytest.mark.parametrize("name", sorted(CASES))
def test_page_keeps_the_article_and_drops_the_boilerplate(name: str) -> None:
    article = page_article(name)
    text = words(html_to_text(article.body_html))
    for paragraph in truth(name):
        assert words(paragraph) in text, paragraph
    for phrase in CASES[name]["boilerplate"]:
        assert words(phrase) not in text, phrase
    assert article.lead and words(article.lead) in text


def test_the_feed_summary_chooses_the_story_on_an_ambiguous_page() -> None:
    # Two stories of similar length; the feed linked to the second (the lido).
    chosen = html_to_text(page_article("ambiguous").body_html)
    assert "open-air lido will reopen" in chosen and "Market hall" not in chosen
    assert page_article("ambiguous").title == CASES["ambiguous"]["title"]
    # The title alone is enough too.
    info = CASES["ambiguous"]
    by_title = extract_article((PAGES / "ambiguous.html").read_bytes(), url=info["url"],
                               title_hint=info["title"])
    assert "open-air lido will reopen" in by_title.body_html
    assert "haberdashery" not in by_title.body_html


def test_a_summary_that_matches_nothing_changes_nothing() -> None:
    page = (PAGES / "classic_news.html").read_bytes()
    plain = extract_article(page)
    misled = extract_article(page, title_hint="Lido to reopen next summer",
                             summary_hint="The town's open-air lido will reopen to swimmers.")
    assert misled.body_html == plain.body_html
    # Nor does a summary that is only the standfirst of the right page.
    paywall = (PAGES / "paywall_teaser.html").read_bytes()
    hinted = extract_article(paywall, summary_hint=CASES["paywall_teaser"]["summary"])
    assert hinted.body_html == extract_article(paywall).body_html
    assert "Subscribe to keep reading" not in hinted.body_html


def test_structure_survives_extraction() -> None:
    body = page_article("tables_lists_code").body_html
    assert "<table>" in body and "<th>Speed-up</th>" in body and "<td>3.0×</td>" in body
    assert "<pre>" in body and "payload -&gt;&gt; '$.user.id'" in body
    assert body.count("<ul>") == 2  # the nested list stays nested
    assert "<ol>" in body and "<code>VACUUM</code>" in body
    assert "<h2>The numbers</h2>" in body


def test_old_layouts_become_paragraphs() -> None:
    # A layout table with <br><br> paragraphs, and teaser cards marked up as <article>.
    body = page_article("br_paragraphs").body_html
    assert body.count("<p>") >= 4 and "<table" not in body
    assert "Please fit mudguards" in body and "Ride calendar" not in body
    assert "Lifeboat called out" not in page_article("no_article_tag").body_html


def test_declared_windows_1252_page() -> None:
    article = page_article("non_utf8")
    assert "Für einen durchschnittlichen Vier-Personen-Haushalt" in article.body_html
    assert "„Wir geben die günstigeren Konditionen" in article.body_html
    assert article.title == "Stadtwerke senken Fernwärmepreis um elf Prozent"


def test_hidden_text_and_tracking_pixels_are_dropped() -> None:
    paragraph = "<p>" + "A visible sentence of the story that goes on for a while. " * 6 + "</p>"
    page = (
        f"<html><body><article>{paragraph}"
        "<p style='display: none'>Hidden keyword stuffing for search engines.</p>"
        "<div hidden><p>Also hidden from readers.</p></div>"
        "<img src='https://t.example/pixel.gif' width='1' height='1' alt='tracker'>"
        f"{paragraph}</article></body></html>"
    )
    body = extract_article(page).body_html
    assert "A visible sentence" in body
    for gone in ("Hidden keyword", "Also hidden", "pixel.gif"):
        assert gone not in body, gone


def test_markup_like_text_and_escapes_stay_literal_and_harmless() -> None:
    story = "This sentence is long enough to count as the article's own paragraph text. " * 4
    page = (
        "<html><head><title>Markup \u202eevil\u202c</title></head><body><article>"
        f"<p>{story}</p>"
        "<p>Rich markup [bold red]not styled[/bold red] and [link=https://x.example]x[/link]."
        " Escaped tags &lt;script&gt;alert(1)&lt;/script&gt; are text."
        " Terminal \x1b[2J\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\ and \x9b31m C1.</p>"
        "<p><a href='javascript:alert(1)'>js link</a> <a href=' JaVaScRiPt:alert(2)'>js2</a>"
        " <a href='data:text/html,x'>data link</a> <img src='javascript:alert(3)' alt='bad img'>"
        " <a href='/relative'>relative link</a></p>"
        "<style>p { color: red }</style><script>document.write('injected')</script>"
        "<form><input value='form field'></form>"
        f"<p>{story}</p></article></body></html>"
    )
    article = extract_article(page, url="https://news.example/a/b")
    body = article.body_html
    text = html_to_text(body)
    assert "[bold red]not styled[/bold red]" in text
    assert "[link=https://x.example]x[/link]" in text
    assert "<script>alert(1)</script>" in text  # literal text, escaped in the HTML
    assert "&lt;script&gt;" in body and "<script" not in body
    for bad in ("\x1b", "\x9b", "\u202e", "javascript:", "JaVaScRiPt", "data:text", "injected",
                "color: red", "form field"):
        assert bad not in body + article.title + article.lead, repr(bad)
    assert '<a href="https://news.example/relative">relative link</a>' in body
