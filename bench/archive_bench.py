"""Big archives: start-up, key presses, search and memory at 10,000 to 1,000,000 stories,
side by side with newsboat on the same stories.

Run:  .venv/bin/python bench/archive_bench.py [--sizes 100,10000,100000] [--million]
                                              [--no-newsboat] [--newsboat-cache direct]
                                              [--work DIR] [--keys-only] [--runs N]
                                              [--against DIR] [--big-story] [--searches N]

For each size it:

1. generates the archive (bench/archive_gen.py: Zipf-distributed words, a rare word planted
   in 12 stories, oldest first, 90% read) and writes it through newsreader's own Store;
2. times the store's queries in this process (the search a typed word runs);
3. runs the installed `newsreader --offline` in a real 120x40 pseudo-terminal and measures,
   from outside: start-up (launch to the newest headline on screen), 200 `j` presses (key
   sent to the next story's byline drawn in the article pane, read across the rows the
   narrow pane wraps it onto), a search for a common and a
   rare word (the last key typed to the match count drawn; the bar searches at every key,
   no pause in typing is waited for), resident memory after the presses and the peak;
4. does the same for newsboat when it is installed (see bench/archive_newsboat.py for how its
   cache is built): launch to its feed list, then to the first feed's headlines; 200 `j` in
   that list (key to the last byte of the redraw); a search from the feed list (the query
   plus enter, to the results screen).

`--work DIR` keeps the generated caches there and reuses them on the next run.
`--keys-only` times only the start-up and the `j` presses (no search, no first start of the
day), `--runs N` repeats that N times (medians of the runs' medians and p95s are printed: the
machine may be shared, so each run's percentiles and the program's CPU a press, all threads
and the event loop's, are printed too); with `--against DIR` the runs alternate, A B B A,
between this tree and the copy of the package in DIR (`DIR/reader`, see `bench/trees.py`).
Every tree launched is compiled first, whatever PYTHONDONTWRITEBYTECODE says.
`--big-story` also times `j` onto a ~200 KB story (in a small cache of its own: the size of
the archive does not matter to opening one story).
`--searches N` times only the searches, N runs, each in a newly started app (so nothing of a
search is kept from a run before): `/`, the word sent at once, then the time to the match
count drawn and to the count and the best match both drawn; medians of the runs. The word's
keys are sent together, which is neither typing nor a paste (a terminal sends a paste as one
bracketed block, which Textual hands over as one event): `--paste` sends it that way. With
`--typed MS` the words are typed a key every MS ms instead, as a person types, and each key
that changes the results is timed (bench/archive_typing.py).
"""

from __future__ import annotations

import argparse
import html
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import archive_newsboat as newsboat  # noqa: E402
from bench.archive_gen import COMMON_WORD, RARE_WORD, build, generate, source_title  # noqa: E402
from bench.archive_newsboat import Figures  # noqa: E402
from bench.archive_pty import TimedTerminal  # noqa: E402
from bench.archive_typing import report_typed, run_typed  # noqa: E402
from bench.common import abba, newsreader_command  # noqa: E402
from bench.render_bench import make_article  # noqa: E402
from bench.trees import compile_trees, tree_command  # noqa: E402
from reader.models import Entry, View  # noqa: E402
from reader.store import Store  # noqa: E402
from reader.store.recovery import _CHECKED_KEY as CHECKED_KEY  # noqa: E402

WORDS = [COMMON_WORD, RARE_WORD]
HINT = "words, "  # the start of the search bar's placeholder: the bar is open


def ours_cache(work: Path, count: int, seed: int) -> tuple[Path, float | None]:
    data = work / f"newsreader-{count}"
    path = data / "newsreader.sqlite3"
    if path.exists():
        store = Store(path)
        try:
            if store.views.count(View()) == count:
                return data, None
        finally:
            store.close()
        shutil.rmtree(data)
    store, seconds = build(path, count, seed, progress=count >= 100_000)
    store.close()
    return data, seconds


