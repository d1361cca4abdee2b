"""How a source is named where room is short (the source list), apart from the library so
the UI can use it without importing the readers of files and feeds."""

from __future__ import annotations

from urllib.parse import urlsplit

from reader.models import Source


def short_label(source: Source, room: int = 0) -> str:
    """The name a list shows: the title; for an untitled feed, its host and path (no scheme,
    query or trailing slash) rather than a whole URL that would wrap over lines, clipped with
    "…" to `room` characters when given."""
    if source.title or source.kind != "feed":
        return source.label
    parts = urlsplit(source.location)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    short = (host + parts.path.rstrip("/")) or source.location
    if room > 1 and len(short) > room:
        short = short[:room - 1] + "…"
    return short
