"""What a refresh can tell before it fetches anything: whether it will need the parser pool.

A cold refresh waited ~0.2 s for the pool's processes (the fork server starting and loading
the parser) after its first body arrived, both cores idle. A feed with no ETag and no
Last-Modified cannot be answered "not modified", so it is sure to bring a body; when more
than a handful are, the pool is needed anyway and may start before the first fetch, beside
the main process's own start (the HTTP client's import, the first connections). Feeds that
can answer "not modified" (the usual cron run, mostly 304s) never start it early.

Only the standard library and our models here: the service asks before it imports the
fetching pipeline.
"""

from __future__ import annotations

from collections.abc import Iterable

from reader.models import Source

HANDFUL = 4  # a refresh with at most this many bodies to parse never starts the pool


def sure_bodies(sources: Iterable[Source]) -> int:
    """How many of `sources` are feeds sure to bring a body (no validator to send)."""
    return sum(1 for s in sources if s.kind == "feed" and not (s.etag or s.last_modified))


def needs_pool(sources: Iterable[Source]) -> bool:
    """More than a handful of bodies are sure to come: parse them all in the pool."""
    return sure_bodies(sources) > HANDFUL