def query_times(path: Path) -> dict[str, float]:
    """What a typed word costs in the store: the search worker's `store.search.prepare` (rank and
    count, on a store that keeps nothing yet), then what the headline list asks (count,
    position, first page: answered from what was kept)."""
    out: dict[str, float] = {}
    for word in WORDS:
        view = View(search=word)
        cold, kept = [], []
        for _ in range(5):
            store = Store(path)  # nothing kept: each run searches from scratch
            try:
                current = store.views.headlines(View(), 0, 1)[0].id
                started = time.perf_counter()
                store.search.prepare(view)
                ready = time.perf_counter()
                store.views.count(view)
                store.views.index_of(view, current)
                store.views.headlines(view, 0, 100)
                cold.append(ready - started)
                kept.append(time.perf_counter() - ready)
            finally:
                store.close()
        out[word] = statistics.median(cold)
        out[f"{word} (list, kept)"] = statistics.median(kept)
    store = Store(path)
    try:
        for name, call in (("sources", store.sources), ("counts", store.views.counts)):
            times = []
            for _ in range(5):
                started = time.perf_counter()
                call()
                times.append(time.perf_counter() - started)
            out[name] = statistics.median(times)
    finally:
        store.close()
    return out


def in_article(needle: str) -> Callable[[str], bool]:
    """Whether the article pane shows `needle`, read across the rows it wraps onto.

    The byline is looked for in the pane's words, not in one screen row: at 120 columns the
    article pane is ~37 columns wide (the headlines take the larger share), so "source ·
    author" is wrapped over two rows for most stories, where a plain `needle in screen` would
    wait for ever."""
    want = " ".join(needle.split())

    def shown(screen: str) -> bool:
        lines = screen.split("\n")
        for number, line in enumerate(lines):
            start = line.find("╭─ Article")
            if start >= 0:
                end = line.find("╮", start)
                pane = " ".join(row[start + 1:end] for row in lines[number + 1:])
                return want in " ".join(pane.split())
        return False

    return shown


def written(term: TimedTerminal, needles: Sequence[str], since: float,
            timeout: float = 30.0) -> list[float]:
    """For each of `needles`, seconds from `since` until the program had written it (and
    every needle before it in the list), read as the bytes arrive.

    The terminal emulator is kept out of the timing: pyte takes ~50 ms of CPU per 20 KB
    frame, on the same two cores as the program, and the program's write waits while the
    reader is busy in it. The words sought are drawn in one style each (the count, a
    headline), so Textual writes them in one piece; the screen is brought up to date after."""
    out: list[float] = []
    burst = bytearray()
    deadline = time.monotonic() + timeout
    while len(out) < len(needles):
        if time.monotonic() > deadline:
            raise AssertionError(f"never written: {needles[len(out)]!r}")
        data = term.read_ready()
        if data is None:
            continue
        if not data:
            raise AssertionError("the program ended")
        stamp = term.last_data = time.monotonic()
        burst.extend(data)
        seen = burst.decode("utf-8", "ignore")
        while len(out) < len(needles) and all(n in seen for n in needles[:len(out) + 1]):
            out.append(stamp - since)
    term.raw.extend(burst)
    term.stream.feed(bytes(burst))
    return out


