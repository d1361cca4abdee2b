"""Read what a server says in URLs and headers, distrusting every byte of it.

Kept apart from the client so that the rules for an untrusted header (control characters
stripped, length capped, delays bounded) sit in one place that the error wording can share.
"""

from __future__ import annotations

import email.utils
import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:  # only named here: the parser processes share these rules, not the client
    import httpx

MAX_DELAY = 24 * 3600.0  # a server may not park a feed for more than a day
HEADER_JUNK = re.compile(r"[\x00-\x1f\x7f]")


def is_web(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def url_host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_DELAY)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, min(when.timestamp() - now, MAX_DELAY))


def header_text(headers: httpx.Headers, name: str) -> str:
    return HEADER_JUNK.sub("", headers.get(name, ""))[:1024]

