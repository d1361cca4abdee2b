"""Which road each feed file takes, and what the direct road saves on it.

    .venv/bin/python bench/roads.py ~/saved-feeds/*.xml
    .venv/bin/python bench/roads.py --runs 5 tests/fixtures/generator_feeds/*

The benchmark corpus is generated; the feeds a reader subscribes to are not. Point this at
feed files saved from real subscriptions (`curl -o`), and it prints, per file, how
newsreader reads it: `direct` (expat callbacks, ~4x less CPU than feedparser), `repaired`
(not well-formed, rewritten, then direct), `json` (JSON Feed) or `feedparser` with the
reason the direct road stepped aside (the element or declaration it has no rule for); then
the parse CPU per story as it runs and with the direct road switched off (feedparser for
every XML feed), measured in alternating runs. A feed whose stories differ between the two
is a bug: the line says so.

Run it with the project's interpreter from the repository root. It reads local files only.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reader.sources import directfeed, feedrepair  # noqa: E402
from reader.sources.feedfile import NotAFeed, document_bytes, parse_feed  # noqa: E402
from reader.sources.feedxml import Unsure  # noqa: E402

URL = "https://feeds.example.org/feed"


def _why_not(data: bytes) -> str:
    """The direct road's reason for stepping aside, as the element or declaration it met."""
    road = directfeed._Road  # noqa: SLF001 - a benchmark's look inside
    seen: list[str] = []

    def watching(name: str) -> Callable[..., Any]:
        real = getattr(road, name)

        def call(self: Any, *args: Any) -> Any:
            try:
                return real(self, *args)
            except Unsure:
                if not seen:
                    where = traceback.extract_tb(sys.exc_info()[2])[-1]
                    first = str(args[0]).rpartition(" ")[2] if args else ""
                    seen.append(f"{name} {first!r}: {where.line}")
                raise
        return call

    names = ("start", "end", "namespace", "_root")
    saved = {name: getattr(road, name) for name in names}
    for name in names:
        setattr(road, name, watching(name))
    why: list[Exception] = []
    try:
        directfeed.parse(data, url=URL, why=why)
    finally:
        for name, real in saved.items():
            setattr(road, name, real)
    if seen:
        return seen[0]
    return type(why[0]).__name__ + (f": {why[0]}" if str(why[0]) else "") if why else "no entries"


def road_of(data: bytes) -> tuple[str, str]:
    """(road, why the direct road stepped aside) for one document, as `parse_feed` prepares
    its bytes."""
    if data.lstrip()[:1] in (b"{", b"["):
        return "json", ""
    data = document_bytes(data)[0]
    if directfeed.parse(data, url=URL) is not None:
        return "direct", ""
    why = _why_not(data)
    repaired = feedrepair.repair(data, "")
    if repaired is not None and directfeed.parse(repaired, url=URL) is not None:
        return "repaired", why
    return "feedparser", why


def _parse(data: bytes) -> Any:
    try:
        return parse_feed(data, url=URL)
    except NotAFeed as exc:
        return exc


def _timed(data: bytes, runs: int) -> tuple[float, float, bool, Any]:
    """(CPU per run as it runs, CPU per run with the direct road off, same stories, what
    parsing it as it runs gives)."""
    real = directfeed.parse
    fast: list[float] = []
    slow: list[float] = []
    fast_result = slow_result = None
    for run in range(runs):
        for off in ((False, True) if run % 2 == 0 else (True, False)):
            directfeed.parse = (lambda *a, **k: None) if off else real  # type: ignore[assignment]
            try:
                start = time.process_time()
                result = _parse(data)
                (slow if off else fast).append(time.process_time() - start)
            finally:
                directfeed.parse = real
            if off:
                slow_result = result
            else:
                fast_result = result
    same = repr(fast_result) == repr(slow_result)
    return statistics.median(fast), statistics.median(slow), same, fast_result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--runs", type=int, default=3, help="alternating runs per file (3)")
    opts = parser.parse_args(argv)
    roads: Counter[str] = Counter()
    stories: Counter[str] = Counter()
    cpu = {"as it runs": 0.0, "feedparser": 0.0}
    print(f"{'file':40} {'road':10} {'stories':>7} {'us/story':>9} {'feedparser':>10}  why")
    for path in opts.files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            print(f"{path.name[:40]:40} cannot be read: {exc.strerror or exc}")
            continue
        road, why = road_of(data)
        fast, slow, same, result = _timed(data, opts.runs)
        if isinstance(result, NotAFeed):
            road, why = "none", str(result)
        count = len(result.entries) if not isinstance(result, NotAFeed) else 0
        roads[road] += 1
        stories[road] += count
        cpu["as it runs"] += fast
        cpu["feedparser"] += slow
        per = max(count, 1)
        note = why if same else "STORIES DIFFER between the roads: " + why
        print(f"{path.name[:40]:40} {road:10} {count:7,} {fast / per * 1e6:9,.0f} "
              f"{slow / per * 1e6:10,.0f}  {note}")
    total = sum(stories.values())
    print()
    print("files by road: " + ", ".join(f"{road} {n}" for road, n in roads.most_common()))
    print("stories by road: " + ", ".join(f"{road} {n:,}" for road, n in stories.most_common()))
    if total:
        ratio = cpu["as it runs"] / cpu["feedparser"] if cpu["feedparser"] else 0.0
        print(f"parse CPU: {cpu['as it runs']:.3f} s as it runs, {cpu['feedparser']:.3f} s with "
              f"feedparser for every XML feed ({ratio:.2f}x), "
              f"{cpu['as it runs'] / total * 1e6:,.0f} us a story")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