def run_searches(data: Path, runs: int, paste: bool = False
                  ) -> dict[str, tuple[list[float], list[float]]]:
    """Each word searched in `runs` newly started apps: seconds from the word sent (at once,
    as typed fast) to its match count drawn, and to the count and the best match drawn."""
    store = Store(data / "newsreader.sqlite3")
    try:
        first = store.views.headlines(View(), 0, 1)[0].title[:24]
        wanted = {}
        for word in WORDS:
            best = store.views.headlines(View(search=word), 0, 1)[0].title
            # The list's headline column is narrow at 120 columns: its first 14 letters.
            wanted[word] = (f"{store.views.count(View(search=word)):,} stor", best[:14])
        store.set_meta(CHECKED_KEY, str(time.time()))  # not a first start of the day
    finally:
        store.close()
    config = Path(tempfile.mkdtemp(prefix="nr-config-"))
    command = [*newsreader_command(), "--data-dir", str(data), "--offline"]
    out: dict[str, tuple[list[float], list[float]]] = {w: ([], []) for w in WORDS}
    try:
        for _ in range(runs):
            term = TimedTerminal(command, env={"NEWSREADER_CONFIG_DIR": str(config)})
            try:
                term.wait_for(lambda s: first in s, timeout=600)
                term.settle(1.0)
                for word in WORDS:
                    count, best = wanted[word]
                    term.press("/", lambda s: HINT in s)
                    term.settle(0.3)  # the bar is open: time the search, not the opening
                    sent = time.monotonic()
                    # As keys sent at once, or as a terminal pastes (bracketed paste).
                    term.send(f"\x1b[200~{word}\x1b[201~" if paste else word)
                    counted, shown = written(term, [count, best], sent)
                    out[word][0].append(counted)
                    out[word][1].append(shown)
                    term.settle(0.3)
                    term.press("\x1b", lambda s, c=count: HINT not in s and c not in s)  # type: ignore[misc]
                    term.settle(0.3)
                term.send("q")
                term.wait_exit(timeout=60)
            finally:
                term.close()
                term.peak_rss_mb()
    finally:
        shutil.rmtree(config, ignore_errors=True)
    return out


def report_searches(count: int, found: dict[str, tuple[list[float], list[float]]]) -> None:
    runs = len(next(iter(found.values()))[0])
    print(f"\n== {count:,} stories, search, {runs} run(s), each a new start "
          f"(load average now {os.getloadavg()[0]:.1f})")
    for word, (counted, shown) in found.items():
        print(f"   {word!r:14} count drawn median {ms(statistics.median(counted)):>8}, "
              f"with the best match {ms(statistics.median(shown)):>8}   "
              f"(runs: {', '.join(ms(v) for v in shown)})")


def run_ours(data: Path, presses: int, keys_only: bool = False,
             tree: str | None = None) -> Figures:
    """Start-up, the `j` presses (and, unless `keys_only`, the searches) in one launch; `tree`:
    a copy of the package to run instead (`python -m reader` with it first on the path)."""
    store = Store(data / "newsreader.sqlite3")
    try:
        heads = store.views.headlines(View(), 0, presses + 1)
        bylines = []
        for head in heads:
            story = store.story(head.id)
            assert story is not None
            bylines.append(f"{story.source_title} · {story.author}")
        counts = {word: store.views.count(View(search=word)) for word in WORDS}
        if not keys_only:
            store.set_meta(CHECKED_KEY, "0")  # so the first launch is a first start of the day
    finally:
        store.close()
    config = Path(tempfile.mkdtemp(prefix="nr-config-"))
    env = {"NEWSREADER_CONFIG_DIR": str(config)}
    program = newsreader_command()
    if tree is not None:
        env["PYTHONPATH"], program = tree_command(tree)
    figures = Figures()
    first = heads[0].title[:24]
    command = [*program, "--data-dir", str(data), "--offline"]
    # The first start of a day checks a large cache's integrity before the first screen
    # (reader/store/recovery.py): timed apart, so start-up is the start of every other time.
    warm = TimedTerminal(command, env=env) if not keys_only else None
    if warm is not None:
        try:
            warm.wait_for(lambda s: first in s, timeout=600)
            figures.first_of_day = warm.last_data - warm.started
            warm.settle(0.5)
            warm.send("q")
            warm.wait_exit(timeout=60)
        finally:
            warm.close()
            warm.peak_rss_mb()
    term = TimedTerminal(command, env=env)
    try:
        term.wait_for(lambda s: first in s, timeout=600)
        figures.startup = figures.first_screen = term.last_data - term.started
        term.wait_for(in_article(bylines[0]))
        term.settle(0.5)
        cpu, loop = term.cpu_seconds(), term.cpu_seconds(main_thread=True)
        for byline in bylines[1:presses + 1]:
            figures.presses.append(term.press("j", in_article(byline)))
            figures.first.append(term.first_response)
            term.settle(0.03)
        term.settle(0.3)  # the last story's neighbours made ready: every press's work counted
        figures.cpu = ((term.cpu_seconds() - cpu) / presses,
                       (term.cpu_seconds(main_thread=True) - loop) / presses)
        figures.rss_mb = term.rss_mb()
        term.settle(0.3)
        for word in WORDS if not keys_only else ():
            term.press("/", lambda s: HINT in s)
            term.settle(0.3)  # the bar is open: time the search, not the opening
            wanted = f"{counts[word]:,} stor"
            figures.searches[word] = term.press(word, lambda s, w=wanted: w in s)  # type: ignore[misc]
            term.settle(0.2)
            term.press("\x1b", lambda s, w=wanted: HINT not in s and w not in s)  # type: ignore[misc]
            term.settle(0.3)
        term.send("q")
        term.wait_exit(timeout=60)
    finally:
        term.close()
        shutil.rmtree(config, ignore_errors=True)
    figures.peak_mb = term.peak_rss_mb()
    return figures


