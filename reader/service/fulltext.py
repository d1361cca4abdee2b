"""Whole articles: which sources fetch them, and when.

One rule decides a source's mode everywhere (the `f` key's neighbours, fetch-on-open, the
source's health screen, and what a refresh keeps): the configuration file's entry for the
source wins, then the mode kept in the cache, then the file's default. The fetching itself is
`reader.extract.fulltext`, run in the program's one process pool.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from reader.config_settings import FULL_ARTICLE_MODES as MODES
from reader.models import Source
from reader.service.pool import shared_pool

if TYPE_CHECKING:
    from reader.config import Config
    from reader.store import Store

PER_SOURCE = 50  # at most this many stories of one source are fetched after a refresh

Progress = Callable[[int, str, int, int], None]


def full_article_mode(source: Source, default: str) -> str:
    """The source's full-article mode: 'off', 'refresh' or 'open'; '' means `default`.

    Only feeds have pages to fetch: local files and folders are always 'off'. An unknown
    value (a hand-edited config) counts as 'off' rather than fetching unasked.
    """
    if source.kind != "feed":
        return "off"
    mode = (source.full_article or "").strip().lower()
    if not mode:
        mode = (default or "").strip().lower()
    return mode if mode in MODES else "off"


def full_mode(config: Config, source: Source) -> str:
    """The mode in force for `source`: the config file's entry for it wins over the mode kept
    in the cache, and the file's default fills in."""
    override = config.full_article_for(source.location, source.title)
    mode = (override or source.full_article or "").strip().lower()
    return full_article_mode(replace(source, full_article=mode), config.full_article__default)


def pending_full_articles(store: Store, mode: str | Callable[[Source], str],
                          sources: Sequence[Source] | None = None, *,
                          limit: int = PER_SOURCE) -> list[int]:
    """Ids of the newest stories, in sources whose mode is 'refresh', not fetched yet.

    `mode` is the mode of sources that keep none in the cache (a string), or a function that
    gives each source's mode in force (say `lambda s: full_mode(config, s)`). At most `limit`
    stories per source."""
    chosen = store.sources() if sources is None else sources
    wanted: list[int] = []
    for source in chosen:
        found = mode(source) if callable(mode) else full_article_mode(source, mode)
        if found == "refresh":
            wanted += [s.id for s in store.stories_without_full_article(source.id, limit)]
    return wanted


@dataclass(frozen=True, slots=True)
class Kept:
    """What a refresh's whole-article pass did: `tried` stories, `kept` those fetched."""

    tried: int = 0
    kept: tuple[int, ...] = field(default_factory=tuple)


def keep_full_articles(store: Store, config: Config, sources: Sequence[Source] | None = None,
                       *, fetcher_options: dict[str, Any] | None = None,
                       progress: Progress | None = None) -> Kept:
    """After a refresh: fetch and keep the pages of new stories in sources (of `sources`, else
    all) whose mode is "refresh", so they read in full offline."""
    ids = pending_full_articles(store, lambda source: full_mode(config, source), sources)
    if not ids:
        return Kept()
    from reader.extract.fulltext import fetch_full_articles  # the extractor: ~0.2 s of imports

    results = fetch_full_articles(store, ids, fetcher_options=fetcher_options,
                                  progress=progress, pool=shared_pool())
    return Kept(len(ids), tuple(story_id for story_id, error in results if not error))


def fetch_one(store: Store, story_id: int, *,
              fetcher_options: dict[str, Any] | None = None) -> str:
    """Fetch and keep one story's whole article (`f`, or a source in "open" mode): "" on
    success, else why not in words. Never raises: a failure is a sentence to show."""
    from reader.extract.fulltext import fetch_full_articles  # the extractor: ~0.2 s of imports
    from reader.sanitize import clean_line

    try:
        results = fetch_full_articles(store, [story_id], fetcher_options=fetcher_options,
                                      pool=shared_pool())
    except Exception as exc:  # noqa: BLE001 - a failure is a message, never a crash
        return clean_line(str(exc)) or type(exc).__name__
    return results[0][1] if results else "nothing was fetched"
