"""Make untrusted text safe to store and to show.

Everything a feed, a page or a file says is written by strangers and ends up in the reader's
terminal. Two rules follow:

* `clean_text` removes what a terminal would act on: C0 controls (but tab and newline), DEL,
  C1 controls (0x80-0x9F, U+009B is a one-byte CSI), bidi overrides and isolates, and lone
  surrogates. It runs when a story is stored and again when it is rendered.
* `sanitize_html` keeps only the small set of elements and attributes the article renderer
  knows, using nh3 (Rust's ammonia): scripts, styles, iframes, forms and event handlers are
  dropped, and links keep only http(s) and mailto. The renderer runs it on every body it
  draws; a feed's body is stored as the feed wrote it (`storable_html`: without controls,
  and cleaned at once only when a relative link needs the feed's address).

Textual markup is never a concern here: the UI never parses untrusted text as markup.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

if TYPE_CHECKING:
    import nh3

# C0 except \t and \n, DEL, C1, bidi embeddings/overrides/isolates, lone surrogates, and the
# BOM/ZWNBSP that editors leave at the start of files.
_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"
    "\ufeff\ud800-\udfff]"
)
_CR = re.compile("\r\n?")
_CONTROL_OR_CR = re.compile("[\r" + _CONTROL.pattern[1:])

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
DROP_WITH_CONTENT = frozenset({"script", "style", "template", "noscript", "iframe", "object",
                               "embed", "svg", "math", "form", "button", "select", "textarea",
                               "head", "title"})


def any_case(word: str) -> str:
    """A pattern for `word` in either case of ASCII letters ("h1" -> "[Hh]1")."""
    return "".join(f"[{c.upper()}{c}]" if c.isalpha() else c for c in word)


# The same elements for the readers of a body kept as the feed wrote it (`storable_html`):
# the lead (`reader.extract`) and the search index leave out what the reader never sees.
# Sources, compiled where they are used. DROPPED_ELEMENT (re.S | re.I) is one such element
# with its content; DROPPED_GATE is how every match of it, or a comment, begins (in either
# ASCII case: re.I would defeat the engine's quick scan for the "<").
DROPPED_ELEMENT = rf"<({'|'.join(sorted(DROP_WITH_CONTENT))})\b.*?</\1\s*>"
DROPPED_GATE = "<(?:" + "|".join(map(any_case, sorted(DROP_WITH_CONTENT))) + "|!--)"


# Every C0 control but tab and newline, and DEL: what `clean_text` removes (or, for CR,
# rewrites) in ASCII text. ASCII text without them is clean as it is.
_ASCII_CONTROLS = bytes([*range(0, 9), *range(11, 32), 127])


def clean_text(text: str) -> str:
    """Strip terminal-active characters; normalise line ends to "\\n". Keeps tab and newline."""
    if not text or is_clean(text):
        return text
    return _CONTROL.sub("", _CR.sub("\n", text))


def is_clean(text: str) -> bool:
    """True when `clean_text` gives `text` back as it is.

    Every stored field and body passes here, most of them clean, so they are recognised in
    one quick pass: `str.isprintable` (a one-line field: every character `clean_text` acts
    on is a control, format or surrogate code, none printable), else for ASCII a C-speed
    byte count, else one regex search."""
    if text.isprintable():
        return True
    if text.isascii():
        raw = text.encode("ascii")
        return len(raw.translate(None, _ASCII_CONTROLS)) == len(raw)
    return _CONTROL_OR_CR.search(text) is None


def clean_line(text: str) -> str:
    """`clean_text` for one-line fields (titles, authors): whitespace runs become one space.

    Most fields are clean already (a stored title passes here more than once), and for
    printable text the only whitespace is the space, so it is returned as it is when no
    space leads, trails or doubles."""
    if text.isprintable() and not (text[:1] == " " or text[-1:] == " " or "  " in text):
        return text
    return " ".join(clean_text(text).split())


_CLEANER: nh3.Cleaner | None = None


def sanitize_html(html: str, base_url: str | None = None, *, clean: bool = False) -> str:
    """Reduce untrusted HTML to the safe subset the renderer draws.

    Relative links are resolved against `base_url` when one is given, so a stored story keeps
    working links after it leaves its page. The nh3 Cleaner is built once (building it costs
    more than cleaning a short body), and the link pass is skipped when it would change
    nothing. `clean` says that `is_clean(html)` is known true (the direct road finds it
    as it repairs a feed's body): the first pass is then skipped, ~10 µs a 3 KB body.
    """
    global _CLEANER
    if not html:
        return ""
    if _CLEANER is None:
        # Imported with the first body to clean: the app's start and a refresh of unchanged
        # feeds clean lines, never HTML.
        import nh3

        _CLEANER = nh3.Cleaner(
            tags=ALLOWED_TAGS, clean_content_tags=DROP_WITH_CONTENT,
            attributes=ALLOWED_ATTRIBUTES, url_schemes=SAFE_SCHEMES, link_rel=None,
            strip_comments=True)
    # Cleaned before and after: nh3 turns character references such as "&#27;" into the
    # characters themselves, so a body could otherwise smuggle an ESC into the cache. Only
    # a reference to such a character (`CONTROL_REF`) can put one in clean text; a body
    # without one (with "&#8220;" or "&#x2014;", as many have) skips the second pass.
    if not clean:
        html = clean_text(html)
    cleaned = _CLEANER.clean(html)
    if CONTROL_REF.search(html) is not None:
        cleaned = clean_text(cleaned)
    if base_url and not _links_are_absolute(cleaned):
        cleaned = _resolve_links(cleaned, base_url)
    return cleaned


def storable_html(html: str, base_url: str | None = None, *, clean: bool = False) -> str:
    """A feed's story HTML as the cache keeps it: without terminal controls (`clean_text`),
    and reduced by `sanitize_html` only when that cannot wait until the story is shown.

    Why: nh3 is ~0.5 s of the ~4 s of CPU a cold refresh of 200 feeds takes, most stories
    are never opened, and the renderer cleans every body it draws (`reader.render`), as
    newsboat formats a feed's HTML when it shows it. So a body is kept as the feed wrote
    it, unless it may hold a link that only the feed's address (`base_url`, known now and
    not stored) can make absolute: then it is cleaned and its links resolved now, as every
    body was before. Either way the reader sees the same story."""
    if not html:
        return ""
    text = html if clean else clean_text(html)
    if base_url and _may_need_base(text):
        return sanitize_html(text, base_url, clean=True)
    return text


def _may_need_base(html: str) -> bool:
    """True unless every `href` and `src` attribute (in any ASCII case: nh3 keeps only
    `a href` and `img src`) has a quoted value with a scheme, which resolving leaves as it
    is. Conservative: the words also count in text and in attributes nh3 drops.

    A word counts unless it is part of a longer name ("data-src", "xlink:href", "srcset":
    an attribute's name follows a space, "/" or a quote). The body is lowered once and
    searched with `str.find`, ~9 µs a 2 KB body; one case-blind pattern took 30-40 µs,
    as long as nh3 itself. Lowering can only make it say True more often: the characters
    outside ASCII that lower to ASCII letters are "İ" (to "i" and a combining dot, which
    is no letter: a word right after it counts) and the Kelvin sign (to "k", in no word or
    value searched for), and no other character lowers to a letter, digit or "_:-" that it
    was not."""
    low = html.lower()
    for word in ("href", "src"):
        at = low.find(word)
        while at >= 0:
            end = at + len(word)
            longer = at > 0 and (low[at - 1].isalnum() or low[at - 1] in "_:-") or (
                word == "src" and low.startswith("set", end))
            if not longer and not low.startswith(_SCHEMED_VALUE, end):
                return True
            at = low.find(word, end)
    return False


_SCHEMED_VALUE = ('="http://', '="https://', '="mailto:', "='http://", "='https://",
                  "='mailto:")

# A character reference that an HTML parser may turn into a character `clean_text` acts
# on: "&lrm;" and "&rlm;" (the only such names), or a numeric one of C0 and C1 codes, DEL
# and CR (below 160; the parser maps most C1 codes to windows-1252's characters, all taken
# here all the same), U+061C, U+200E/F, U+202A-E, U+2066-9 and U+FEFF, with or without
# leading zeros or the ";" (both are read). 0, a surrogate and a number past U+10FFFF
# become U+FFFD. One search: three plain `in` tests before it cost twice as much.
CONTROL_REF = re.compile(
    r"&(?:lrm;|rlm;|#(?:0*(?:[0-9]{1,2}|1[0-5][0-9]|1564|820[67]|823[4-8]|829[4-7]|65279)"
    r"(?![0-9])|[xX]0*(?:[0-9a-fA-F]{1,2}|61[cC]|200[eEfF]|202[a-eA-E]|206[6-9]"
    r"|[fF][eE][fF][fF])(?![0-9a-fA-F])))")

_HREF = re.compile(r'(\s(?:href|src)=")([^"]*)(")')


def _resolve_links(html: str, base_url: str) -> str:
    def fix(match: re.Match[str]) -> str:
        url = match.group(2)
        if urlsplit(url).scheme:
            return match.group(0)
        resolved = urljoin(base_url, url.replace("&amp;", "&")).replace("&", "&amp;")
        if urlsplit(resolved).scheme not in SAFE_SCHEMES:
            return match.group(1) + match.group(3)
        return match.group(1) + resolved + match.group(3)

    return _HREF.sub(fix, html)


def _links_are_absolute(html: str) -> bool:
    """True when the link pass would change nothing: every `href="` and `src="` (its
    matches are among them) holds an absolute http(s) URL that it leaves as it is."""
    for needle in ('href="', 'src="'):
        found = html.find(needle)
        while found >= 0:
            start = found + len(needle)
            end = html.find('"', start)
            if end < 0:
                break  # no closing quote: no match from here on
            if not PLAIN_URL.match(html, start, end):
                return False
            found = html.find(needle, end)
    return True


# An absolute http(s) URL that `urljoin` gives back unchanged whatever the base: no ";"
# (params), no empty "?" or "#", nothing `urlsplit` strips or rejects.
_URL_CHARS = r"A-Za-z0-9._~!$&'()*+,=:@%/-"
PLAIN_URL = re.compile(rf"https?://[A-Za-z0-9.-]+(?::[0-9]{{1,5}})?(?:/[{_URL_CHARS}]*)?"
                       rf"(?:\?[{_URL_CHARS}?]+)?(?:#[{_URL_CHARS}?]+)?\Z")


def is_safe_url(url: str, schemes: frozenset[str] = frozenset({"http", "https"})) -> bool:
    """True when `url` may be handed to a browser (http/https by default, nothing local)."""
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