BIG_AUTHOR = "Big Story Author"


def big_story_cache(work: Path) -> Path:
    """A cache of three stories, the middle one ~200 KB of HTML (render_bench's article)."""
    data = work / "newsreader-big-story"
    path = data / "newsreader.sqlite3"
    if path.exists():
        return data
    data.mkdir(parents=True, exist_ok=True)
    store = Store(path)
    try:
        source = store.add_source("feed", "https://bench.invalid/big.xml", "Big Bench")
        para = "<p>" + html.escape("A short story of a few words, for contrast.") + "</p>"
        entries = [
            Entry(key="small-1", title="Small story before", body_html=para * 3, lead="",
                  link="", author="Small Author One", published=1_800_000_300.0),
            Entry(key="big", title="The big story", body_html=make_article(200 * 1024),
                  lead="", link="", author=BIG_AUTHOR, published=1_800_000_200.0),
            Entry(key="small-2", title="Small story after", body_html=para * 3, lead="",
                  link="", author="Small Author Two", published=1_800_000_100.0),
        ]
        store.upsert_entries(source.id, entries)
    finally:
        store.close()
    return data


def run_big_story(work: Path, rounds: int = 7) -> tuple[list[float], list[float]]:
    """`j` from a small story onto the ~200 KB one, `rounds` times (k goes back between):
    seconds to the first redraw and to the big story's byline drawn."""
    data = big_story_cache(work)
    config = Path(tempfile.mkdtemp(prefix="nr-config-"))
    command = [*newsreader_command(), "--data-dir", str(data), "--offline"]
    firsts: list[float] = []
    shown: list[float] = []
    term = TimedTerminal(command, env={"NEWSREADER_CONFIG_DIR": str(config)})
    try:
        term.wait_for(in_article("Small Author One"), timeout=120)
        term.settle(0.5)
        for _ in range(rounds):
            shown.append(term.press("j", in_article(BIG_AUTHOR)))
            firsts.append(term.first_response)
            term.settle(0.3)
            term.press("k", in_article("Small Author One"))
            term.settle(0.3)
        term.send("q")
        term.wait_exit(timeout=60)
    finally:
        term.close()
        term.peak_rss_mb()
        shutil.rmtree(config, ignore_errors=True)
    return firsts, shown


