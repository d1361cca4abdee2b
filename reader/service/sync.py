"""Syncing with the configured server, once for `newsreader sync` and the app's `r` / `R`.

One call does what a user means by "sync": the feeds `[sync] local` names are kept out of it,
the password is looked up (the engine runs `password_command`, or takes
NEWSREADER_SYNC_PASSWORD), the engine syncs both ways, and the same after-refresh policy as
a refresh (whole articles for sources in "refresh" mode, then retention) runs for the
server's sources, so their stories read in full offline like any feed's. The words for what
happened are made here too, so the command line and the app say the same thing.

The app passes `after=False`: the `RefreshDone` it posts when the sync (and the refresh of
the feeds fetched here) is over already runs that policy for every source.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reader.words import plural

if TYPE_CHECKING:  # the engine (httpx, the extractor) is imported only when a sync runs
    from reader.config import Config
    from reader.models import Source
    from reader.service.refresh import AfterRefresh
    from reader.store import Store
    from reader.sync import SyncProgress, SyncReport, SyncSettings


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """What the status line tells between syncs."""

    last_success: float | None
    last_error: str
    pending: int


@dataclass(frozen=True, slots=True)
class SyncRun:
    """A sync and what followed it: the engine's report, and the after-refresh policy's."""

    report: SyncReport
    after: AfterRefresh | None = None

    @property
    def ok(self) -> bool:
        return self.report.ok


def settings(config: Config) -> SyncSettings:
    from reader.sync import SyncSettings

    return SyncSettings.from_config(config)


def server_sources(sources: list[Source]) -> list[Source]:
    return [s for s in sources if s.from_server]


def sync_now(store: Store, config: Config, *,
             progress: Callable[[SyncProgress], None] | None = None,
             password: str | None = None, fetcher_options: dict[str, Any] | None = None,
             after: bool = True) -> SyncRun:
    """Sync with the server `config` names; never raises for a failure a user can act on
    (the report's `error` says it in words, the cache and the queue are kept). With `after`,
    the server sources' whole articles are kept and retention runs, as after a refresh."""
    from reader.service.refresh import after_refresh, share_one_arena
    from reader.store import sync_state
    from reader.sync import sync

    share_one_arena()  # before the sync's threads, which run before its refresh
    local = config.sync__local
    if local:
        sync_state.keep_local(store, local)
    report = sync(store, settings(config), progress=progress, password=password,
                  fetcher_options=fetcher_options)
    if local:  # a server feed met for the first time in this sync
        sync_state.keep_local(store, local)
    kept = None
    if after:  # as after a refresh, even a failed one: what arrived is kept
        kept = after_refresh(store, config, server_sources(store.sources()),
                             fetcher_options=fetcher_options)
    return SyncRun(report, kept)


def status(store: Store) -> SyncStatus:
    """When the last sync finished, why the last one failed (if it did), and how many
    changes wait to be sent."""
    from reader.store import sync_state

    done = store.get_meta(sync_state.LAST_SUCCESS, "") or ""
    try:
        finished = float(done) if done else None
    except ValueError:
        finished = None
    return SyncStatus(finished, store.get_meta(sync_state.LAST_ERROR, "") or "",
                      sync_state.pending(store))


def summary(report: SyncReport) -> str:
    """What a sync did, in one sentence ("Synced: 3 new stories, 2 changes sent")."""
    if not report.ok:
        return failure(report)
    parts = [plural(report.new_stories, "new story", "new stories")]
    for count, words in ((report.sources_added, ("source added", "sources added")),
                         (report.sources_removed, ("source removed", "sources removed")),
                         (report.pulled, ("change from the server", "changes from the server")),
                         (report.pushed, ("change sent", "changes sent")),
                         (report.conflicts, ("story changed on both sides",
                                             "stories changed on both sides"))):
        if count:
            parts.append(plural(count, *words))
    text = "Synced: " + ", ".join(parts)
    if report.pending:
        text += f"; {plural(report.pending, 'change')} still to send"
    return text


def failure(report: SyncReport) -> str:
    """Why a sync failed, and that nothing was lost."""
    text = f"Sync failed: {report.error}"
    if report.pending:
        text += f". {plural(report.pending, 'change')} kept, to send at the next sync"
    return text
