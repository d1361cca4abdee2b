"""Each text rule has one implementation, with quick paths; here each is held to the rule as
plainly stated (a reference written in this file), on hand-made pieces, random text and the
benchmark corpus: `clean_text`/`clean_line`, `sanitize_html` (and its link-pass shortcut),
`storable_html` (a body as the cache keeps it), `first_paragraph` and the search index's
`story_text`.
"""

from __future__ import annotations

import html
import re
from html.entities import html5

import nh3
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.feedcorpus import Corpus
from reader import extract, sanitize
from reader.store.search.index import story_text


def plain_clean_text(text: str) -> str:
    return sanitize._CONTROL.sub("", sanitize._CR.sub("\n", text)) if text else ""


def plain_sanitize_html(body: str, base_url: str | None = None) -> str:
    if not body:
        return ""
    cleaned = plain_clean_text(nh3.clean(
        plain_clean_text(body), tags=sanitize.ALLOWED_TAGS,
        clean_content_tags=sanitize.DROP_WITH_CONTENT, attributes=sanitize.ALLOWED_ATTRIBUTES,
        url_schemes=sanitize.SAFE_SCHEMES, link_rel=None, strip_comments=True))
    return sanitize._resolve_links(cleaned, base_url) if base_url else cleaned


def plain_first_paragraph(body: str) -> str:
    """Drop scripts, styles and comments, split at block tags, first block with text; first
    with headings, captions, code and tables cut out, else from the whole body."""
    if not body:
        return ""
    blocks = extract._blocks(extract._NOT_LEAD.sub("\n", body)) or extract._blocks(body)
    return blocks[0] if blocks else ""


HIDDEN = ("script", "style", "template", "noscript", "iframe", "object", "embed", "svg", "math",
          "form", "button", "select", "textarea", "head", "title")
_HIDDEN = re.compile(rf"<({'|'.join(HIDDEN)})\b.*?</\1\s*>|<!--.*?-->", re.S | re.I)


def plain_story_text(body: str | None, full: str | None, lead: str | None) -> str:
    """Drop what nh3 drops with its content, and comments; a tag is "<" and then an ASCII
    letter, "/", "!" or "?", up to ">" or the end; decode references; remove the controls
    they bring."""
    def words(markup: str) -> str:
        lowered = markup.lower()  # (so "<\u017fcript>" is not a script: the index says so)
        if any(f"<{tag}" in lowered for tag in HIDDEN) or "<!--" in markup:
            markup = _HIDDEN.sub(" ", markup)
        return plain_clean_text(html.unescape(re.sub(r"<[A-Za-z/!?][^>]*(?:>|\Z)", " ", markup)))

    text = words(full or "")
    if not text.strip():
        text = words(body or "")
    return text if text.strip() else (lead or "")


BODY_PARTS = st.sampled_from([
    "<p>Para <a href=\"/x\">link</a> &amp; more.</p>", "<h2>Heading</h2>", "<figure><img "
    "src=\"i.png\"><figcaption>Cap</figcaption></figure>", "<ul><li>one</li><li>two</li></ul>",
    "<blockquote><p>quote</p></blockquote>", "  text outside  ", "<table><tr><td>c</td></tr>"
    "</table>", "<pre>code</pre>", "<!-- note -->", "<script>x()</script>", "<b>bold</b>",
    "caf\u00e9 \u2014 \u6771", "&nbsp;&#8230;", "<H1>LOUD</H1>", "<P>upper</P>", "<br>", "",
    "<div><p>nested</p></div>", "<title>t</title>", "<img alt=\"a>b\">", "\u017fcript",
    "<\u017fcript>z</\u017fcript>", "<T\u0130TLE>t</title>", "<ta\u212ale>", "\u0131",
    '<a href="https://a.example/p?q=1&amp;r=2">q</a>', 'text src="rel" more',
    '<img src="/abs.png">', '<a href="http://[::1">v6</a>', 'x href="https://ok.example/" ',
    '<a href="javascript:alert(1)">j</a>', 'xhref="a href="b"', "<a href='single'>s</a>",
    '<a href="https://a.example/x y">sp</a>', '<a href="HTTPS://UP.example/">up</a>',
    "\u043f\u0440\u0438\u0432\u0435\u0442 \u00ab\u043c\u0438\u0440\u00bb", "\x1b[31m", "\r\n",
    "\u202e", "\u0085", "&#27;", "<p>\u0645\u0631\u062d\u0628\u0627</p>", "<STYLE>s</STYLE>",
    "<p", ">", "<tab", "le>", "-->", "<!--", "</p>", "<noscript>", "</noscript>",
    "&lrm;", "&rlm;", "&LRM;", "&lrm", "&#x200f;", "&#133;", "&#x85;", "&#8206", "&", "#27;",
    "\u200e", "<a title=\"&#27;&rlm;\">t</a>",
])
BODIES = st.lists(BODY_PARTS | st.text(max_size=12), max_size=10).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=40) | BODIES)
def test_clean_text_and_clean_line(text: str) -> None:
    assert sanitize.clean_text(text) == plain_clean_text(text)
    assert sanitize.clean_line(text) == " ".join(plain_clean_text(text).split())


