"""extract_article keeps the article and drops the page around it; text helpers for leads."""

from __future__ import annotations

import calendar
from pathlib import Path

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
