"""Views over the cache: every filter and their combinations, checked against an oracle.

The oracle is written apart from the store: it keeps the stories in a list, reads their text
with lxml (not the store's tag stripper), folds case and accents with unicodedata, and says
what each search means as a Python predicate (not through `parse_query`). Every count, page,
position and "next unread" the store gives must agree with it.
"""

from __future__ import annotations

import itertools
import random
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import lxml.html
import pytest

from reader.models import Entry, View
from reader.store import Store
from reader.store.search import ranking

NOW = 1_732_700_000.0
HOUR = 3600.0
VOCAB = ["storm", "harbour", "ferry", "election", "minister", "café", "bridge", "council",
         "quiet", "river"]
SOURCES = [("Daily Planet", "News"), ("World Wire", "News/World"), ("Harbour Gazette", ""),
           ("Quiet Corner", "Other")]
AUTHORS = ["Ann Smith", "Bo Jones", "Cy Smithers", ""]


def fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower())
                   if not unicodedata.combining(c))


def tokens(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", fold(text))


@dataclass
class Known:
    id: int
    source_id: int
    folder: str
    published: float
    read: bool
    starred: bool
    fields: dict[str, list[str]] = field(default_factory=dict)

    def has(self, word: str) -> bool:
        return any(word in words for words in self.fields.values())

    def starts(self, prefix: str) -> bool:
        return any(w.startswith(prefix) for words in self.fields.values() for w in words)

    def phrase(self, *words: str) -> bool:
        n = len(words)
        return any(tuple(ws[i:i + n]) == words for ws in self.fields.values()
                   for i in range(len(ws)))


SEARCHES: dict[str, Callable[[Known], bool]] = {
    "storm ": lambda k: k.has("storm"),
    "storm harbour ": lambda k: k.has("storm") and k.has("harbour"),
    "storm -harbour ": lambda k: k.has("storm") and not k.has("harbour"),
    "-storm ": lambda k: not k.has("storm"),
    "storm OR bridge ": lambda k: k.has("storm") or k.has("bridge"),
    "title:storm ": lambda k: "storm" in k.fields["title"],
    "author:smith ": lambda k: "smith" in k.fields["author"],
    "source:world ": lambda k: "world" in k.fields["source"],
    "CAFE ": lambda k: k.has("cafe"),
    '"storm harbour" ': lambda k: k.phrase("storm", "harbour"),
    "harb": lambda k: k.starts("harb"),
    "zzzunknown ": lambda k: False,
}


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, list[Known]]:
    rng = random.Random(7)
    store = Store(tmp_path_factory.mktemp("archive") / "cache.sqlite3", clock=lambda: NOW)
    known: list[Known] = []
    for number, (label, folder) in enumerate(SOURCES):
        source = store.add_source("feed", f"https://e{number}.example/feed", label, folder)
        entries = []
        for i in range(40):
            title = " ".join(rng.choices(VOCAB, k=rng.randint(2, 4))).capitalize()
            words = rng.choices(VOCAB, k=rng.randint(3, 9))
            link_word = rng.choice(VOCAB)  # in an href only: must never be found
            body = (f"<p>{' '.join(words[:3])} <b>{' '.join(words[3:])}</b></p>"
                    f'<p><a href="https://x.example/{link_word}zz">more</a> &amp; so on.</p>')
            entries.append(Entry(key=f"{number}-{i}", title=title, body_html=body,
                                 lead=" ".join(words[:3]), author=rng.choice(AUTHORS),
                                 published=NOW - rng.randint(0, 2000) * HOUR))
        store.upsert_entries(source.id, entries)
        for headline in store.views.headlines(View(source_id=source.id), 0, 1000):
            story = store.story(headline.id)
            assert story is not None
            read, starred = rng.random() < 0.5, rng.random() < 0.2
            store.set_read([story.id], read)
            store.set_starred(story.id, starred)
            text = " ".join(lxml.html.fromstring(f"<div>{story.body_html}</div>").itertext())
            known.append(Known(story.id, source.id, folder, story.published, read, starred, {
                "title": tokens(story.title), "body": tokens(text),
                "source": tokens(label), "author": tokens(story.author)}))
    return store, known


