"""Subscribing: check a URL by fetching it once, find the feed behind a page, store its stories.

Adding is where a user learns whether a URL works, so every failure is an `AddError` whose
message names the URL and the reason ("not a feed: the page at … has no feed links"). Nothing
is stored unless the feed was fetched and parsed: a bad URL never becomes a broken subscription.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from reader.models import Outcome, ParseResult, Source
from reader.refresh.apply import record_result
from reader.refresh.parsing import ParseFailed, Parser
from reader.sources.fetch import Fetcher, FetchResult, fetcher_kwargs
from reader.sources.fetcherrors import FetchError
from reader.store import Store
from reader.workerpool import ProcessPool

Chooser = Callable[[list[tuple[str, str]]], str | None]
T = TypeVar("T")
ALREADY = "already subscribed"  # the one problem of an add that found its feed subscribed


class AddError(Exception):
    """The URL could not be subscribed to; the message says why in plain words."""


def add_feed(store: Store, url: str, *, choose: Chooser | None = None,
             fetcher_options: dict[str, Any] | None = None,
             pool: ProcessPool | None = None) -> tuple[Source, Outcome]:
    """Subscribe to the feed at `url` (or the one a page at `url` links to).

    With several candidates on a page, `choose([(title, url), ...])` picks one (it returns the
    chosen URL; None, or no chooser, means the first). A body that looks hostile is parsed in
    `pool` (None: a process of its own). Raises AddError.
    """
    url = url.strip()
    if "://" not in url and url and not url.startswith("/"):
        url = "https://" + url
    existing = store.source_by_location(url)
    if existing is not None:
        return existing, Outcome(existing.id, existing.label, not_modified=True,
                                 problems=[ALREADY])
    options = fetcher_kwargs(fetcher_options)
    location, result, parsed = run_async(_probe(url, choose, options, pool))
    existing = store.source_by_location(location)
    if existing is not None:
        return existing, Outcome(existing.id, existing.label, not_modified=True,
                                 problems=[ALREADY])
    source = store.add_source("feed", location, parsed.title)
    outcome = record_result(store, source, result, parsed, now=time.time())
    stored = store.get_source(source.id)
    return (stored or source), outcome


async def _probe(url: str, choose: Chooser | None, options: dict[str, Any],
                 pool: ProcessPool | None) -> tuple[str, FetchResult, ParseResult]:
    from reader.sources.discover import find_feed_links
    from reader.sources.feedfile import looks_like_feed

    async with Fetcher(**options) as fetcher, Parser(expected=1, pool=pool) as parser:
        result = await _get(fetcher, url)
        assert result.body is not None
        if looks_like_feed(result.body):
            parsed = await _parse(parser, result, url)
            return result.permanent_url or url, result, parsed
        links = find_feed_links(result.body, result.url, result.content_type)
        if not links:
            # Not a page with links: let the parser say what it is ("got an HTML page" …).
            try:
                parsed = await parser.parse(result.body, result.url, result.content_type)
            except ParseFailed:
                raise AddError(f"not a feed: the page at {url} has no feed links") from None
            return result.permanent_url or url, result, parsed
        chosen = links[0][1]
        if choose is not None and len(links) > 1:
            picked = choose(links)
            if picked:
                if picked not in {u for _, u in links}:
                    raise AddError(f"cannot add {picked}: it is not one of the page's feeds")
                chosen = picked
        feed = await _get(fetcher, chosen)
        parsed = await _parse(parser, feed, chosen)
        return feed.permanent_url or chosen, feed, parsed


async def _get(fetcher: Fetcher, url: str) -> FetchResult:
    try:
        result = await fetcher.fetch(url)
    except FetchError as exc:
        raise AddError(f"cannot add {url}: {exc}") from exc
    if result.gone:
        raise AddError(f"cannot add {url}: the server says it is gone (HTTP 410)")
    if not result.body:
        raise AddError(f"cannot add {url}: the server sent an empty answer "
                       f"(HTTP {result.status})")
    return result


async def _parse(parser: Parser, result: FetchResult, url: str) -> ParseResult:
    assert result.body is not None
    try:
        return await parser.parse(result.body, result.url, result.content_type)
    except ParseFailed as exc:
        reason = str(exc)
        if reason.startswith("not a feed"):
            raise AddError(f"{reason} ({url})") from None
        raise AddError(f"cannot add {url}: {reason}") from None


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion on a fresh loop in a helper thread.

    Works the same whether the caller is a plain thread, the CLI, or a thread that already
    runs an event loop (where `asyncio.run` would refuse).
    """
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target, name="newsreader-add", daemon=True)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]
