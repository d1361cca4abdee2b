"""The cache under faults: kill -9 mid-refresh, two copies at once, a damaged file, a read-only
or full disk. What must hold: the file passes `PRAGMA quick_check`, no story is duplicated or
half-written, read and starred marks survive, subscriptions survive a damaged file (from the
OPML copy kept beside it), and every failure is told in words, never as a traceback.

Real parts only: the `newsreader` command line in subprocesses, a loopback feed server, SQLite
files in tmp_path, and (where the kernel lets us, as root) a tiny tmpfs for a full or
read-only disk; otherwise RLIMIT_FSIZE stands in for a full disk.
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
import time
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest

from reader.models import View
from reader.paths import DB_NAME, SUBSCRIPTIONS_NAME
from reader.refresh import refresh
from reader.service.subscriptions import deferred_subscriptions, open_store, write_subscriptions
from reader.store import Store, StoreError
from reader.store.bodies import unpack
from reader.store.schema import SCHEMA_VERSION
from tests.feedserver import FeedServer, feed_server  # noqa: F401
from tests.pty_terminal import Terminal

ROOT = Path(__file__).resolve().parent.parent
ENTRIES = 100


def feed(i: int, version: int, count: int = ENTRIES) -> str:
    items = "".join(
        f"<item><title>Feed {i} story {k} v{version}</title><guid>f{i}-{k}</guid>"
        f"<link>http://example.org/{i}/{k}</link><description>v{version} body {i}-{k} "
        f"{'filler words ' * 40}end-{i}-{k}</description></item>" for k in range(count))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {i}</title>'
            f"{items}</channel></rss>")


def newsreader(data: Path, *args: str, **kwargs: object) -> subprocess.Popen[str]:
    env = {**os.environ, "NEWSREADER_DATA_DIR": str(data), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(  # type: ignore[call-overload]
        [sys.executable, "-m", "reader", *args], cwd=ROOT, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


def run(data: Path, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    proc = newsreader(data, *args)
    out, err = proc.communicate(timeout=timeout)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


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


# -- a damaged cache -----------------------------------------------------------------------------

def subscribed(data: Path, tmp_path: Path) -> tuple[list[str], Path]:
    """A cache with feeds in folders and a local folder, plus its OPML copy; closed."""
    news = tmp_path / "news"
    news.mkdir(exist_ok=True)
    (news / "story.txt").write_text("A local story that is long enough to be a story.\n")
    store, _ = open_store(data)
    store.add_source("feed", "https://example.org/world.xml", "World", "News/World")
    store.add_source("feed", "http://example.org/tech?x=1&y=2", 'Tech "&" <stuff>', "News")
    store.add_source("feed", "https://example.org/plain.xml", "Plain")
    store.add_source("folder", str(news), "My notes", "Local")
    store.upsert_entries(store.sources()[0].id, [])
    locations = sorted(s.location for s in store.sources())
    store.close()
    return locations, news


def damage_header(db: Path) -> None:
    with open(db, "r+b") as handle:
        handle.write(b"this is no longer a database" * 4)


def damage_pages(db: Path) -> None:
    """Overwrite pages in the middle of a valid file (a bad disk sector, a partial copy)."""
    size = db.stat().st_size
    assert size > 8 * 4096
    with open(db, "r+b") as handle:
        for page in range(2, size // 4096 - 1, 2):
            handle.seek(page * 4096 + 8)
            handle.write(os.urandom(200))


def damage_names(db: Path) -> None:
    """Bytes that are not UTF-8 over a table's name in the schema: SQLite's message about it
    quotes them, and Python cannot make that message text."""
    data = bytearray(db.read_bytes())
    at = data.find(b"tablesourcessources")
    assert at > 0
    data[at + 5:at + 12] = b"\xff\xfe\xfd\xfc\xfb\xfa\xf9"
    db.write_bytes(bytes(data))


def truncate(db: Path) -> None:
    with open(db, "r+b") as handle:
        handle.truncate(db.stat().st_size // 3)


def fill(data: Path) -> None:
    """Enough stories that the file has many pages to damage."""
    from reader.models import Entry

    store = Store(data / DB_NAME)
    source = store.sources()[0]
    store.upsert_entries(source.id, [Entry(key=f"k{i}", title=f"Story {i}",
                                           body_html="<p>" + "word " * 400 + "</p>")
                                     for i in range(120)])
    store.close()


@pytest.mark.parametrize("damage", [damage_header, damage_pages, damage_names, truncate],
                         ids=["header", "pages", "names", "truncated"])
def test_a_damaged_cache_is_moved_aside_and_subscriptions_come_back(
        tmp_path: Path, damage: object) -> None:
    data = tmp_path / "data"
    locations, _news = subscribed(data, tmp_path)
    fill(data)
    db = data / DB_NAME
    damage(db)  # type: ignore[operator]
    damaged_bytes = db.read_bytes()
    store, notices = open_store(data, clock=lambda: 1_700_000_000.0)
    try:
        assert len(notices) == 2
        assert notices[0].startswith(f"The cache {db} was damaged (")
        aside = data / f"{DB_NAME}.corrupt-{time.strftime('%Y%m%d-%H%M%S', time.localtime(1.7e9))}"
        assert aside.read_bytes() == damaged_bytes  # kept as it was, for `sqlite3 .recover`
        assert {p.name for p in data.glob(f"{DB_NAME}.corrupt-*")} <= {
            aside.name, aside.name + "-wal", aside.name + "." + SUBSCRIPTIONS_NAME}
        assert f"moved to {aside} and a new cache was made." in notices[0]
        assert notices[1].startswith(f"4 subscriptions were restored from "
                                     f"{data / SUBSCRIPTIONS_NAME}")
        assert store.quick_check() == "ok"
        assert sorted(s.location for s in store.sources()) == locations
        folders = {s.location: s.folder for s in store.sources()}
        assert folders["https://example.org/world.xml"] == "News/World"
        assert folders["http://example.org/tech?x=1&y=2"] == "News"
        titles = {s.title for s in store.sources()}
        assert 'Tech "&" <stuff>' in titles and "My notes" in titles
    finally:
        store.close()
    again, notices = open_store(data)  # the new cache is healthy: no second rebuild
    again.close()
    assert notices == []


def test_the_store_only_rebuilds_and_the_service_brings_the_subscriptions_back(
        tmp_path: Path) -> None:
    """The store's recovery knows files, not OPML: it sets the damaged cache aside and makes
    an empty one, saying where the old file went; the service reads the copy back."""
    from reader.service.subscriptions import subscriptions_path
    from reader.store import recovery

    data = tmp_path / "data"
    locations, _news = subscribed(data, tmp_path)
    damage_header(data / DB_NAME)
    damaged = (data / DB_NAME).read_bytes()
    opened = recovery.open_cache(data)
    try:
        assert opened.rebuilt and opened.aside is not None
        assert opened.aside.read_bytes() == damaged
        assert opened.store.sources() == [] and len(opened.notices) == 1
        assert opened.store.on_sources_changed is None  # nothing watches the copy yet
    finally:
        opened.store.close()
    for name in (DB_NAME, DB_NAME + "-wal", DB_NAME + "-shm"):  # damaged again, as before
        (data / name).unlink(missing_ok=True)
    (data / DB_NAME).write_bytes(damaged)
    store, notices = open_store(data)
    try:
        assert sorted(s.location for s in store.sources()) == locations
        assert len(notices) == 2 and notices[1].startswith("4 subscriptions were restored")
        assert store.on_sources_changed is not None and subscriptions_path(store).exists()
    finally:
        store.close()


def test_a_damaged_cache_without_a_copy_says_so(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / DB_NAME).write_bytes(b"\x00garbage" * 1000)
    store, notices = open_store(data)
    store.close()
    assert len(notices) == 2 and "No copy of your subscriptions was found" in notices[1]


def test_the_command_line_tells_the_user_and_goes_on(tmp_path: Path) -> None:
    data = tmp_path / "data"
    locations, news = subscribed(data, tmp_path)
    damage_header(data / DB_NAME)
    done = run(data, "list")
    assert done.returncode == 0 and "Traceback" not in done.stderr
    assert "was damaged" in done.stderr and "4 subscriptions were restored" in done.stderr
    for location in locations:
        assert location in done.stdout
    done = run(data, "--offline", "show", str(news / "story.txt"))
    assert done.returncode == 0 and "A local story" in done.stdout and done.stderr == ""


def test_the_app_tells_the_user_in_a_notification(tmp_path: Path) -> None:
    """End to end in a real terminal: the notice shows over the rebuilt cache."""
    from tests.pty_terminal import Terminal

    data = tmp_path / "data"
    _locations, _news = subscribed(data, tmp_path)
    damage_header(data / DB_NAME)
    term = Terminal([sys.executable, "-m", "reader", "--data-dir", str(data), "--offline"],
                    cols=200, rows=42, cwd=str(ROOT), env={"PYTHONPATH": str(ROOT)})
    try:
        # The notice, over the rebuilt cache's (restored) source list (shown from 200 columns).
        term.wait_for(lambda s: "was damaged" in s and "My notes" in s and "World" in s,
                      timeout=120)
        term.send("q")
        assert term.wait_exit() == 0
    finally:
        term.close()


def test_a_newer_schema_is_not_damage(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store, _ = open_store(data)
    store.close()
    conn = sqlite3.connect(data / DB_NAME)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    with pytest.raises(StoreError, match="newer newsreader"):
        open_store(data)
    assert not list(data.glob("*.corrupt-*"))


def test_an_unopenable_path_is_not_damage(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / DB_NAME).mkdir(parents=True)  # a folder where the file should be
    with pytest.raises(StoreError) as info:
        open_store(data)
    assert "cannot open the cache" in str(info.value)
    assert (data / DB_NAME).is_dir() and not list(data.glob("*.corrupt-*"))


def test_a_large_cache_is_checked_at_most_once_a_day(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from reader.store import recovery

    data = tmp_path / "data"
    subscribed(data, tmp_path)
    fill(data)
    monkeypatch.setattr(recovery, "CHECK_ALWAYS_BELOW", 1024)  # everything counts as large
    checks: list[float] = []
    real = Store.quick_check

    def counted(self: Store) -> str:
        checks.append(1)
        return real(self)

    monkeypatch.setattr(Store, "quick_check", counted)
    for now in (1e9, 1e9 + 3600, 1e9 + 2 * 86400):
        store, notices = open_store(data, clock=lambda now=now: now)  # type: ignore[misc]
        store.close()
        assert notices == []
    assert len(checks) == 2  # at the first start and a day later, not an hour later


# -- the OPML copy -------------------------------------------------------------------------------

def opml_locations(path: Path) -> list[str]:
    root = ElementTree.parse(path).getroot()
    return sorted(o.get("xmlUrl") or o.get("path") or "" for o in root.iter("outline")
                  if o.get("xmlUrl") or o.get("path"))


def test_the_opml_copy_follows_every_change_of_subscriptions(tmp_path: Path) -> None:
    store, _ = open_store(tmp_path)
    copy = tmp_path / SUBSCRIPTIONS_NAME
    try:
        a = store.add_source("feed", "https://example.org/a.xml", "A")
        assert opml_locations(copy) == ["https://example.org/a.xml"]
        b = store.add_source("file", str(tmp_path / "b.txt"), "B")
        assert opml_locations(copy) == [str(tmp_path / "b.txt"), "https://example.org/a.xml"]
        store.update_source(a.id, title="Renamed A", folder="World")
        outline = next(o for o in ElementTree.parse(copy).getroot().iter("outline")
                       if o.get("xmlUrl"))
        assert outline.get("title") == "Renamed A"
        store.update_source(a.id, location="https://example.org/moved.xml")
        assert "https://example.org/moved.xml" in opml_locations(copy)
        store.remove_source(b.id)
        assert opml_locations(copy) == ["https://example.org/moved.xml"]
        stamp = copy.stat().st_mtime_ns
        store.update_source(a.id, status="error", last_error="HTTP 500", last_checked=1.0)
        assert copy.stat().st_mtime_ns == stamp  # a refresh's bookkeeping writes no copy
        assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    finally:
        store.close()


def test_an_import_writes_the_copy_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from reader.service import subscriptions
    from reader.service.subscriptions import import_opml

    store, _ = open_store(tmp_path)
    writes: list[int] = []
    real = subscriptions.write_subscriptions

    def counted(s: Store) -> Path | None:
        writes.append(1)
        return real(s)

    monkeypatch.setattr(subscriptions, "write_subscriptions", counted)
    subscriptions.watch_subscriptions(store)

    outlines = "".join(f'<outline text="F{i}" xmlUrl="https://example.org/{i}.xml"/>'
                       for i in range(50))
    report = import_opml(store, f'<opml version="2.0"><body>{outlines}</body></opml>'.encode())
    assert len(report.added) == 50 and len(writes) == 1
    with deferred_subscriptions(store):
        store.add_source("feed", "https://example.org/extra.xml")
        store.remove_source(report.added[0].id)
    store.close()
    assert len(writes) == 2
    assert len(opml_locations(tmp_path / SUBSCRIPTIONS_NAME)) == 50


def test_the_copy_is_replaced_whole_or_not_at_all(tmp_path: Path) -> None:
    """A write that fails half way (here: a file size limit in a child process) leaves the
    previous copy as it was and no temporary file behind."""
    store, _ = open_store(tmp_path)
    store.add_source("feed", "https://example.org/first.xml", "First")
    before = (tmp_path / SUBSCRIPTIONS_NAME).read_bytes()
    store.close()
    code = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "from reader.service.subscriptions import open_store, write_subscriptions\n"
        f"store, _ = open_store({str(tmp_path)!r})\n"
        "with store.db.write() as conn:\n"
        "    for i in range(400):\n"
        "        conn.execute(\"INSERT INTO sources (kind, location, title, added) \"\n"
        "                     \"VALUES ('feed', ?, ?, 0)\", (f'https://e.org/{i}', 'x' * 50))\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))\n"
        "print(write_subscriptions(store))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "None"  # the write failed, quietly
    assert (tmp_path / SUBSCRIPTIONS_NAME).read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_concurrent_writers_leave_a_whole_and_current_copy(tmp_path: Path) -> None:
    stores = [open_store(tmp_path)[0] for _ in range(3)]
    try:
        def add(index: int) -> None:
            for n in range(15):
                stores[index].add_source("feed", f"https://example.org/{index}-{n}.xml")

        threads = [threading.Thread(target=add, args=(i,)) for i in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        write_subscriptions(stores[0])
        assert len(opml_locations(tmp_path / SUBSCRIPTIONS_NAME)) == 45
    finally:
        for store in stores:
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
