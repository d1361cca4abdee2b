"""Pieces shared by the test_directfeed modules: the Atom content type, and feeds of the
benchmark corpus as (body, content type) pairs."""

from __future__ import annotations

from bench.feedcorpus import Corpus
from tests.helpers.feed_cases import RSS_TYPE

ATOM_TYPE = "application/atom+xml"


def bench_feeds(seed: int, count: int) -> list[tuple[bytes, str]]:
    corpus = Corpus(seed)
    feeds = [corpus.feed(i, 1_700_000_000.0) for i in range(count)]
    return [(f.body, RSS_TYPE if f.kind == "rss" else ATOM_TYPE) for f in feeds]
