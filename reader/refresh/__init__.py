"""Keeping sources fresh: `refresh()` for everything that is due, `add_feed()` to subscribe.

The package splits the work by kind, so each part stays small and testable on its own:
`run` (the concurrent pipeline: fetch, parse, store), `parsing` (workers that use every core
and that a hostile feed cannot stall), `apply` (what each result means for the cache) and
`add` (checking a URL and autodiscovery). Nothing here imports Textual: the UI calls
`refresh()` from a thread worker and the CLI calls it directly.
"""

from reader.refresh.add import AddError, add_feed
from reader.refresh.apply import due_sources
from reader.refresh.run import refresh

__all__ = ["AddError", "add_feed", "due_sources", "refresh"]