def run_newsboat(work: Path, count: int, seed: int, presses: int, how: str) -> Figures:
    home = work / f"newsboat-{how}-{count}"
    cache = home / "cache.db"
    stories = newsboat.by_source(generate(count, seed))
    note = ""
    if not cache.exists():
        shutil.rmtree(home, ignore_errors=True)
        cache, seconds = newsboat.build_cache(home, stories, how)
        note = f"cache built by {how} in {seconds:.0f} s"
    first = sorted(stories[0], key=lambda s: s.published, reverse=True)[0].title
    figures = newsboat.run(home, cache, source_title(0), first, presses, WORDS)
    figures.note = note
    return figures


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def ratio(theirs: float, ours: float) -> str:
    return f"{theirs / ours:,.1f}x" if ours > 0 and theirs > 0 else "-"


def report(count: int, ours: Figures, theirs: Figures | None, queries: dict[str, float],
           built: float | None) -> None:
    print(f"\n== {count:,} stories" + (f" (written through Store in {built:.0f} s)"
                                        if built is not None else ""))
    print("   store, in process: " + ", ".join(f"{k} {ms(v)}" for k, v in queries.items()))
    rows = [
        ("start-up to first headline", ours.startup, theirs.startup if theirs else 0.0),
        ("  (newsboat: to its feed list)", 0.0, theirs.first_screen if theirs else 0.0),
        ("  (ours, first start of the day)", ours.first_of_day, 0.0),
        ("j to first redraw, median", ours.median(True), theirs.median(True) if theirs else 0.0),
        ("j to first redraw, p95", ours.p95(True), theirs.p95(True) if theirs else 0.0),
        ("j to story shown, median", ours.median(), theirs.median() if theirs else 0.0),
        ("j to story shown, p95", ours.p95(), theirs.p95() if theirs else 0.0),
    ]
    rows += [(f"search '{w}'", ours.searches.get(w, 0.0),
              theirs.searches.get(w, 0.0) if theirs else 0.0) for w in WORDS]
    print(f"   {'':34}{'newsreader':>14}{'newsboat':>14}{'newsboat/ours':>15}")
    for label, a, b in rows:
        print(f"   {label:34}{ms(a) if a else '':>14}{ms(b) if b else '-':>14}"
              f"{ratio(b, a):>15}")
    for label, a, b in (("RSS after the presses", ours.rss_mb, theirs.rss_mb if theirs else 0),
                        ("peak RSS", ours.peak_mb, theirs.peak_mb if theirs else 0)):
        print(f"   {label:34}{a:>11.0f} MB{(f'{b:>11.0f} MB' if b else '-'):>14}"
              f"{ratio(b, a):>15}")
    if theirs is not None and theirs.note:
        print(f"   newsboat: {theirs.note}")


