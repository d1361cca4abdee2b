"""What a fetch means for the cache: which sources are due, and how each result is recorded.

Kept apart from the event loop on purpose: everything here is plain, synchronous store work,
run by the thread that called `refresh()` (never the event loop, which must keep fetching).
The rules it encodes:

* A failure is recorded on the source (status "error", the reason in words) and touches none
  of its stories or their read/starred state.
* A 304 costs one small update (`last_checked`), no parsing and no story writes.
* 410 marks the source "gone"; it is not fetched again until the user asks.
* A permanent redirect (301/308 all the way) moves the stored URL, unless another subscription
  already has that URL.
* Retry-After and Cache-Control max-age become `not_before`; a source is not due before it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from reader.models import Outcome, ParseResult, Source
from reader.sanitize import clean_line
from reader.sources.fetcherrors import duration
from reader.store import Store

if TYPE_CHECKING:  # not loaded here: a command decides on its pool before the network code
    from reader.sources.fetch import FetchResult

GONE = "gone: the server says this feed was removed (HTTP 410); it is no longer fetched"


def not_before_of(store: Store) -> dict[int, float]:
    """Source id -> not_before, for the sources that have one."""
    return {s.id: s.not_before for s in store.sources() if s.not_before is not None}


def due_sources(store: Store, now: float | None = None) -> list[Source]:
    """Every source a refresh should read now: not gone, not asked to wait, and not one a
    sync server fetches (`newsreader sync` brings its stories)."""
    now = time.time() if now is None else now
    waits = not_before_of(store)
    return [s for s in store.sources() if not s.from_server and (
            s.kind != "feed" or (s.status != "gone" and waits.get(s.id, 0.0) <= now))]


def skipped(store: Store, sources: Sequence[Source],
            now: float) -> tuple[list[Source], list[Outcome]]:
    """Split explicitly chosen sources into the ones to read and outcomes for the others."""
    waits = not_before_of(store)
    keep: list[Source] = []
    outcomes: list[Outcome] = []
    for source in sources:
        wait = waits.get(source.id, 0.0) - now
        if source.from_server:
            outcomes.append(Outcome(source.id, source.label, not_modified=True, problems=[
                "not fetched here: the sync server fetches it (newsreader sync)"]))
        elif source.kind == "feed" and source.status == "gone":
            outcomes.append(Outcome(source.id, source.label, error=source.last_error or GONE))
        elif source.kind == "feed" and wait > 0:
            outcomes.append(Outcome(source.id, source.label, not_modified=True, problems=[
                f"not checked: the server asked to wait {duration(wait)} more"]))
        else:
            keep.append(source)
    return keep, outcomes


def record_result(store: Store, source: Source, result: FetchResult,
                  parsed: ParseResult | None, now: float | None = None) -> Outcome:
    """Store a successful exchange: 200 with its stories, 304, or 410."""
    now = time.time() if now is None else now
    outcome = Outcome(source.id, source.label)
    fields: dict[str, object] = {"last_checked": now, "not_before": result.not_before}
    if result.gone:
        fields.update(status="gone", last_error=GONE)
        store.update_source(source.id, **fields)
        outcome.error = GONE
        return outcome
    location = _moved(store, source, result, outcome)
    if location:
        fields["location"] = location
    fields.update(status="ok", last_error="", last_success=now, etag=result.etag,
                  last_modified=result.last_modified)
    if parsed is None:
        outcome.not_modified = True
    else:
        # Stories first, validators after: a crash in between only costs a re-download.
        upsert = store.upsert_entries(source.id, parsed.rows or parsed.entries)
        outcome.new, outcome.updated = upsert.new, upsert.updated
        outcome.not_modified = not (upsert.new or upsert.updated)
        outcome.problems.extend(parsed.problems)
        if parsed.link:
            fields["link"] = parsed.link
        title = clean_line(parsed.title)
        if not source.title and title:
            fields["title"] = outcome.label = title
    store.update_source(source.id, **fields)
    return outcome


def is_plain_304(result: FetchResult | None, source: Source) -> bool:
    """A 304 that changes nothing but the source's check times (no move, no new validators)."""
    return (result is not None and result.status == 304 and result.permanent_url is None
            and result.etag == source.etag and result.last_modified == source.last_modified)


def record_unchanged(store: Store, sources: Sequence[Source],
                     not_before: Sequence[float | None], now: float | None = None
                     ) -> list[Outcome]:
    """Many plain 304s in one transaction.

    One write per source would be cheap on its own, but each sqlite3 call hands the GIL to
    the event-loop thread for up to 5 ms: 200 separate updates cost 0.2-0.6 s of a warm
    refresh, one batch a few milliseconds.
    """
    now = time.time() if now is None else now
    store.update_sources(
        (s.id, {"status": "ok", "last_error": "", "last_checked": now, "last_success": now,
                "not_before": wait})
        for s, wait in zip(sources, not_before, strict=True))
    return [Outcome(s.id, s.label, not_modified=True) for s in sources]


def record_failure(store: Store, source: Source, error: str, retry_after: float | None = None,
                   now: float | None = None) -> Outcome:
    """Mark the source failed, in words; its stories stay exactly as they were."""
    now = time.time() if now is None else now
    error = clean_line(error)[:500] or "failed for an unknown reason"
    store.update_source(source.id, status="error", last_error=error, last_checked=now,
                        not_before=now + retry_after if retry_after else None)
    return Outcome(source.id, source.label, error=error)


def _moved(store: Store, source: Source, result: FetchResult, outcome: Outcome) -> str | None:
    target = result.permanent_url
    if not target or target == source.location:
        return None
    other = store.source_by_location(target)
    if other is not None and other.id != source.id:
        outcome.problems.append(f"moved permanently to {target}, which is already subscribed")
        return None
    outcome.problems.append(f"moved permanently to {target}")
    return target
