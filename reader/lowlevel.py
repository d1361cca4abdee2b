"""What we use of other packages' private API, in one place.

A name with a leading underscore, or an undocumented module of a package, can change in any
release. Each one used anywhere in newsreader is fetched here, by `_private`, with the reason
it earns its place; an upgrade that removes one fails at import with a message that names it
and says what it was for, and tests/test_lowlevel.py checks that each still behaves the way
we rely on. Where a public or standard-library function gives the same result, that is used
instead (links are joined with `urllib.parse.urljoin`, the windows-1252 table comes from the
`cp1252` codec, the usual date shapes are computed in `reader.sources.feeddates`).

This module is part of the data layer: it never imports Textual, nor Rich at module level.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import cache
from typing import Any


class PrivateAPIMissing(ImportError):
    """A package no longer has a private name newsreader relies on."""


def _private(module: str, path: str, use: str) -> Any:
    """`module.path` (a dotted attribute path), or PrivateAPIMissing saying what it was for."""
    try:
        found: Any = importlib.import_module(module)
        for part in path.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError) as exc:
        raise PrivateAPIMissing(
            f"{module}.{path} is gone ({exc}); reader/lowlevel.py uses it {use}. "
            "Pin the previous version of the package or replace the use.") from None
    return found


# -- feedparser --------------------------------------------------------------------------------
# The direct road (reader.sources.directfeed) must give exactly the stories feedparser would;
# these are feedparser's own rules, which a copy would let drift apart on an upgrade.

#: feedparser's date chain (a dozen formats and languages), for the dates that are not in
#: the two shapes `reader.sources.feeddates` computes itself.
feedparser_date: Callable[[str], Any] = _private(
    "feedparser.datetimes", "_parse_date", "for dates in unusual shapes")
#: The namespace URI -> prefix table by which feedparser names elements ("dc:creator").
feedparser_namespaces: dict[str, str] = _private(
    "feedparser.mixin", "_FeedParserMixin.namespaces", "to name elements as feedparser does")
#: Whether feedparser reads an RSS text construct declared plain text as HTML.
looks_like_html: Callable[[str], bool] = _private(
    "feedparser.mixin", "_FeedParserMixin.looks_like_html", "to type RSS text as feedparser")
#: The base URL feedparser settles on (with its list of acceptable schemes).
make_safe_absolute_uri: Callable[..., str] = _private(
    "feedparser.urls", "make_safe_absolute_uri", "to resolve links against feedparser's base")
# How feedparser's `convert_to_utf8` picks an encoding (undocumented module): its
# patterns, its reading of a Content-Type header, and whether chardet would guess.
xml_declaration = _private("feedparser.encodings", "RE_XML_DECLARATION",
                           "to replace the XML declaration as feedparser does")
xml_encoding = _private("feedparser.encodings", "RE_XML_PI_ENCODING",
                        "to read the declared encoding as feedparser does")
parse_content_type: Callable[[str], tuple[str, str]] = _private(
    "feedparser.encodings", "parse_content_type", "to read a charset as feedparser does")


def chardet_available() -> bool:
    """Whether feedparser would ask chardet to guess an encoding (the direct road does not
    reproduce its guesses). Looked up at each call: feedparser sets it at import."""
    return _private("feedparser.encodings", "lazy_chardet_encoding",
                    "to know whether feedparser guesses encodings") is not None


# -- Rich (the UI's) --------------------------------------------------------------------------
# Fetched when first used, never at import: the CLI and the data layer import this module and
# most of them never wrap a line.


def divide_line(text: str, width: int) -> list[int]:
    """Where to break `text` (offsets into it) so each line fits `width` cells, words longer
    than a line folded: Rich's word wrapper, so the article and the teasers break exactly as
    Rich would. Its public road (`Text.wrap`) is 1.7 times slower and gives lines, not the
    offsets the article view keeps per width."""
    return _divide_line()(text, width, fold=True)


@cache
def _divide_line() -> Callable[..., list[int]]:
    return _private("rich._wrap", "divide_line", "to wrap the article and the teasers")


# -- Textual -----------------------------------------------------------------------------------
# None, on purpose: this module is part of the data layer, which may not import Textual.
# The one name the UI would want, `textual.keys._character_to_key` (a typed character -> its
# key name, "?" -> "question_mark"), is computed in `reader.ui.keys` from `unicodedata` and
# textual.keys' public tables; tests/test_lowlevel.py checks it gives Textual's answer for
# every printable ASCII character and a few others, so an upgrade that changes the naming
# fails there.
