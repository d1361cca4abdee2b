"""The cache when a write is cut short or contended: kill -9 in the middle of a refresh, two
copies (or many threads) writing at once, a read-only or full disk. What must hold: the file
passes `PRAGMA quick_check`, no story is duplicated or half-written, read and starred marks
survive, and every failure is told in words, never as a traceback.

These break the process or the disk while it writes; a file that is already damaged, and the
OPML copy it is rebuilt from, are in test_cache_faults_damage.py. Real parts only: the
`newsreader` command line in subprocesses, a loopback feed server, SQLite files in tmp_path,
and (where the kernel lets us, as root) a tiny tmpfs; otherwise RLIMIT_FSIZE stands in.
"""

# ruff: noqa: F811 - pytest fixtures imported from tests.feedserver are redefined as arguments
from __future__ import annotations

import contextlib
import os
import re
import resource
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from reader.models import View
from reader.paths import DB_NAME
from reader.refresh import refresh
from reader.service.subscriptions import open_store
from reader.store import Store
from reader.store.bodies import unpack
from tests.feedserver import FeedServer, feed_server  # noqa: F401
from tests.helpers.cache_faults import ROOT, newsreader, run
from tests.pty_terminal import Terminal

ENTRIES = 100


def feed(i: int, version: int, count: int = ENTRIES) -> str:
    items = "".join(
        f"<item><title>Feed {i} story {k} v{version}</title><guid>f{i}-{k}</guid>"
        f"<link>http://example.org/{i}/{k}</link><description>v{version} body {i}-{k} "
        f"{'filler words ' * 40}end-{i}-{k}</description></item>" for k in range(count))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {i}</title>'
            f"{items}</channel></rss>")


