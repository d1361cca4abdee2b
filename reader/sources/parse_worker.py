"""Parsing one feed body where a hostile feed can do no harm: in a worker process.

`parse_body` is the job a worker runs (for a refresh's pool, `reader.refresh.parsing`, and for
a feed *file* here); it never raises, so nothing foreign is pickled back across the process
boundary. `parse_isolated` parses one body in a process of its own, from synchronous code,
under a time and a memory limit: how a suspicious feed file in a local folder is read (the
folder is read from a thread, which nothing could stop).
"""

from __future__ import annotations

from reader.models import ParseResult
from reader.workerpool import MEMORY_LIMIT, ProcessPool, release_heap

PARSE_TIMEOUT = 20.0
# A body this large leaves tens of megabytes of freed heap behind in the worker (a 4 MB
# feed: ~40 MB at its peak), which the C allocator keeps unless asked to give it back.
RELEASE_AFTER = 256 * 1024


class ParseFailed(Exception):
    """The body could not be turned into stories; the message says why in words."""


def parse_body(body: bytes, url: str, content_type: str, rows: bool = True,
               encoding: str = "", cap: int | None = None) -> tuple[bool, ParseResult | str]:
    """Run in a worker: (True, result) or (False, reason). Never raises, so never pickles a
    foreign exception across the process boundary.

    With `rows`, the result carries `rows` (ready for the store) instead of `entries`,
    each item let go once its row is made (`feedentries.collect`).
    After a large body the worker's freed heap goes back to the system (`release_heap`):
    otherwise each worker keeps the peak of the largest feed it ever parsed.
    `encoding`: the body is still under this Content-Encoding, undone here first, at most
    `cap` bytes (the fetch's default when None; `reader.sources.bodydecode`: the refresh
    leaves inflating to the workers)."""
    try:
        if encoding:
            from reader.sources.bodydecode import BODY_CAP, decode_body
            from reader.sources.fetcherrors import FetchError

            try:
                body = decode_body(body, encoding, BODY_CAP if cap is None else cap)
            except FetchError as exc:
                return False, str(exc)
            except MemoryError:
                return False, "the feed is too large to parse"
        return _parse(body, url, content_type, rows)
    finally:
        if len(body) >= RELEASE_AFTER:
            release_heap()


def _parse(body: bytes, url: str, content_type: str,
           rows: bool) -> tuple[bool, ParseResult | str]:
    try:
        from reader.sources.feedfile import NotAFeed, parse_feed
        from reader.store.rows import story_row
    except ImportError as exc:  # pragma: no cover - a broken install
        return False, f"the feed parser is missing ({exc})"
    try:
        # With rows, the writer's per-story Python work is done here, on another core.
        result = parse_feed(body, url=url, content_type=content_type,
                            row=story_row if rows else None)
        return True, result
    except NotAFeed as exc:
        return False, str(exc)
    except MemoryError:
        return False, "the feed is too large to parse"
    except RecursionError:
        return False, "the feed is nested too deeply to parse"
    except Exception as exc:  # a parser bug must fail one feed, not the refresh
        return False, f"could not read the feed ({type(exc).__name__}: {exc})"


def parse_isolated(body: bytes, url: str = "", content_type: str = "", *,
                   timeout: float = PARSE_TIMEOUT,
                   memory_limit: int = MEMORY_LIMIT) -> ParseResult:
    """Parse one body in a process of its own, under the pool's time and memory limits, from
    synchronous code: how a suspicious feed *file* is read (a local folder is re-read from a
    thread, which nothing could stop). Starting the process costs ~0.2 s, so only bodies
    that `feedfile.needs_isolation` flags come here. Raises ParseFailed."""
    from concurrent.futures import TimeoutError as FutureTimeout
    from concurrent.futures.process import BrokenProcessPool

    pool = ProcessPool(1, memory_limit=memory_limit)
    try:
        executor = pool.executor()
        ok, value = executor.submit(parse_body, body, url, content_type, False).result(timeout)
    except FutureTimeout:
        pool.discard(executor, kill=True)
        raise ParseFailed(f"parsing took longer than {timeout:g} s; it was skipped") from None
    except BrokenProcessPool:
        raise ParseFailed("the feed parser crashed on this feed") from None
    except Exception as exc:  # noqa: BLE001 - e.g. MemoryError while sending the result
        raise ParseFailed(worker_failure(exc)) from None
    finally:
        pool.shutdown(wait=False)
    if not ok:
        raise ParseFailed(str(value))
    assert isinstance(value, ParseResult)
    return value


def worker_failure(exc: BaseException) -> str:
    """Words for an error raised around a job rather than in it (out of memory while sending
    the result back): one feed fails, in plain words."""
    if isinstance(exc, MemoryError):
        return "the feed is too large to parse"
    return f"could not read the feed ({type(exc).__name__})"
