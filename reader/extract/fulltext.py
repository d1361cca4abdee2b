"""Whole articles for offline reading: fetch the page a story links to, extract it, keep it.

Many feeds carry only a summary. A reader on a train wants the article, and wants it without
the network, so the extracted page is stored with the story (`Store.set_full_article`) when
the user asks (`f`, or a source in "open" mode) or on refresh (a source in "refresh" mode).
Which stories, and when, is the service's to decide (`reader.service.fulltext`); this module
is the how.

How, and why:

* Pages come through the feeds' `Fetcher` (one total deadline, a size cap, bounded
  decompression, every redirect checked to stay http(s)). Only http(s) links are fetched,
  and only the page: images in the article stay links, nothing else is downloaded.
* Extraction (`reader.extract.extract_article`, 10-25 ms a page) is CPU work, so it never
  runs on the event loop: a thread for up to 16 pages, a process pool beyond, so that a
  refresh that keeps a hundred articles does not hold the GIL the UI draws with (the
  program's one pool when the caller passes it, the one feed parsing uses). The story's own
  title and summary go with the page: they pick the right story on ambiguous pages.
* `fetch_full_articles` is synchronous, like `reader.refresh.refresh`: the UI calls it from a
  thread worker, the CLI directly. Fetching runs on an event loop in a helper thread; the
  calling thread writes each result to the store and reports progress, in order of arrival.
* A failure is a plain sentence in `Story.full_error` ("HTTP 404 (https://…)"); the store
  never lets an error erase an article fetched before, so a story once fetched reads in full.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from reader.extract import Article, extract_article, html_to_text
from reader.loopthread import DONE, Crashed, LoopThread
from reader.models import Story
from reader.sanitize import clean_line, is_safe_url
from reader.sources.fetch import Fetcher, fetcher_kwargs
from reader.sources.fetcherrors import FetchError
from reader.workerpool import START_FAILURES, ProcessPool

if TYPE_CHECKING:
    from reader.store import Store

__all__ = ["FullTextError", "fetch_full_article", "fetch_full_articles", "extract_page"]

# Up to this many pages are extracted in one thread; more go to a process pool. On 2 cores the
# pool is no faster (56 pages: 1.3-2.9 s in a thread, 1.0-3.6 s in a pool counting its ~1 s
# start, on a loaded machine); it is there to keep a big batch off the UI process's GIL and
# to be able to kill a runaway page.
HANDFUL = 16
EXTRACT_TIMEOUT = 20.0
MIN_WORDS = 20  # less than this is not an article worth keeping over the summary
# Politer than feed refresh: pages are bigger and usually all on the feed's own host.
PAGE_FETCHER = {"max_connections": 8, "per_host": 2, "deadline": 30.0, "max_body": 5 * 2**20}
_HTML_TYPES = {"text/html", "application/xhtml+xml"}
_SNIFFABLE = {"", "text/plain", "application/octet-stream", "binary/octet-stream"}
_HTML_START = (b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<title", b"<p")

Progress = Callable[[int, str, int, int], None]


class FullTextError(Exception):
    """Why a story's page gave no article, in plain words naming the link."""


def extract_page(body: bytes, url: str, title: str, summary: str) -> tuple[bool, Article | str]:
    """(True, article) or (False, reason). Runs in a worker: never raises, so nothing
    foreign has to cross a process boundary."""
    try:
        article = extract_article(body, url=url, title_hint=title, summary_hint=summary,
                                  summary_as_body=False)
    except Exception as exc:  # noqa: BLE001 - extraction promises not to raise; be sure
        return False, f"the page could not be read ({type(exc).__name__})"
    if len(html_to_text(article.body_html).split()) < MIN_WORDS:  # a menu, a login wall
        return False, "no article text found on the page"
    return True, article


