"""Start-up never waits for the slow things: Pilot tests on real caches.

* The integrity check runs in a worker after the first screen; damage it finds is told in
  words, the app goes on (marks still saved), and the next start rebuilds the cache.
* `newsreader PATH`: the app opens on the cache and reads the path in a worker, then lands on
  the new source; a path that cannot be read is told in words.
* After a rebuild, local files and folders are read again at once, offline too.

Workers are waited on, never the clock: a check or a read held up by a `threading.Event` shows
what the screen looks like while it runs.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.worker import Worker

from reader.models import Entry, View
from reader.paths import DB_NAME, SUBSCRIPTIONS_NAME
from reader.service import sources
from reader.service.subscriptions import open_cache
from reader.store import Store
from reader.store.recovery import DAMAGED_SUFFIX, BackgroundCheck, background_check, check_due
from reader.ui.widgets.headline_list import HeadlineList
from tests.helpers.pilot import SIZE, RecordingApp, headline_rows, main, settle, shown_title
from tests.helpers.stories import NOW

WAIT = 30.0  # seconds a held-up worker waits for the test at most (never reached when passing)


class Gate:
    """Holds a worker thread at a point until the test opens it."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.opened = threading.Event()

    def wait(self) -> None:
        self.reached.set()
        assert self.opened.wait(WAIT), "the test never opened the gate"

    def open(self) -> None:
        self.opened.set()


@pytest.fixture
def gate() -> Iterator[Gate]:
    held = Gate()
    yield held
    held.open()  # a failed test must not leave a worker thread waiting


def stories(prefix: str, count: int) -> list[Entry]:
    return [Entry(key=f"{prefix}-{n}", title=f"{prefix} story {n}",
                  body_html=f"<p>{prefix} {n} paragraph.</p>",
                  lead=f"{prefix} lead of story number {n}, long enough to fill index pages",
                  published=NOW - n * 60) for n in range(count)]


def cache_with_stories(data: Path, count: int = 600) -> tuple[Store, int]:
    """A cache opened the way the app opens it (no full check), with a local file source."""
    opened = open_cache(data, clock=lambda: NOW, check=False)
    store = opened.store
    source = store.add_source("file", str(data.parent / "daily.txt"), "Daily")
    store.upsert_entries(source.id, stories("daily", count))
    return store, source.id


def damage_an_index(db: Path) -> None:
    """Scramble the cell pointers of one index's root page: the headlines, the stories and
    their marks still read and write, but `PRAGMA quick_check` fails."""
    conn = sqlite3.connect(db)
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'stories_lead_start'"
                        ).fetchone()[0]
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with open(db, "r+b") as handle:
        handle.seek((root - 1) * page + 12)
        handle.write(b"\xff\xee" * 40)


def group(app: RecordingApp, name: str) -> list[Worker[object]]:
    return [worker for worker in app.workers if worker.group == name]


async def test_the_first_screen_does_not_wait_for_the_integrity_check(
        tmp_path: Path, gate: Gate) -> None:
    store, _source = cache_with_stories(tmp_path / "data", 20)
    answers: list[str] = []

    def held_check() -> str:
        gate.wait()
        answers.append(background_check(store, clock=lambda: NOW))
        return answers[-1]

    app = RecordingApp(store, cache_check=held_check, check_delay=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot, ignore=frozenset({"cache-check"}))
        # The first screen is complete (headlines, the newest story open) while the check
        # has not even been allowed to start.
        assert gate.reached.is_set() and answers == []
        assert "daily story 0" in headline_rows(app)[0]
        assert shown_title(app) == "daily story 0"
        [check] = group(app, "cache-check")
        assert not check.is_finished
        gate.open()
        await app.workers.wait_for_complete([check])
        await settle(app, pilot)
        assert answers == [""]  # it ran, and found the cache sound
        assert app.cache_problem == "" and not [n for n in app.notes if n[0] == "error"]
    store.close()


