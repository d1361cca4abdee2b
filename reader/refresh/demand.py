"""How much parsing a refresh will need, read from its sources alone.

Kept apart from the pipeline so that a command can decide before it loads the network code
(asyncio, httpx: ~165 modules): it forks its parser workers first (`reader.refresh.run`),
and they never hold a copy of modules only the command uses.
"""

from __future__ import annotations

from collections.abc import Sequence

from reader.models import Source

HANDFUL = 4  # a refresh with at most this many feeds never starts the pool


def sure_bodies(feeds: Sequence[Source]) -> int:
    """How many of `feeds` are sure to bring a body: no validator to be answered "not
    modified" with (a first refresh), and not failing (an old OPML's dead feeds)."""
    return sum(1 for s in feeds if not (s.etag or s.last_modified) and s.status != "error")