async def fetch_full_article(fetcher: Fetcher, story: Story) -> Article:
    """Fetch `story.link` and extract its article (in a thread). Raises FullTextError."""
    body, url = await _download(fetcher, story)
    try:
        ok, value = await asyncio.wait_for(
            asyncio.to_thread(extract_page, body, url, story.title, _summary(story)),
            EXTRACT_TIMEOUT)
    except TimeoutError:
        raise FullTextError(_failed(f"reading the page took longer than "
                                    f"{EXTRACT_TIMEOUT:g} s", url)) from None
    if not ok:
        raise FullTextError(_failed(str(value), url))
    assert isinstance(value, Article)
    return value


def fetch_full_articles(store: Store, story_ids: Sequence[int], *,
                        progress: Progress | None = None,
                        fetcher_options: dict[str, Any] | None = None,
                        processes: bool | None = None,
                        cancel: threading.Event | None = None,
                        pool: ProcessPool | None = None) -> list[tuple[int, str]]:
    """Fetch, extract and store the full article of each story; (story_id, error or "") each.

    Pages are fetched concurrently (bounded), extracted off the event loop, and stored with
    `store.set_full_article` on the calling thread, which also calls
    `progress(story_id, error, done, total)` after each story. `processes` forces (True) or
    forbids (False) the process pool; None decides by the number of stories. Setting `cancel`
    stops early: stories not done yet are left untouched (and reported as "cancelled").
    `pool` is the process pool to extract in (None: one started for this call, if needed).
    """
    ids = list(dict.fromkeys(story_ids))
    errors: dict[int, str] = {}
    total, done = len(ids), 0

    def finish(story_id: int, html: str, error: str, *, store_it: bool = True) -> None:
        nonlocal done
        if store_it:
            store.set_full_article(story_id, html, error)
        errors[story_id] = error
        done += 1
        if progress is not None:
            progress(story_id, error, done, total)

    stories: list[Story] = []
    for story_id in ids:
        story = store.story(story_id)
        if story is None:
            finish(story_id, "", "the story is no longer in the cache", store_it=False)
        elif not is_safe_url(story.link):
            finish(story_id, "", _no_link(story.link))
        else:
            stories.append(story)
    if stories:
        options = {**PAGE_FETCHER, **fetcher_kwargs(fetcher_options)}
        pooled = len(stories) > HANDFUL if processes is None else processes
        runner = _Runner(stories, options, pooled, pool)
        with contextlib.closing(runner.results(cancel)) as results:
            for story_id, html, error in results:
                finish(story_id, html, error)
    for story_id in ids:
        if story_id not in errors:
            errors[story_id] = "cancelled"
    return [(story_id, errors[story_id]) for story_id in ids]


# -- fetching ----------------------------------------------------------------------------------

async def _download(fetcher: Fetcher, story: Story) -> tuple[bytes, str]:
    """The page's bytes and final URL, or FullTextError."""
    link = story.link.strip()
    if not is_safe_url(link):
        raise FullTextError(_no_link(link))
    try:
        result = await fetcher.fetch(link)
    except FetchError as exc:
        raise FullTextError(_failed(str(exc), link)) from None
    if result.gone:
        raise FullTextError(_failed("the page is gone: HTTP 410", link))
    body = result.body or b""
    if not body.strip():
        raise FullTextError(_failed("the page is empty", link))
    kind = result.content_type.split(";")[0].strip().lower()
    if kind not in _HTML_TYPES and not (kind in _SNIFFABLE and _looks_like_html(body)):
        raise FullTextError(_failed(f"not a web page: {kind or 'unknown type'}", link))
    return body, result.url or link


def _looks_like_html(body: bytes) -> bool:
    start = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith(_HTML_START) or b"<html" in start


def _summary(story: Story) -> str:
    return story.lead or html_to_text(story.body_html[:4000])


def _no_link(link: str) -> str:
    return "no web link to fetch" if not link.strip() else \
        f"not an http(s) link: {clean_line(link)[:80]}"


def _failed(reason: str, url: str) -> str:
    url = clean_line(url)
    return f"{reason} ({url if len(url) <= 100 else url[:99] + '…'})"


# -- the pipeline: a loop thread that fetches and extracts, the caller's thread that stores ----

_Done = tuple[int, str, str]  # story id, article HTML, error


