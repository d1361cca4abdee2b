"""One fetch through a fresh `Fetcher`, for the tests of fetching (tests/test_fetch*.py)."""

from __future__ import annotations

from typing import Any

import pytest

from reader.sources.fetch import Fetcher, FetchResult
from reader.sources.fetcherrors import FetchError

RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'


async def fetch(url: str, *, etag: str = "", last_modified: str = "",
                **options: Any) -> FetchResult:
    async with Fetcher(**options) as fetcher:
        return await fetcher.fetch(url, etag=etag, last_modified=last_modified)


async def failure(url: str, **options: Any) -> FetchError:
    """The FetchError that fetching `url` raises (the test fails if none is raised)."""
    with pytest.raises(FetchError) as info:
        await fetch(url, **options)
    return info.value