def story_count(db: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return 0
    try:
        return int(conn.execute("SELECT COUNT(*) FROM stories").fetchone()[0])
    except sqlite3.Error:
        return 0
    finally:
        conn.close()


def _done(screen: str) -> int:
    """How many sources `newsreader refresh`'s progress bar says are done."""
    found = re.findall(r"\] (\d+)/\d+", screen)
    return int(found[-1]) if found else 0


def assert_coherent(store: Store) -> dict[str, int]:
    """Every story whole (its title and body from the same version of the feed, the body to
    its last word), none twice; returns stories per source location."""
    conn = store.db.conn()
    dupes = conn.execute("SELECT source_id, key, COUNT(*) FROM stories GROUP BY source_id, key "
                         "HAVING COUNT(*) > 1").fetchall()
    assert dupes == []
    for title, packed, key in conn.execute("SELECT title, body_html, key FROM stories"):
        body = unpack(packed)
        feed_no, story_no = key.rsplit("f", 1)[-1].split("-")
        version = title.rsplit(" v", 1)[-1]
        assert title == f"Feed {feed_no} story {story_no} v{version}"
        assert f"v{version} body {feed_no}-{story_no} " in body
        assert body.rstrip().endswith(f"end-{feed_no}-{story_no}</p>"), body[-80:]
    return {s.location: s.total for s in store.sources()}


# -- kill -9 in the middle of a refresh ----------------------------------------------------------

def test_kill_9_during_a_refresh_loses_nothing(tmp_path: Path, feed_server: FeedServer) -> None:
    data = tmp_path / "data"
    store, notices = open_store(data)
    assert notices == []
    feeds = 16
    sources = []
    for i in range(feeds):
        feed_server.route(f"/f{i}", feed(i, 1))
        # Titles that sort as the feeds are numbered: a refresh takes its sources in title
        # order, and the held feeds must come last (they hold their host's turns until the
        # deadline: as "Feed 12" .. "Feed 15" they came fifth to eighth, and the feeds after
        # them waited 30 s).
        sources.append(store.add_source("feed", feed_server.url(f"/f{i}"), f"Feed {i:02}"))
    refresh(store, sources[:4])  # the cache before: four feeds, with marks
    read_ids = [s.id for s in store.stories_of(sources[0].id)]
    store.set_read(read_ids)
    starred = [s.id for s in store.stories_of(sources[1].id)[:10]]
    for story_id in starred:
        store.set_starred(story_id, True)
    before = story_count(data / DB_NAME)
    assert before == 4 * ENTRIES
    store.close()

    gate = threading.Event()  # the last feeds answer only after the kill

    def held(i: int) -> object:
        body = feed(i, 2).encode()

        def chunks() -> Iterator[bytes]:
            while not gate.wait(0.05):
                pass
            yield body
        return chunks

    for i in range(feeds):
        if i >= feeds - 4:
            feed_server.route(f"/f{i}", chunks=held(i))
        else:
            feed_server.route(f"/f{i}", feed(i, 2))  # new content for the four cached feeds
    env = {"NEWSREADER_DATA_DIR": str(data), "PYTHONPATH": str(ROOT)}
    term = Terminal([sys.executable, "-m", "reader", "refresh"], env=env, cwd=str(ROOT))
    try:
        # Wait on the child's own progress bar (in a real terminal, where it draws one): a
        # source is counted only once its batch is committed, so six done means at least
        # two feeds beyond the four cached ones are in the file. Kill at once, while the
        # child is writing the next ones.
        term.wait_for(lambda screen: _done(screen) >= 6, timeout=240)
        os.kill(term.proc.pid, signal.SIGKILL)
        term.proc.wait()
        assert term.proc.signalstatus == signal.SIGKILL
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(term.proc.pid, signal.SIGKILL)  # its parser workers too
        gate.set()
    killed_at = story_count(data / DB_NAME)
    assert before + 2 * ENTRIES <= killed_at < feeds * ENTRIES

    store, notices = open_store(data)
    try:
        assert notices == [] and store.quick_check() == "ok"
        counts = assert_coherent(store)
        assert set(counts.values()) <= {0, ENTRIES}  # each feed whole or not at all
        assert all(s.read for s in store.stories_of(sources[0].id))
        assert {s.id for s in store.stories_of(sources[1].id) if s.starred} == set(starred)
        outcomes = refresh(store)  # and the next refresh finishes the job
        assert all(o.ok for o in outcomes)
        counts = assert_coherent(store)
        assert set(counts.values()) == {ENTRIES}
        assert store.views.count(View()) == feeds * ENTRIES
        assert all(s.read for s in store.stories_of(sources[0].id))
        assert {s.id for s in store.stories_of(sources[1].id) if s.starred} == set(starred)
        assert all(t.endswith(" v2") for t in (s.title for s in store.stories_of(sources[2].id)))
    finally:
        store.close()


# -- two copies at once --------------------------------------------------------------------------

def test_two_copies_refreshing_at_once_never_see_database_is_locked(
        tmp_path: Path, feed_server: FeedServer) -> None:
    data = tmp_path / "data"
    store, _ = open_store(data)
    feed_server.latency = 0.02
    for i in range(12):
        feed_server.route(f"/f{i}", feed(i, 1, count=60))
        store.add_source("feed", feed_server.url(f"/f{i}"))
    store.close()
    first, second = newsreader(data, "refresh"), newsreader(data, "refresh")
    results = [proc.communicate(timeout=300) + (proc.returncode,) for proc in (first, second)]
    new = 0
    for out, err, code in results:
        assert code == 0, err
        assert "locked" not in err.lower() and "Traceback" not in err
        summary = out.strip().splitlines()[-1]  # "12 sources, N new stories, 0 failed"
        assert summary.startswith("12 sources, ") and summary.endswith(", 0 failed")
        new += int(summary.split(", ")[1].split()[0])
    assert new == 12 * 60  # each story stored by exactly one of the two
    store, _ = open_store(data)
    try:
        assert store.quick_check() == "ok"
        assert set(assert_coherent(store).values()) == {60}
    finally:
        store.close()


def test_many_threads_writing_at_once(tmp_path: Path) -> None:
    """Four writers in one process (the app's refresh, marks, adds), each its own connection."""
    from reader.models import Entry

    store, _ = open_store(tmp_path)
    sources = [store.add_source("feed", f"http://example.org/{i}") for i in range(4)]
    errors: list[BaseException] = []

    def write(source_id: int) -> None:
        try:
            for n in range(30):
                store.upsert_entries(source_id, [Entry(key=f"k{n}", title=f"t{n}",
                                                       body_html="<p>x</p>")])
                store.set_read([n + 1], True)
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(s.id,)) for s in sources]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and store.views.count(View()) == 120
    store.close()


