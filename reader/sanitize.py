"""Make untrusted text safe to store and to show.

Everything a feed, a page or a file says is written by strangers and ends up in the reader's
terminal. Two rules follow:

* `clean_text` removes what a terminal would act on: C0 controls (but tab and newline), DEL,
  C1 controls (0x80-0x9F, U+009B is a one-byte CSI), bidi overrides and isolates, and lone
  surrogates. It runs when a story is stored and again when it is rendered.
* `sanitize_html` keeps only the small set of elements and attributes the article renderer
  knows, using nh3 (Rust's ammonia): scripts, styles, iframes, forms and event handlers are
  dropped, and links keep only http(s) and mailto.

Textual markup is never a concern here: the UI never parses untrusted text as markup.
"""

from __future__ import annotations

import re

import nh3

# C0 except \t and \n, DEL, C1, bidi embeddings/overrides/isolates, lone surrogates, and the
# BOM/ZWNBSP that editors leave at the start of files.
_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"
    "\ufeff\ud800-\udfff]"
)
_CR = re.compile("\r\n?")

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "dfn", "div",
    "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i",
    "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span",
    "strike", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time",
    "tr", "u", "ul", "var",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "ol": {"start"},
    "time": {"datetime"},
}
SAFE_SCHEMES = {"http", "https", "mailto"}
# Elements whose *content* goes too (nh3 otherwise keeps the text of dropped tags).
_DROP_WITH_CONTENT = {"script", "style", "template", "noscript", "iframe", "object", "embed",
                      "svg", "math", "form", "button", "select", "textarea", "head", "title"}


def clean_text(text: str) -> str:
    """Strip terminal-active characters; normalise line ends to "\\n". Keeps tab and newline."""
    if not text:
        return ""
    return _CONTROL.sub("", _CR.sub("\n", text))


def clean_line(text: str) -> str:
    """`clean_text` for one-line fields (titles, authors): whitespace runs become one space."""
    return " ".join(clean_text(text).split())


def sanitize_html(html: str, base_url: str | None = None) -> str:
    """Reduce untrusted HTML to the safe subset the renderer draws.

    Relative links are resolved against `base_url` when one is given, so a stored story keeps
    working links after it leaves its page.
    """
    if not html:
        return ""
    # Cleaned before and after: nh3 turns character references such as "&#27;" into the
    # characters themselves, so a body could otherwise smuggle an ESC into the cache.
    cleaned = nh3.clean(
        clean_text(html),
        tags=ALLOWED_TAGS,
        clean_content_tags=_DROP_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=SAFE_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )
    cleaned = clean_text(cleaned)
    if base_url:
        cleaned = _resolve_links(cleaned, base_url)
    return cleaned


_HREF = re.compile(r'(\s(?:href|src)=")([^"]*)(")')


def _resolve_links(html: str, base_url: str) -> str:
    from urllib.parse import urljoin, urlsplit

    def fix(match: re.Match[str]) -> str:
        url = match.group(2)
        if urlsplit(url).scheme:
            return match.group(0)
        resolved = urljoin(base_url, url.replace("&amp;", "&")).replace("&", "&amp;")
        if urlsplit(resolved).scheme not in SAFE_SCHEMES:
            return match.group(1) + match.group(3)
        return match.group(1) + resolved + match.group(3)

    return _HREF.sub(fix, html)


def is_safe_url(url: str, schemes: frozenset[str] = frozenset({"http", "https"})) -> bool:
    """True when `url` may be handed to a browser (http/https by default, nothing local)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in schemes and bool(parts.netloc or parts.scheme == "mailto")


def clip_teaser(text: str, limit: int = 100) -> str:
    """The first ~`limit` characters of a lead, cut at a word boundary, ending with "…".

    Text that already ends with an ellipsis (the teasers of a saved news page) keeps it; a
    lead shorter than the limit is not clipped and gets no ellipsis unless it had one.
    """
    text = clean_line(text)
    if text.endswith("..."):
        text = text[:-3].rstrip() + "…"
    if len(text) <= limit:
        return text
    cut = text[: limit + 1]
    space = cut.rfind(" ")
    cut = cut[:space] if space > limit // 2 else cut[:limit]
    return cut.rstrip(" ,;:.-–—") + "…"
