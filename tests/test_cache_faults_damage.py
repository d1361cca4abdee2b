"""A damaged cache, and the OPML copy of the subscriptions that a new one is filled from. A
file with a broken header, overwritten pages, bad bytes in its schema or cut short is moved
aside as it was and a new one made; the subscriptions come back from the copy kept beside it,
and the user is told in words (command line and app). A newer schema or a path that cannot be
opened is not damage. The copy must follow every change and be replaced whole or not at all.

These break the file itself; a process killed or a disk filled while writing is in
test_cache_faults_writing.py.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from xml.etree import ElementTree

import pytest

from reader.paths import DB_NAME, SUBSCRIPTIONS_NAME
from reader.service.subscriptions import deferred_subscriptions, open_store, write_subscriptions
from reader.store import Store, StoreError
from reader.store.schema import SCHEMA_VERSION
from tests.helpers.cache_faults import ROOT, run

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
