"""The Rich styles of a rendered article, in one place.

The renderer is data-layer code and cannot see the Textual theme, so it only uses attributes
that read well on dark and light backgrounds (bold, italic, dim, underline, reverse) and two
of the sixteen ANSI colours, which every terminal theme remaps to something legible. Change
the look here, not in the converter.
"""

from __future__ import annotations

from rich.style import Style

HEADLINE = Style(bold=True)
META = Style(dim=True)
HEADER_LINK = Style(underline=True)
LINKS_TITLE = Style(bold=True)

H1 = Style(bold=True, underline=True)
H2 = Style(bold=True, underline=True)
HEADING = Style(bold=True)

EM = Style(italic=True)
STRONG = Style(bold=True)
UNDERLINE = Style(underline=True)
STRIKE = Style(strike=True)
MARK = Style(reverse=True)
CODE = Style(color="cyan")

LINK = Style(underline=True)
LINK_MARKER = Style(color="blue", bold=True)
IMAGE = Style(italic=True, dim=True)

QUOTE = Style(italic=True, dim=True)
QUOTE_BAR = Style(dim=True)
CAPTION = Style(italic=True)
RULE = Style(dim=True)
TERM = Style(bold=True)

TABLE_HEAD = Style(bold=True)
TABLE_RULE = Style(dim=True)

# Inline elements and the style their content takes. Headings are here too: they are blocks
# for layout, but their text is styled like any inline run.
TAG_STYLES: dict[str, Style] = {
    "em": EM, "i": EM, "cite": EM, "dfn": EM, "var": EM,
    "strong": STRONG, "b": STRONG,
    "u": UNDERLINE, "ins": UNDERLINE,
    "s": STRIKE, "del": STRIKE, "strike": STRIKE,
    "mark": MARK,
    "code": CODE, "kbd": CODE, "samp": CODE, "tt": CODE, "pre": CODE,
    "h1": H1, "h2": H2, "h3": HEADING, "h4": HEADING, "h5": HEADING, "h6": HEADING,
    "blockquote": QUOTE,
    "figcaption": CAPTION, "caption": CAPTION,
    "dt": TERM, "th": TABLE_HEAD,
}