async def test_damage_found_after_start_is_told_and_the_next_start_rebuilds(
        tmp_path: Path) -> None:
    data = tmp_path / "data"
    store, source = cache_with_stories(data)
    store.close()
    db = data / DB_NAME
    damage_an_index(db)
    opened = open_cache(data, clock=lambda: NOW, check=False)  # as the app opens it
    assert opened.notices == [] and not opened.rebuilt  # nothing found before the screen
    store = opened.store
    app = RecordingApp(store, check_delay=0,
                       cache_check=lambda: background_check(store, clock=lambda: NOW))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        [(severity, words)] = [n for n in app.notes if "damaged" in n[1]]
        assert severity == "error"
        assert f"The cache {db} is damaged (the integrity check says:" in words
        assert "You can go on reading" in words and "When newsreader next starts" in words
        assert f"your subscriptions come back from {data / SUBSCRIPTIONS_NAME}" in words
        assert app.cache_problem == words
        # The app goes on over the damaged cache: the newest story is open and was marked
        # read, and a star is still saved.
        assert shown_title(app) == "daily story 0"
        await pilot.press("s")
        await settle(app, pilot)
        newest = store.views.headlines(View(source_id=source), 0, 1)[0]
        assert newest.read and newest.starred
    store.close()
    assert db.with_name(DB_NAME + DAMAGED_SUFFIX).exists()

    again = open_cache(data, clock=lambda: NOW + 60)
    try:
        assert again.rebuilt
        assert again.notices[0].startswith(f"The cache {db} was damaged (the integrity check")
        assert "1 subscription was restored" in again.notices[1]
        assert "Your 1 starred story was saved from the damaged file" in again.notices[1]
        [daily] = again.store.sources()
        assert (daily.title, daily.total) == ("Daily", 1)  # the starred story, and only it
        [kept] = again.store.views.headlines(View(), 0, 10)
        assert (kept.title, kept.starred) == ("daily story 0", True)
        assert again.store.views.count(View(search="paragraph")) == 1  # indexed in the new cache
        assert again.store.quick_check() == "ok"
        assert not db.with_name(DB_NAME + DAMAGED_SUFFIX).exists()
        assert list(data.glob(f"{DB_NAME}.corrupt-*"))  # kept, not deleted
    finally:
        again.store.close()
    third = open_cache(data, clock=lambda: NOW + 120)
    third.store.close()
    assert not third.rebuilt and third.notices == []


