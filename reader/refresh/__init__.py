"""Keeping sources fresh: `refresh()` for everything that is due, `add_feed()` to subscribe.

The package splits the work by kind, so each part stays small and testable on its own: `run`
(a refresh from start to end: what is due, the pool, storing), `pipeline` (fetching and
parsing concurrently), `parsing` (workers that use every core and that a hostile feed cannot
stall), `apply` (what each result means for the cache), `add` (checking a URL and
autodiscovery) and `local` (files, folders, the welcome stories). Nothing here imports
Textual, nor the service above it: the service calls `refresh()` for the CLI and for the UI's
thread workers.

The names below load their module on first use: reading a local folder (`local`) must not
pay for httpx and the feed pipeline (~100 ms) that only a network refresh needs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reader.refresh.add import AddError, add_feed
    from reader.refresh.apply import due_sources
    from reader.refresh.run import refresh

__all__ = ["AddError", "add_feed", "due_sources", "refresh"]

_HOMES = {"AddError": "add", "add_feed": "add", "due_sources": "apply", "refresh": "run"}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'reader.refresh' has no attribute {name!r}")
    return getattr(importlib.import_module(f"reader.refresh.{home}"), name)
