"""Refreshing, and what follows a refresh, once for `newsreader refresh` and the app.

After the feeds are stored, sources in "refresh" mode keep the pages of their new stories
(`reader.service.fulltext`), then the retention policy of the configuration forgets old
stories. The command line does both at once for cron; the app keeps whole articles after each
refresh and runs retention on a timer of its own, through the same functions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reader.models import Outcome, Source
from reader.service.fulltext import Kept, Progress, keep_full_articles
from reader.service.pool import shared_pool

if TYPE_CHECKING:
    from reader.config import Config
    from reader.store import Store
    from reader.store.retention import RetentionResult

RefreshProgress = Callable[[Outcome, int, int], None]


def refresh(store: Store, sources: Sequence[Source] | None = None, *,
            progress: RefreshProgress | None = None,
            fetcher_options: dict[str, Any] | None = None) -> list[Outcome]:
    """Fetch what is new in `sources` (None: every source that is due), parsing in the
    program's pool; one Outcome per source, in order. `progress(outcome, done, total)` is
    called on this thread as each source finishes."""
    from reader.refresh import run  # httpx and the pipeline: only when something is fetched

    share_one_arena()
    return run.refresh(store, sources, progress=progress, fetcher_options=fetcher_options,
                       pool=shared_pool())


def share_one_arena() -> None:
    """Before a refresh's or a sync's threads start: they share one glibc arena
    (`reader.workerpool.limit_arenas`; measured on a cold refresh, the main process's peak
    74 -> 65 MB). Called by `refresh` and `sync_now`, for the commands and the app alike, and
    not at start-up, where the app would pay for `ctypes` (~2 ms) before its first frame for
    nothing. In the app the threads that ran before keep their arenas; new ones share what
    exists."""
    from reader.workerpool import limit_arenas

    limit_arenas()


@dataclass(frozen=True, slots=True)
class AfterRefresh:
    """What followed a refresh: whole articles kept, and stories retention removed."""

    articles: Kept
    removed: int = 0


def after_refresh(store: Store, config: Config, sources: Sequence[Source] | None = None, *,
                  fetcher_options: dict[str, Any] | None = None,
                  progress: Progress | None = None) -> AfterRefresh:
    """Keep the pages of new stories in "refresh"-mode sources (of `sources`, else all), then
    apply the retention policy."""
    kept = keep_full_articles(store, config, sources, fetcher_options=fetcher_options,
                              progress=progress)
    result = retain(store, config)
    return AfterRefresh(kept, result.removed if result is not None else 0)


def retain(store: Store, config: Config | None, *,
           should_stop: Callable[[], bool] = lambda: False) -> RetentionResult | None:
    """Apply the configuration's retention policy; None when it keeps everything."""
    from reader.store.retention import RetentionPolicy, apply_retention

    policy = RetentionPolicy.from_config(config)
    if not policy.active:
        return None
    return apply_retention(store, policy, should_stop=should_stop)


def reread_local(store: Store) -> list[Outcome]:
    """Read every file and folder source again (after the cache was rebuilt, they are back
    but empty). One source that fails is told in its Outcome; the others still come."""
    from reader.refresh.local import refresh_local
    from reader.sanitize import clean_line

    outcomes = []
    for source in store.sources():
        if source.kind not in ("file", "folder"):
            continue
        try:
            outcomes.append(refresh_local(store, source))
        except Exception as exc:  # noqa: BLE001 - one source must not stop the others
            outcomes.append(Outcome(source.id, source.label, error=clean_line(str(exc))))
    return outcomes