# -- a read-only or full disk --------------------------------------------------------------------

@contextlib.contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_a_read_only_data_directory_is_told_in_words(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "mnt", "2m") as mnt:
        data = mnt / "data"
        story = tmp_path / "story.txt"
        story.write_text("A story that is long enough to be one.\n")
        assert run(data, "add", str(story)).returncode == 0
        subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)
        before = snapshot(data)
        for args in (("list",), ("refresh",), ("add", str(story)), ("show", "1")):
            done = run(data, *args)
            assert done.returncode == 1, args
            assert "Traceback" not in done.stderr
            assert f"the folder {data} is read-only" in done.stderr, done.stderr
        assert snapshot(data) == before
        fresh = run(mnt / "new-data", "list")
        assert fresh.returncode == 1 and "Traceback" not in fresh.stderr
        assert "cannot create the cache directory" in fresh.stderr


def test_a_disk_that_fills_during_a_refresh(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "mnt", "1m") as mnt:  # an empty cache is ~300 KB (8 KB pages)
        data = mnt / "data"
        first = tmp_path / "first.txt"
        first.write_text("The first story, stored while there was room.\n")
        assert run(data, "add", str(first)).returncode == 0
        store = Store(data / DB_NAME)
        (story,) = store.stories_of(store.sources()[0].id)
        store.set_starred(story.id, True)
        store.close()
        big = tmp_path / "big"
        big.mkdir()
        for i in range(60):  # words that do not compress (the cache compresses bodies)
            (big / f"s{i}.txt").write_text(f"Story {i}. " + " ".join(
                os.urandom(3).hex() for _ in range(1600)))
        done = run(data, "add", str(big))
        assert done.returncode == 1 and "Traceback" not in done.stderr
        assert "database or disk is full" in done.stderr and "is full" in done.stderr
        listed = run(data, "list")  # reading still works on the full disk
        assert listed.returncode == 0 and "first.txt" in listed.stdout
        (mnt / "room").write_bytes(b"")
        store, notices = open_store(data)
        try:
            assert notices == [] and store.quick_check() == "ok"
            big_source = store.source_by_location(str(big.resolve()))
            assert big_source is None or big_source.total == 0  # all or nothing
            kept = store.source_by_location(str(first.resolve()))
            assert kept is not None
            assert [s.starred for s in store.stories_of(kept.id)] == [True]
        finally:
            store.close()


def test_a_file_size_limit_stands_in_for_a_full_disk(tmp_path: Path) -> None:
    """Where no tmpfs can be mounted: RLIMIT_FSIZE makes every write past it fail (EFBIG)."""
    data = tmp_path / "data"
    first = tmp_path / "first.txt"
    first.write_text("The first story, stored while there was room.\n")
    assert run(data, "add", str(first)).returncode == 0
    big = tmp_path / "big"
    big.mkdir()
    for i in range(40):
        (big / f"s{i}.txt").write_text(f"Story {i}. " + "Many words of a long story. " * 400)
    size = (data / DB_NAME).stat().st_size

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size + 64 * 1024, size + 64 * 1024))

    proc = newsreader(data, "add", str(big), preexec_fn=limit)
    _out, err = proc.communicate(timeout=240)
    assert proc.returncode == 1 and "Traceback" not in err
    assert "cannot write to the cache" in err
    store, notices = open_store(data)
    try:
        assert notices == [] and store.quick_check() == "ok"
        kept = store.source_by_location(str(first.resolve()))
        assert kept is not None and kept.total == 1
        big_source = store.source_by_location(str(big.resolve()))
        assert big_source is None or big_source.total == 0
    finally:
        store.close()