class _Runner:
    def __init__(self, stories: list[Story], options: dict[str, Any], pooled: bool,
                 pool: ProcessPool | None) -> None:
        self.stories = stories
        self.options = options
        self.pooled = pooled
        self.pool = pool
        self._runner = LoopThread(self._main, "newsreader-fulltext")
        self.out = self._runner.out

    def results(self, cancel: threading.Event | None) -> Generator[_Done, None, None]:
        """Yield (story_id, html, error) as they finish, on the calling thread."""
        self._runner.start()
        try:
            while True:
                try:
                    item = self.out.get(timeout=0.1 if cancel is not None else None)
                except queue.Empty:
                    if cancel is not None and cancel.is_set():
                        break
                    continue
                if item is DONE:
                    break
                if isinstance(item, Crashed):
                    raise item.exc
                yield item
        finally:
            self._runner.stop()

    async def _main(self) -> None:
        extractor = _Extractor(self.pooled, self.pool)
        # A page is downloaded only when it can soon be extracted: memory stays bounded by
        # this many bodies, not by the number of stories.
        tickets = asyncio.Semaphore(self.options["max_connections"] + extractor.workers)
        try:
            async with Fetcher(**self.options) as fetcher:
                await asyncio.gather(*(self._one(fetcher, extractor, tickets, story)
                                       for story in self.stories))
        finally:
            await asyncio.to_thread(extractor.close)

    async def _one(self, fetcher: Fetcher, extractor: _Extractor, tickets: asyncio.Semaphore,
                   story: Story) -> None:
        async with tickets:
            try:
                body, url = await _download(fetcher, story)
                ok, value = await extractor.extract(body, url, story.title, _summary(story))
            except FullTextError as exc:
                self.out.put((story.id, "", str(exc)))
                return
            if ok and isinstance(value, Article):
                self.out.put((story.id, value.body_html, ""))
            else:
                self.out.put((story.id, "", _failed(str(value), url)))


class _Extractor:
    """extract_page in a thread, or in a process pool (the one given, else its own)."""

    def __init__(self, pooled: bool, pool: ProcessPool | None) -> None:
        self.pooled = pooled
        self._own_pool = pool is None
        self.pool = pool if pool is not None else ProcessPool(preload=_PRELOAD)
        self.workers = self.pool.workers if pooled else 1
        self._threads = ThreadPoolExecutor(max_workers=1, thread_name_prefix="extract")
        self._held = pooled  # the pool, until `close`
        if pooled:
            self.pool.hold()

    async def extract(self, body: bytes, url: str, title: str,
                      summary: str) -> tuple[bool, Article | str]:
        from concurrent.futures.process import BrokenProcessPool

        for attempt in (1, 2):
            executor: Executor = await self._executor()
            future = asyncio.get_running_loop().run_in_executor(
                executor, extract_page, body, url, title, summary)
            try:
                return await asyncio.wait_for(future, EXTRACT_TIMEOUT)
            except TimeoutError:
                self._abandon(executor)
                return False, f"reading the page took longer than {EXTRACT_TIMEOUT:g} s"
            except BrokenProcessPool:  # a worker died (memory limit): all in flight retry
                self._abandon(executor)
                if attempt == 2:
                    return False, "the page could not be read (the extractor crashed)"
        raise AssertionError("unreachable")  # pragma: no cover

    async def _executor(self) -> Executor:
        if self.pooled:
            try:
                return await self.pool.get()
            except START_FAILURES:  # no processes here: the pages go to the thread,
                self.pooled = False  # as a few do
        return self._threads

    def _abandon(self, executor: Executor) -> None:
        if executor is self._threads:  # a thread cannot be stopped: leave it behind
            self._threads = ThreadPoolExecutor(max_workers=1, thread_name_prefix="extract")
            executor.shutdown(wait=False, cancel_futures=True)
            return
        self.pool.discard(executor, kill=True)  # type: ignore[arg-type]

    def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)
        if self._held:
            self._held = False
            self.pool.release()
        if self._own_pool:
            self.pool.shutdown()


# What a pool of extraction's own loads before its first page (trafilatura costs ~0.3 s).
_PRELOAD = ("reader.extract.fulltext", "trafilatura")