def expected(view: View, known: list[Known]) -> list[Known]:
    ids = {s.id: s.source_id for s in known}
    out = []
    for k in known:
        if (view.mode == "unread" or view.unread) and k.read:
            continue
        if (view.mode == "starred" or view.starred) and not k.starred:
            continue
        if view.source_id is not None and k.source_id != view.source_id:
            continue
        if view.folder and not (k.folder == view.folder
                                or k.folder.startswith(view.folder + "/")):
            continue
        if view.since is not None and k.published < view.since:
            continue
        if view.until is not None and k.published >= view.until:
            continue
        if view.search and not SEARCHES[view.search](k):
            continue
        out.append(k)
    assert all(k.id in ids for k in out)
    return out


def newest_first(rows: list[Known]) -> list[int]:
    return [k.id for k in sorted(rows, key=lambda k: (k.published, k.id), reverse=True)]


def views(known: list[Known]) -> list[View]:
    first_source = known[0].source_id
    scopes: list[dict[str, object]] = [{}, {"source_id": first_source}, {"folder": "News"},
                                       {"folder": "News/World"}]
    dates: list[dict[str, object]] = [{}, {"since": NOW - 1200 * HOUR, "until": NOW - 300 * HOUR}]
    out = []
    for mode, extra, scope, date, search in itertools.product(
            ("all", "unread", "starred"), ({}, {"unread": True}, {"starred": True}), scopes,
            dates, ["", *SEARCHES]):
        out.append(View(mode=mode, search=search, **extra, **scope, **date))  # type: ignore[arg-type]
    return out


def test_every_filter_and_combination_counts_and_lists_what_the_oracle_says(
        archive: tuple[Store, list[Known]]) -> None:
    store, known = archive
    checked = 0
    for view in views(known):
        want = expected(view, known)
        assert store.views.count(view) == len(want), view
        listed = [h.id for h in store.views.headlines(view, 0, 10_000)]
        assert sorted(listed) == sorted(k.id for k in want), view
        if not view.search or view.search.startswith("-"):
            assert listed == newest_first(want), view  # newest first, ties by id
        checked += bool(want)
    assert checked > 200  # most combinations hold some stories


def test_pages_positions_and_next_unread_follow_the_listing(
        archive: tuple[Store, list[Known]]) -> None:
    store, known = archive
    by_id = {k.id: k for k in known}
    outside = max(by_id) + 1000
    for view in views(known)[::19]:
        listed = [h.id for h in store.views.headlines(view, 0, 10_000)]
        paged = [h.id for page in range(0, len(listed) + 7, 7)
                 for h in store.views.headlines(view, page, 7)]
        assert paged == listed, view
        for position, story_id in list(enumerate(listed))[::3]:
            assert store.views.index_of(view, story_id) == position, view
        assert store.views.index_of(view, outside) is None
        for position, story_id in enumerate(listed[:12]):
            after = [i for i in listed[position + 1:] if not by_id[i].read]
            before = [i for i in listed[:position] if not by_id[i].read]
            assert store.views.next_unread(view, story_id, True) == (after[0] if after else None)
            assert store.views.next_unread(view, story_id, False) == (
                before[-1] if before else None)


def test_the_ranked_window_then_the_rest_most_recently_stored_first(
        archive: tuple[Store, list[Known]], monkeypatch: pytest.MonkeyPatch) -> None:
    store, known = archive
    monkeypatch.setattr(ranking, "WINDOW", 5)
    view = View(search="storm ")
    want = sorted((k.id for k in expected(view, known)), reverse=True)
    assert len(want) > 12
    listed = [h.id for h in store.views.headlines(view, 0, 10_000)]
    assert sorted(listed[:5]) == sorted(want[:5])  # the 5 most recently stored matches ...
    ranks = dict(store.db.conn().execute(  # ... best first
        "SELECT rowid, rank FROM stories_fts WHERE stories_fts MATCH 'storm'").fetchall())
    assert [ranks[i] for i in listed[:5]] == sorted(ranks[i] for i in listed[:5])
    assert listed[5:] == want[5:]  # then the rest, most recently stored first
    paged = [h.id for page in range(0, len(listed), 3)
             for h in store.views.headlines(view, page, 3)]
    assert paged == listed
    by_id = {k.id: k for k in known}
    for position, story_id in enumerate(listed):
        assert store.views.index_of(view, story_id) == position
        after = [i for i in listed[position + 1:] if not by_id[i].read]
        before = [i for i in listed[:position] if not by_id[i].read]
        assert store.views.next_unread(view, story_id, True) == (after[0] if after else None)
        assert store.views.next_unread(view, story_id, False) == (before[-1] if before else None)
    unread = [i for i in listed if not by_id[i].read]
    assert store.views.next_unread(view, None, True) == unread[0]
    assert store.views.next_unread(view, None, False) == unread[-1]