@settings(max_examples=300, deadline=None)
@given(BODIES, st.sampled_from([None, "", "https://a.example/b/c.html"]))
def test_sanitize_html(body: str, base: str | None) -> None:
    assert sanitize.sanitize_html(body, base) == plain_sanitize_html(body, base)


@settings(max_examples=500, deadline=None)
@given(BODIES, st.booleans())
def test_first_paragraph(body: str, sanitise: bool) -> None:
    if sanitise:
        body = sanitize.sanitize_html(body, "https://a.example/b/")
    assert extract.first_paragraph(body) == plain_first_paragraph(body)


@settings(max_examples=300, deadline=None)
@given(BODIES, st.sampled_from(["", "the lead", " "]), st.sampled_from([None, "", "<p> </p>"]))
def test_story_text(body: str, lead: str, full: str | None) -> None:
    body = sanitize.clean_text(body)  # as the cache keeps it: no controls but by reference
    assert story_text(body, full, lead) == plain_story_text(body, full, lead)
    assert story_text(full, body, lead) == plain_story_text(full, body, lead)


LINK_PARTS = st.sampled_from([
    ' href="', ' src="', 'href="', "\nsrc=\"", '"', " ", "https://a.example/p", "/rel",
    "http://b.example:8080/q?x=1#f", "x", "&amp;", "javascript:alert(1)", "<a", ">", "\t",
])


@settings(max_examples=400, deadline=None)
@given(st.lists(LINK_PARTS, max_size=12).map("".join))
def test_links_are_absolute_only_when_the_link_pass_changes_nothing(markup: str) -> None:
    try:
        unchanged = sanitize._resolve_links(markup, "https://base.example/dir/") == markup
    except ValueError:  # urlsplit refuses some hosts: then the shortcut must not claim
        unchanged = False
    if sanitize._links_are_absolute(markup):
        assert unchanged


def plain_may_need_base(body: str) -> bool:
    """The name href or src in any ASCII case (not part of a longer name, nor "srcset")
    not followed by `="` or `='` and then http://, https:// or mailto: in any case."""
    return re.search(r"""(?<![\w:-])(?:[Hh][Rr][Ee][Ff]|[Ss][Rr][Cc](?![Ss][Ee][Tt]))"""
                     r"""(?!=["'](?i:https?://|mailto:))""", body) is not None


STORABLE_PARTS = LINK_PARTS | st.sampled_from([
    ' HREF="', " Src='", "'", "srcset=\"/s\"", ' data-src="/d"', 'xlink:href="/x"', "mailto:a",
    "HTTP://UP.example/", "\u0130", "\u0130href='/i'", "<img", "<A", "=", " href=", "K",
    "\u017frc=\"/r\"", "p\u202ehref=\"/c\"",
])


@settings(max_examples=500, deadline=None)
@given(st.lists(STORABLE_PARTS | BODY_PARTS, max_size=14).map("".join),
       st.sampled_from([None, "", "https://a.example/b/c.html"]), st.booleans())
def test_a_body_kept_as_written_shows_the_same_story(body: str, base: str | None,
                                                     known_clean: bool) -> None:
    """The cache keeps a body as the feed wrote it (controls removed) unless a link in it
    needs the feed's address; cleaned when it is drawn, it is the story cleaned at once."""
    if known_clean:
        body = plain_clean_text(body)
    stored = sanitize.storable_html(body, base, clean=known_clean)
    assert sanitize.sanitize_html(stored) == plain_sanitize_html(body, base)
    assert sanitize.is_clean(stored)
    assert stored in (plain_clean_text(body), plain_sanitize_html(body, base))
    # The same answer as the pattern, or True (safe: cleaned now) where lowering "İ" gives
    # a combining dot, no letter, before a word the pattern skips.
    if "\u0130" in body:
        assert sanitize._may_need_base(body) >= plain_may_need_base(body)
    else:
        assert sanitize._may_need_base(body) == plain_may_need_base(body)
    if base and plain_may_need_base(plain_clean_text(body)):  # (the text nh3 would read)
        assert stored == plain_sanitize_html(body, base)


