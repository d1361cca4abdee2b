"""Realistic archives of 10,000 to 1,000,000 stories, written through newsreader's own Store.

Why a generator of its own (and not the feeds of refresh_bench): the archive benchmark needs
text that searches like news, so words follow a Zipf law (a few words are in most stories,
most words in few), a handful of marker words are planted in a known number of stories (the
"rare word" of the search figures), and every story is reproducible from the seed alone, so
newsboat can be given exactly the same stories.

The stories reach the cache through `Store.upsert_entries`, the path a refresh takes (dedupe,
sanitised fields, full-text index triggers), in batches of a source's stories; read and
starred flags go through `Store.set_read` / `Store.set_starred`. Nothing is written behind the
store's back.
"""

from __future__ import annotations

import html
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from reader.models import Entry, View
from reader.store import Store

COMMON = [
    "the", "of", "and", "to", "in", "a", "is", "that", "for", "on", "with", "as", "was",
    "at", "by", "it", "from", "said", "his", "are", "be", "has", "have", "an", "this",
    "not", "but", "had", "its", "were", "their", "they", "which", "been", "who", "more",
    "after", "also", "new", "government", "minister", "people", "year", "years", "police",
    "president", "country", "city", "world", "election", "market", "state", "first", "two",
    "week", "report", "officials", "security", "water", "energy", "health", "school",
    "court", "workers", "company", "price", "prices", "war", "peace", "council", "talks",
    "border", "league", "season", "team", "coach", "film", "music", "storm", "ferry",
    "harbour", "bridge", "village"
]
RARE_WORD = "quixotry"  # planted in exactly RARE_COUNT stories
RARE_COUNT = 12
COMMON_WORD = "government"
SYLLABLES = [
    "ka", "lo", "mi", "ne", "ra", "to", "su", "vi", "den", "mar", "tel", "bor", "qui",
    "sta", "pre", "con", "ver", "al", "in", "ex", "por", "ta", "ge", "shi", "on", "bel",
    "dra", "fen", "gol", "hun", "jor", "kel", "lin", "mon", "nor", "pel", "ros", "sel",
    "tor", "ul", "wen", "yar", "zim"
]
BASE_TIME = 1_730_000_000.0  # stories end here (2024-10-27); older ones go back from it
FOLDERS = ("World", "Business", "Science", "Sport", "Culture", "Local", "", "")


@dataclass(frozen=True, slots=True)
class GenStory:
    source: int
    key: str
    title: str
    link: str
    author: str
    published: float
    lead: str
    body_html: str
    read: bool
    starred: bool


class Words:
    """A Zipf-distributed vocabulary: COMMON first, then made-up words of 2-4 syllables."""

    def __init__(self, rng: random.Random, size: int = 30_000) -> None:
        made: list[str] = []
        seen = set(COMMON) | {RARE_WORD}
        while len(made) < size - len(COMMON):
            word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
            if word not in seen:
                seen.add(word)
                made.append(word)
        self.words = list(COMMON) + made
        weights = [1.0 / (rank + 1) ** 1.05 for rank in range(len(self.words))]
        total = 0.0
        self.cumulative: list[float] = []
        for weight in weights:
            total += weight
            self.cumulative.append(total)

    def pick(self, rng: random.Random, k: int) -> list[str]:
        return rng.choices(self.words, cum_weights=self.cumulative, k=k)


