"""Reading a feed document by every road and comparing the answers (test_directfeed,
test_feedrepair): `direct` asserts that the fast roads give what feedparser gives, and
`repaired_agrees` what a repaired document must give."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from reader.models import ParseResult
from reader.sources import directfeed, feedrepair
from reader.sources.feedfile import NotAFeed, parse_feed
from reader.store import rows
from tests.helpers.feed_cases import URL


def _none(*args: Any, **kwargs: Any) -> None:
    return None


def spy(real: Callable[..., Any], seen: list[bool]) -> Callable[..., Any]:
    """`real`, noting in `seen` whether each call found something (not None)."""
    def spying(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        seen.append(found is not None)
        return found
    return spying


def outcome(data: bytes, url: str, content_type: str,
            as_rows: bool = False) -> ParseResult | tuple[str, str]:
    try:
        return parse_feed(data, url=url, content_type=content_type,
                          row=rows.story_row if as_rows else None)
    except NotAFeed as exc:
        return ("not a feed", str(exc))


def rows_of(result: ParseResult | tuple[str, str]) -> ParseResult | tuple[str, str]:
    """What `parse_feed(row=story_row)` must give for a document that gives `result`."""
    if isinstance(result, tuple):
        return result
    return replace(result, entries=[], rows=list(rows.story_rows(result.entries)))


def direct(data: bytes, url: str = URL, content_type: str = "") -> bool:
    """Assert that parse_feed gives the same result with and without the fast roads, and the
    same rows when asked for rows (made as the entries are read); return True when the
    direct road read the document, False when it declined. A document read once `feedrepair`
    has rewritten it is checked by `repaired_agrees` instead, and gives False (the road
    declined the document as it came)."""
    taken: list[bool] = []
    repaired: list[bool] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(directfeed, "parse", spy(directfeed.parse, taken))
        patch.setattr(feedrepair, "read_repaired", spy(feedrepair.read_repaired, repaired))
        fast = outcome(data, url, content_type)
        first, first_repaired = list(taken), list(repaired)
        fast_rows = outcome(data, url, content_type, as_rows=True)
        assert taken == first * 2 and repaired == first_repaired * 2  # the same road
        if first_repaired == [True]:
            repaired_agrees(data, url, content_type, fast, fast_rows)
            return False
        patch.setattr(directfeed, "parse", _none)
        slow = outcome(data, url, content_type)
        slow_rows = outcome(data, url, content_type, as_rows=True)
    assert fast == slow
    assert fast_rows == slow_rows == rows_of(slow)
    return taken[:1] == [True]


# What feedparser's lenient parser does to a bare "&name" (it adds a ";": "AT&T" becomes
# "AT&T;", in HTML "AT&amp;T;"), undone on both sides when the repair road is compared with
# it; any other difference fails. The repair road's own answer for such text is pinned in
# test_feedrepair.
_LENIENT_SEMICOLON = re.compile(r"&([A-Za-z][-.A-Za-z0-9]*);")


def without_lenient_semicolons(result: ParseResult | tuple[str, str]) -> Any:
    if isinstance(result, tuple):
        return result

    def plain(text: str) -> str:  # (in HTML, the "&" is escaped: "AT&amp;T;")
        return _LENIENT_SEMICOLON.sub(r"&\1", text.replace("&amp;", "&"))

    # The lead is the body's text made by the same code: its ";" is compared in the body.
    entries = [replace(e, title=plain(e.title), body_html=plain(e.body_html), lead="",
                       author=plain(e.author), link=plain(e.link), key=plain(e.key))
               for e in result.entries]
    return replace(result, title=plain(result.title), entries=entries)


def repaired_agrees(data: bytes, url: str, content_type: str,
                    fast: ParseResult | tuple[str, str],
                    fast_rows: ParseResult | tuple[str, str]) -> None:
    """Assert that the repair road's result (`fast`, and `fast_rows` as rows) is feedparser's
    reading of the repaired document, and feedparser's lenient reading of the original but
    for the documented differences (`without_lenient_semicolons`)."""
    fixed = feedrepair.repair(data, content_type)
    assert fixed is not None
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(directfeed, "parse", _none)
        strict = outcome(fixed, url, content_type)
        lenient = outcome(data, url, content_type)
    assert fast == strict
    assert fast_rows == rows_of(fast)
    assert without_lenient_semicolons(fast) == without_lenient_semicolons(lenient)


