"""Two-way sync with an aggregator server: subscriptions, stories, read and starred.

`sync(store, settings, progress=...) -> SyncReport` is the one entry point, for the CLI and
the app's refresh alike (reader.sync.engine); backends sit behind `reader.sync.base.Backend`
(Tiny Tiny RSS first: reader.sync.ttrss); the cache's side is reader.store.sync_state.
"""

from reader.sync.base import SyncError, SyncProgress, SyncReport, SyncSettings
from reader.sync.engine import sync

__all__ = ["SyncError", "SyncProgress", "SyncReport", "SyncSettings", "sync"]