def sources_for(count: int) -> int:
    """How many sources an archive of `count` stories has (a heavy reader's 100-300 feeds)."""
    return max(3, min(300, count // 400))


def generate(count: int, seed: int = 1) -> Iterator[GenStory]:
    """`count` stories, the same for the same seed, spread over `sources_for(count)` sources
    and about three years, oldest first (as they would have arrived, so story ids grow with
    time as in a real cache); 90% of them read (the old ones), 1% starred."""
    rng = random.Random(seed)
    words = Words(rng)
    sources = sources_for(count)
    rare = set(rng.sample(range(count), min(RARE_COUNT, count)))
    span = 3 * 365 * 86400.0
    authors = [" ".join(w.capitalize() for w in words.pick(rng, 2)) for _ in range(500)]
    for n in range(count):
        age = span * (count - 1 - n) / max(count, 1)  # n = 0 is the oldest
        source = rng.randrange(sources)
        title = _sentence(rng, words, rng.randint(6, 12), end="")
        paragraphs = [_sentence(rng, words, rng.randint(12, 28)) + " "
                      + _sentence(rng, words, rng.randint(8, 24))
                      for _ in range(rng.randint(3, 10))]
        if n in rare:
            at = rng.randrange(len(paragraphs))
            paragraphs[at] = paragraphs[at].rstrip(".") + f" and {RARE_WORD}."
        lead = paragraphs[0]
        body = "".join(_paragraph(rng, words, p) for p in paragraphs)
        yield GenStory(
            source=source, key=f"guid:bench-{seed}-{n}", title=title,
            link=f"https://news{source}.example.com/{n // 1000}/{n}.html",
            author=rng.choice(authors), published=BASE_TIME - age - rng.random() * 600,
            lead=lead, body_html=body, read=n < count - count // 10,
            starred=rng.random() < 0.01)


def _sentence(rng: random.Random, words: Words, k: int, end: str = ".") -> str:
    chosen = words.pick(rng, k)
    return " ".join(chosen).capitalize() + end


def _paragraph(rng: random.Random, words: Words, text: str) -> str:
    text = html.escape(text, quote=False)
    roll = rng.random()
    if roll < 0.25:
        word = words.pick(rng, 1)[0]
        text += f' See <a href="https://example.com/{word}/{rng.randint(1, 99999)}">{word}</a>.'
    elif roll < 0.35:
        text = f"<strong>{words.pick(rng, 1)[0]}</strong> " + text
    return f"<p>{text}</p>"


def source_title(index: int) -> str:
    return f"Bench News {index:03d}"


def source_location(index: int) -> str:
    return f"https://news{index}.example.com/feed.xml"


def build(path: Path, count: int, seed: int = 1, batch: int = 2000,
          progress: bool = False) -> tuple[Store, float]:
    """Fill a new cache at `path` with `count` generated stories; returns it and the seconds
    it took. Stories go in through `upsert_entries` one source-batch at a time."""
    started = time.perf_counter()
    store = Store(path)
    ids = {}
    for index in range(sources_for(count)):
        ids[index] = store.add_source("feed", source_location(index), source_title(index),
                                      folder=FOLDERS[index % len(FOLDERS)]).id
    store.set_meta("welcome_shown", "1")  # an archive this big is not a first launch
    pending: dict[int, list[Entry]] = {}
    flags: dict[str, tuple[bool, bool]] = {}

    def flush(index: int) -> None:
        store.upsert_entries(ids[index], pending.pop(index))

    for done, story in enumerate(generate(count, seed), start=1):
        entry = Entry(key=story.key, title=story.title, body_html=story.body_html,
                      lead=story.lead, link=story.link, author=story.author,
                      published=story.published)
        pending.setdefault(story.source, []).append(entry)
        if story.read or story.starred:
            flags[story.key] = (story.read, story.starred)
        if len(pending[story.source]) >= batch // 10:
            flush(story.source)
        if progress and done % 50_000 == 0:
            print(f"  {done:,} stories ({time.perf_counter() - started:.0f} s)", flush=True)
    for index in list(pending):
        flush(index)
    _apply_flags(store, flags)
    return store, time.perf_counter() - started


def _apply_flags(store: Store, flags: dict[str, tuple[bool, bool]]) -> None:
    """Read and starred marks through the store's own setters, looked up by story key."""
    conn = store.db.conn()  # a bulk key -> id lookup; the writes use the API
    key_to_id = dict(conn.execute("SELECT key, id FROM stories"))
    read = [key_to_id[k] for k, (r, _) in flags.items() if r]
    for start in range(0, len(read), 20_000):
        store.set_read(read[start:start + 20_000], True)
    for key, (_, starred) in flags.items():
        if starred:
            store.set_starred(key_to_id[key], True)
    assert store.views.count(View()) > 0