def test_best_matches_come_first_headline_words_weigh_most(tmp_path: Path) -> None:
    store = Store(tmp_path / "c.sqlite3", clock=lambda: NOW)
    source = store.add_source("feed", "https://e.example/f", "Feed")
    store.upsert_entries(source.id, [
        Entry(key="body", title="A quiet day", body_html="<p>the storm passed far away</p>",
              published=NOW),
        Entry(key="title", title="Storm warning", body_html="<p>nothing much else</p>",
              published=NOW - HOUR),
        Entry(key="none", title="Other", body_html="<p>nothing</p>", published=NOW - 2 * HOUR),
    ])
    titles = [h.title for h in store.views.headlines(View(search="storm"), 0, 10)]
    assert titles == ["Storm warning", "A quiet day"]
    newest = [h.title for h in store.views.headlines(View(search="storm", sort="newest"), 0, 10)]
    assert newest == ["A quiet day", "Storm warning"]


def test_typed_filters_are_the_same_as_view_fields(archive: tuple[Store, list[Known]]) -> None:
    store, known = archive
    pairs = [
        (View(search="storm is:unread "), View(search="storm ", unread=True)),
        (View(search="is:starred storm "), View(search="storm ", starred=True)),
        (View(search="storm after:2024-10-01 "),
         View(search="storm ", since=_local(2024, 10, 1))),
        (View(search="before:2024-10-01 storm "),
         View(search="storm ", until=_local(2024, 10, 1))),
        (View(search="is:read storm "), None),
    ]
    for typed, fields in pairs:
        got = {h.id for h in store.views.headlines(typed, 0, 10_000)}
        if fields is not None:
            assert got == {h.id for h in store.views.headlines(fields, 0, 10_000)}
            assert store.views.count(typed) == store.views.count(fields)
        else:
            assert got == {k.id for k in expected(View(search="storm "), known) if k.read}


def _local(year: int, month: int, day: int) -> float:
    import time

    return time.mktime((year, month, day, 0, 0, 0, 0, 0, -1))


def test_plain_views_are_counted_from_the_counters(archive: tuple[Store, list[Known]]) -> None:
    store, known = archive
    counts = store.views.counts()
    assert counts == {"all": len(known), "unread": sum(not k.read for k in known),
                      "starred": sum(k.starred for k in known)}
    for source in store.sources():
        mine = [k for k in known if k.source_id == source.id]
        assert (source.total, source.unread) == (len(mine), sum(not k.read for k in mine))


def test_mark_a_view_read_and_undo_exactly(tmp_path: Path) -> None:
    store = Store(tmp_path / "c.sqlite3", clock=lambda: NOW)
    a = store.add_source("feed", "https://a.example/f", "A")
    b = store.add_source("feed", "https://b.example/f", "B")
    for source in (a, b):
        store.upsert_entries(source.id, [
            Entry(key=f"{n}", title=f"{'Storm' if n % 2 else 'Calm'} {n}",
                  body_html=f"<p>{n}</p>", published=NOW - n) for n in range(10)])
    heads = store.views.headlines(View(source_id=a.id), 0, 100)
    store.set_read([heads[0].id, heads[1].id], True)  # already read: undo must keep them read
    before = {h.id: h.read for h in store.views.headlines(View(), 0, 100)}
    view = View(source_id=a.id, search="storm")
    ids = store.views.mark_read(view)
    wanted = {h.id for h in store.views.headlines(view, 0, 100) if not before[h.id]}
    assert set(ids) == wanted and len(ids) == len(wanted)
    assert store.views.count(replace_unread(view)) == 0
    assert store.views.count(View(source_id=b.id, mode="unread")) == 10  # untouched
    assert store.views.set_read_many(ids, False) == len(ids)
    assert {h.id: h.read for h in store.views.headlines(View(), 0, 100)} == before
    assert store.views.counts()["unread"] == sum(not r for r in before.values())


def replace_unread(view: View) -> View:
    from dataclasses import replace

    return replace(view, unread=True)