def report_keys(count: int, runs: list[Figures], label: str = "") -> None:
    """The j figures of several runs: each run's, then the medians across runs."""
    print(f"\n== {label + ', ' if label else ''}{count:,} stories, {len(runs)} run(s) of "
          f"{len(runs[0].presses)} j presses "
          f"(load average now {os.getloadavg()[0]:.1f})")
    columns = ("first median", "first p95", "shown median", "shown p95", "CPU/press",
               "loop CPU")
    print("   " + "".join(f"{c:>14}" for c in columns))
    rows = [(f.median(True), f.p95(True), f.median(), f.p95(), *f.cpu) for f in runs]
    for row in rows:
        print("   " + "".join(f"{v * 1000:>11.1f} ms" for v in row))
    if len(rows) > 1:
        middle = [statistics.median(column) for column in zip(*rows, strict=True)]
        print("   " + "".join(f"{v * 1000:>11.1f} ms" for v in middle)
              + "   <- medians of the runs")
    # The whole distribution, not only two points of it: the slow presses are the story.
    print("   story shown, percentiles 10 25 50 75 90 95 99 max, per run:")
    for f in runs:
        ordered = sorted(f.presses)
        points = [ordered[min(len(ordered) - 1, int(len(ordered) * q))]
                  for q in (0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.99)] + [ordered[-1]]
        print("   " + " ".join(f"{v * 1000:5.0f}" for v in points))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,10000,100000",
                        help="archive sizes, comma-separated (100,10000,100000)")
    parser.add_argument("--million", action="store_true", help="add 1,000,000 (slow)")
    parser.add_argument("--presses", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-newsboat", action="store_true")
    parser.add_argument("--newsboat-cache", choices=("reload", "direct"), default="reload")
    parser.add_argument("--work", help="keep (and reuse) the caches in this folder")
    parser.add_argument("--keys-only", action="store_true",
                        help="time only start-up and the j presses")
    parser.add_argument("--runs", type=int, default=1, help="repeat the j presses N times")
    parser.add_argument("--against", metavar="DIR",
                        help="with --keys-only: also run the package copied in DIR (DIR/reader), "
                             "alternating A B B A, --runs rounds")
    parser.add_argument("--big-story", action="store_true",
                        help="also time j onto a ~200 KB story")
    parser.add_argument("--searches", type=int, default=0, metavar="N",
                        help="time only the searches, in N newly started apps")
    parser.add_argument("--paste", action="store_true",
                        help="with --searches: send each word as a terminal paste")
    parser.add_argument("--typed", type=float, default=0.0, metavar="MS",
                        help="with --searches: type the words a key every MS ms (a person "
                             "types ~100) and time each key's results")
    opts = parser.parse_args()
    sizes = [int(s) for s in opts.sizes.split(",") if s.strip()]
    if opts.million:
        sizes.append(1_000_000)
    work = Path(opts.work or tempfile.mkdtemp(prefix="archive-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    with_newsboat = not opts.no_newsboat and shutil.which("newsboat") is not None
    if not opts.no_newsboat and not with_newsboat:
        print("newsboat is not on PATH (apt-get install newsboat): ours only")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; work in {work}")
    startups: dict[int, Figures] = {}
    compile_trees(str(ROOT), opts.against)
    try:
        for count in sizes:
            data, built = ours_cache(work, count, opts.seed)
            if opts.keys_only and opts.against:
                # A B B A: this tree, then the other, then the other, then this one ...
                paired: dict[str, list[Figures]] = {"A": [], "B": []}
                for side in abba(["A", "B"], opts.runs):
                    paired[side].append(run_ours(data, opts.presses, keys_only=True,
                                                 tree=opts.against if side == "B" else None))
                report_keys(count, paired["A"], "A (this tree)")
                report_keys(count, paired["B"], f"B ({opts.against})")
                continue
            if opts.keys_only:
                report_keys(count, [run_ours(data, opts.presses, keys_only=True)
                                    for _ in range(opts.runs)])
                continue
            if opts.searches and opts.typed:
                interval = opts.typed / 1000
                report_typed(count, interval, run_typed(
                    newsreader_command(), data, WORDS, opts.searches, interval, HINT))
                continue
            if opts.searches:
                report_searches(count, run_searches(data, opts.searches, opts.paste))
                continue
            queries = query_times(data / "newsreader.sqlite3")
            ours = run_ours(data, opts.presses)
            startups[count] = ours
            theirs = None
            if with_newsboat:
                how = "direct" if count > 200_000 else opts.newsboat_cache
                theirs = run_newsboat(work, count, opts.seed, opts.presses, how)
            report(count, ours, theirs, queries, built)
        if opts.big_story:
            firsts, shown = run_big_story(work)
            print(f"\n== j onto a ~200 KB story ({len(shown)} times): first redraw median "
                  f"{ms(statistics.median(firsts))}, story shown median "
                  f"{ms(statistics.median(shown))} (best {ms(min(shown))}, worst "
                  f"{ms(max(shown))}); load average {os.getloadavg()[0]:.1f}")
    finally:
        if not opts.work:
            shutil.rmtree(work, ignore_errors=True)
    if len(startups) > 1:
        small, big = min(startups), max(startups)
        print(f"\nnewsreader at {big:,} vs {small:,} stories: start-up "
              f"{startups[big].startup / startups[small].startup:.2f}x, resident memory "
              f"{startups[big].rss_mb / startups[small].rss_mb:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
