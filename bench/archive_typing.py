"""Search as typed by a person: one key every `interval` ms, each key's results timed.

`archive_bench.py --searches N` sends a whole word at once, as a paste does: the app handles
ten keys, then searches the word from nothing. A person types a letter at a time (a fast
typist: ~100 ms a letter), and the list answers every letter. So this mode sends the word's
keys on that schedule, without waiting for the screen, and for every key that changes what
the search shows (its count or its best match) measures the time from the key sent to that
count and that best match written by the app. A key whose results equal the key's before it
("governme" after "governm": one word has that prefix) changes nothing but the typed text and
is not timed; a key whose results never show because the next key came first is counted as
replaced. Each run is a newly started app, so nothing of a search is kept from a run before.
"""

from __future__ import annotations

import os
import select
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.archive_pty import TimedTerminal
from reader.models import View
from reader.store import Store
from reader.store.recovery import _CHECKED_KEY as CHECKED_KEY


@dataclass
class Typed:
    """One word typed in one app: the seconds of each timed key, and the keys replaced."""

    times: dict[str, float] = field(default_factory=dict)  # prefix -> key to results drawn
    replaced: list[str] = field(default_factory=list)


def expected(store: Store, word: str) -> list[tuple[str, ...] | None]:
    """For each prefix of `word`: the texts its results draw (the count as the bar shows it,
    the best match's first 14 letters, as wide as the list's column), or None when they are
    the results of the prefix before (or none at all: nothing new is drawn)."""
    out: list[tuple[str, ...] | None] = []
    before: tuple[str, ...] | None = None
    for end in range(1, len(word) + 1):
        view = View(search=word[:end])
        total = store.views.count(view)
        best = store.views.headlines(view, 0, 1)
        shown = (f"{total:,} stor", best[0].title[:14]) if best else (f"{total:,} stor",)
        out.append(None if shown == before or not total else shown)
        before = shown
    return out


def type_word(term: TimedTerminal, word: str, wanted: list[tuple[str, ...] | None],
              interval: float, timeout: float = 30.0) -> Typed:
    """Send `word` a key every `interval` seconds and time each key's results (see above)."""
    fd = term.proc.fd
    found = Typed()
    sent: list[float] = []
    since: list[bytearray] = []  # the output since each key was sent
    next_key = time.monotonic()
    deadline = next_key + len(word) * interval + timeout
    pending = [i for i, want in enumerate(wanted) if want is not None]
    while time.monotonic() < deadline:
        now = time.monotonic()
        if len(sent) < len(word) and now >= next_key:
            term.send(word[len(sent)])
            sent.append(time.monotonic())
            since.append(bytearray())
            next_key += interval
        typed_all = len(sent) == len(word)
        if typed_all and not [i for i in pending if i >= len(sent) - 1]:
            break  # the last result-changing key is drawn (or replaced)
        wait = 0.05 if typed_all else max(0.0, min(next_key - time.monotonic(), 0.05))
        if not select.select([fd], [], [], wait)[0]:
            continue
        data = os.read(fd, 1 << 20)
        stamp = term.last_data = time.monotonic()
        term.raw.extend(data)
        term.stream.feed(data)
        for buffer in since:
            buffer.extend(data)
        for i in list(pending):
            if i >= len(sent):
                break
            texts = wanted[i] or ()
            if all(text in since[i].decode("utf-8", "ignore") for text in texts):
                found.times[word[:i + 1]] = stamp - sent[i]
                pending.remove(i)
        # A key not drawn when a later key's results are: replaced by the later key.
        drawn = [i for i in range(len(sent)) if word[:i + 1] in found.times]
        for i in list(pending):
            if drawn and i < max(drawn):
                found.replaced.append(word[:i + 1])
                pending.remove(i)
    if pending:
        raise AssertionError(f"never drawn: {[word[:i + 1] for i in pending]}")
    return found


def run_typed(command: list[str], data: Path, words: list[str], runs: int,
              interval: float, hint: str) -> dict[str, list[Typed]]:
    """Each word typed in `runs` newly started apps, `interval` seconds a key."""
    store = Store(data / "newsreader.sqlite3")
    try:
        first = store.views.headlines(View(), 0, 1)[0].title[:24]
        wanted = {word: expected(store, word) for word in words}
        store.set_meta(CHECKED_KEY, str(time.time()))  # not a first start of the day
    finally:
        store.close()
    config = Path(tempfile.mkdtemp(prefix="nr-config-"))
    out: dict[str, list[Typed]] = {word: [] for word in words}
    try:
        for _ in range(runs):
            term = TimedTerminal([*command, "--data-dir", str(data), "--offline"],
                                 env={"NEWSREADER_CONFIG_DIR": str(config)})
            try:
                term.wait_for(lambda s: first in s, timeout=600)
                term.settle(1.0)
                for word in words:
                    term.press("/", lambda s: hint in s)
                    term.settle(0.3)  # the bar is open: time the search, not the opening
                    out[word].append(type_word(term, word, wanted[word], interval))
                    term.settle(0.3)
                    term.press("\x1b", lambda s: hint not in s)
                    term.settle(0.3)
                term.send("q")
                term.wait_exit(timeout=60)
            finally:
                term.close()
    finally:
        shutil.rmtree(config, ignore_errors=True)
    return out


def report_typed(count: int, interval: float, found: dict[str, list[Typed]]) -> None:
    runs = len(next(iter(found.values())))
    print(f"\n== {count:,} stories, search typed a key every {interval * 1000:.0f} ms, "
          f"{runs} run(s), each a new start (load average now {os.getloadavg()[0]:.1f})")
    for word, typed in found.items():
        times = [t for one in typed for t in one.times.values()]
        keys = sorted({p for one in typed for p in one.times}, key=len)
        replaced = sum(len(one.replaced) for one in typed)
        if not times:
            print(f"   {word!r:14} no key changed the results")
            continue
        print(f"   {word!r:14} keys that change the results ({', '.join(keys)}): median "
              f"{statistics.median(times) * 1000:5.0f} ms, worst {max(times) * 1000:5.0f} ms;"
              f" replaced before drawn: {replaced}")
        for prefix in keys:
            each = [one.times[prefix] * 1000 for one in typed if prefix in one.times]
            print(f"      {prefix!r:14} {', '.join(f'{v:.0f}' for v in each)} ms")