def test_the_rules_on_benchmark_bodies() -> None:
    corpus = Corpus(5)
    for _ in range(200):
        body = corpus.body()
        clean = sanitize.sanitize_html(body, "https://a.example/")
        assert clean == plain_sanitize_html(body, "https://a.example/")
        assert extract.first_paragraph(clean) == plain_first_paragraph(clean)
        assert story_text(clean, "", "") == plain_story_text(clean, "", "")
        # As the cache keeps it: the same lead and the same words to search.
        stored = sanitize.storable_html(body, "https://a.example/")
        assert extract.first_paragraph(stored) == extract.first_paragraph(clean)
        assert story_text(stored, "", "").split() == story_text(clean, "", "").split()


def test_printable_text_holds_nothing_the_cleaners_act_on() -> None:
    """`clean_text`, `clean_line` and the direct road's repair give printable text back at
    once. That holds while no character they remove or rewrite (controls, C1 codes, CR,
    bidi and format codes, surrogates) is printable in this Python's Unicode tables, and
    the space is the only printable whitespace."""
    everything = [chr(code) for code in range(0x110000)]
    acted_on = [c for c in everything if sanitize._CONTROL_OR_CR.match(c)]
    assert len(acted_on) > 2000 and "\x85" in acted_on and "\u202e" in acted_on
    assert [c for c in acted_on if c.isprintable()] == []
    assert [c for c in everything if c.isspace() and c.isprintable()] == [" "]
    for text in ("caf\u00e9 \u6771\u4eac \U0001f600", "a b", "\u00e9"):
        assert sanitize.clean_text(text) is text and sanitize.clean_line(text) is text
    for text in (" a", "a ", "a  b", "a\u00a0b", "a\u3000b", "\u00e9\tb", "\u00e9\x85"):
        assert sanitize.clean_line(text) == " ".join(plain_clean_text(text).split())


def test_sanitising_cleans_what_references_bring_in() -> None:
    """nh3 turns references into characters; the ones `clean_text` removes still go,
    numeric or named, in text and in attributes, while a body without them keeps its
    characters."""
    clean = sanitize.sanitize_html
    assert clean("<p>a&lrm;b&rlm;c&#x202e;d&#27;e&#x85;f&#x9d;</p>") == "<p>abcde\u2026f</p>"
    assert clean('<a title="&#27;[31m&rlm;">x</a>') == '<a title="[31m">x</a>'
    body = "<p>caf\u00e9 &amp; \u6771 &lt;b&gt; \U0001f600&nbsp;</p>"
    assert clean(body) == body
    named = {name for name, chars in html5.items() if sanitize._CONTROL.search(chars)}
    assert named == {"lrm;", "rlm;"}, "sanitize_html's second pass looks for these only"


def test_every_reference_to_a_character_the_cleaners_act_on_is_cleaned_away() -> None:
    """The second pass runs only for the numeric references `CONTROL_REF` finds; every
    reference the HTML parser turns into a character `clean_text` acts on must be one of
    them, in any form it reads (decimal or hex, either case, leading zeros, without ";"),
    in text and in attributes, and numbers past U+10FFFF (which wrap nowhere) stay U+FFFD."""
    forms = ("&#{c};", "&#x{c:x};", "&#X00{c:X}", "&#000{c}")
    for code in range(0x10000):
        for form in forms[:2] if 0x200 <= code < 0x600 or code >= 0x3000 else forms:
            out = sanitize.sanitize_html(f'<p>a{form.format(c=code)}b</p>')
            assert sanitize.is_clean(out), (code, form)
    for code in (0, 27, 0x85, 0x9B, 0x202E, 0xFEFF, 0xD800):
        for form in forms:
            ref = form.format(c=code)
            out = sanitize.sanitize_html(f'<a title="{ref}" href="https://a.example/">{ref}</a>')
            assert sanitize.is_clean(out) and out == plain_sanitize_html(
                f'<a title="{ref}" href="https://a.example/">{ref}</a>'), (code, form)
    for big in (2**32 + 27, 2**64 + 27, 0x110000 + 27):
        for ref in (f"&#{big};", f"&#x{big:x};"):
            assert sanitize.sanitize_html(f"<p>{ref}</p>") == "<p>\ufffd</p>"