def test_a_stopped_check_is_not_counted_as_done(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from reader.store import recovery

    monkeypatch.setattr(recovery, "CHECK_ALWAYS_BELOW", 1)  # large: checked once a day
    store, _source = cache_with_stories(tmp_path / "data", 3)
    stopped = BackgroundCheck(store, clock=lambda: NOW)
    stopped.stop()  # the app quit before the check ran (or while it ran)
    assert stopped() == "" and check_due(store, NOW)  # still due at the next start
    done = BackgroundCheck(store, clock=lambda: NOW)
    assert done() == "" and not check_due(store, NOW)  # ran: not due again today
    assert check_due(store, NOW + 86_400)
    store.close()


def test_a_cache_grown_large_counts_its_day_from_its_last_check(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A small cache checked on opening that grows past the size in one go (a first sync)
    is not checked again at its next opening that day."""
    from reader.store import recovery

    data = tmp_path / "data"
    first = open_cache(data, clock=lambda: NOW)  # a headless command: the full check runs
    small = (data / DB_NAME).stat().st_size
    first.store.close()
    store, _source = cache_with_stories(data, 600)
    store.close()
    assert (data / DB_NAME).stat().st_size > small
    monkeypatch.setattr(recovery, "CHECK_ALWAYS_BELOW", small + 1)  # now it is a large one
    again = open_cache(data, clock=lambda: NOW + 60, check=False)
    try:
        assert not check_due(again.store, NOW + 60)
        assert check_due(again.store, NOW + 86_400)
    finally:
        again.store.close()


def test_a_note_about_another_file_is_dropped(tmp_path: Path) -> None:
    """A cache put back from a backup is a new file: the note about the old one must not
    send it aside."""
    data = tmp_path / "data"
    store, _source = cache_with_stories(data, 3)
    store.close()
    db = data / DB_NAME
    note = db.with_name(DB_NAME + DAMAGED_SUFFIX)
    note.write_text(f"{db.stat().st_ino + 1}\n0\nold damage\n", encoding="utf-8")
    opened = open_cache(data)
    opened.store.close()
    assert not opened.rebuilt and not note.exists()


def test_a_cache_sound_at_the_next_start_is_kept(tmp_path: Path) -> None:
    """The next start checks again before it sets anything aside: a cache mended meanwhile
    (or damage that was not the file's) stays, with everything in it."""
    data = tmp_path / "data"
    store, source = cache_with_stories(data, 3)
    store.close()
    db = data / DB_NAME
    note = db.with_name(DB_NAME + DAMAGED_SUFFIX)
    note.write_text(f"{db.stat().st_ino}\n0\nthe integrity check says: it was bad\n",
                    encoding="utf-8")
    heard: list[str] = []
    opened = open_cache(data, announce=heard.append)
    try:
        assert not opened.rebuilt and opened.notices == [] and not note.exists()
        assert opened.store.views.count(View(source_id=source)) == 3
        assert heard == [f"Checking the cache {db}, found damaged last time (the integrity "
                         "check says: it was bad)…"]
    finally:
        opened.store.close()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    news = tmp_path / "news"
    news.mkdir()
    (news / "harbour.txt").write_text("# Harbour ferries return\nThe first ferry left at dawn.\n",
                                      encoding="utf-8")
    (news / "bridge.md").write_text("# The old bridge reopens\nTraffic crossed again today.\n",
                                    encoding="utf-8")
    return news


async def test_paths_are_read_after_the_first_screen_then_selected(
        tmp_path: Path, folder: Path, gate: Gate, monkeypatch: pytest.MonkeyPatch) -> None:
    store, _source = cache_with_stories(tmp_path / "data", 5)
    real_add = sources.add_path

    def held_add(store: Store, path: str) -> object:
        gate.wait()
        return real_add(store, path)

    monkeypatch.setattr(sources, "add_path", held_add)
    app = RecordingApp(store, paths=[str(folder)])
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot, ignore=frozenset({"paths"}))
        # The cache shows at once; the folder is still being read.
        assert shown_title(app) == "daily story 0"
        assert not group(app, "paths")[0].is_finished
        gate.open()
        await settle(app, pilot)
        added = store.source_by_location(str(folder.resolve()))
        assert added is not None and added.total == 2
        assert main(app).view == View(mode="all", source_id=added.id)  # landed on it
        assert main(app).query_one(HeadlineList).total == 2
        assert shown_title(app) in ("Harbour ferries return", "The old bridge reopens")
        assert any(n[1] == f"Added {added.label}: 2 stories" for n in app.notes)
        assert app.paths_added == 1 and app.path_problems == []


async def test_a_path_that_cannot_be_read_is_told_and_the_others_still_come(
        tmp_path: Path, folder: Path) -> None:
    store, _source = cache_with_stories(tmp_path / "data", 5)
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    single = tmp_path / "note.txt"
    single.write_text("# A single note\nWritten down.\n", encoding="utf-8")
    app = RecordingApp(store, paths=[str(binary), str(folder), str(single)])
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        [(severity, reason)] = [n for n in app.notes if "photo.txt" in n[1]]
        assert severity == "error" and str(binary) in reason
        assert app.path_problems == [reason]
        first = store.source_by_location(str(folder.resolve()))
        assert first is not None and main(app).view.source_id == first.id  # the first added
        assert store.source_by_location(str(single.resolve())) is not None
        assert ("information", "Added note.txt: 1 story") in app.notes
        assert app.paths_added == 2
        # The second source is listed too, without leaving the first one.
        assert {s.label for s in main(app).sources} >= {"news", "note.txt", "Daily"}


async def test_after_a_rebuild_local_sources_are_read_again_even_offline(
        tmp_path: Path, folder: Path) -> None:
    data = tmp_path / "data"
    opened = open_cache(data, clock=lambda: NOW)
    sources.add_path(opened.store, folder)
    opened.store.close()
    (data / DB_NAME).write_bytes(b"this is no longer a database" * 200)
    rebuilt = open_cache(data, clock=lambda: NOW)
    store = rebuilt.store
    assert rebuilt.rebuilt
    [source] = store.sources()
    assert source.kind == "folder" and source.total == 0  # back, but empty
    app = RecordingApp(store, offline=True, rebuilt=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert store.views.count(View(source_id=source.id)) == 2
        assert "Refreshed 1 source: 2 new stories" in [n[1] for n in app.notes]
        rows = " ".join(headline_rows(app))
        assert "Harbour ferries" in rows and "The old bridge" in rows
    store.close()


async def test_a_first_launch_with_files_opens_them_without_the_welcome_stories(
        tmp_path: Path, folder: Path) -> None:
    """The welcome stories are for an empty first screen; files named at launch fill it."""
    store = Store(tmp_path / "data" / DB_NAME, clock=lambda: NOW)
    app = RecordingApp(store, paths=[str(folder)])
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        added = store.source_by_location(str(folder.resolve()))
        assert added is not None
        assert [s.kind for s in store.sources()] == [added.kind]  # no welcome source
        assert main(app).view.source_id == added.id
