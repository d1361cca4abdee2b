"""A slow schema upgrade says what it is doing, and is safe to stop.

The caches are real old-schema files built here with the old migrations (schema 2: before
the search index), large enough that building the index takes a noticeable time. The command
line and the app are run as the user runs them: a subprocess, and a real pseudo-terminal.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from reader.models import Entry, View
from reader.paths import DB_NAME
from reader.store import SCHEMA_VERSION, Store
from reader.store.schema import ANNOUNCE_FROM, MIGRATIONS, _statements, pending_upgrade
from tests.pty_terminal import Terminal

ROOT = Path(__file__).resolve().parent.parent
BODY = "<p>" + " ".join(f"word{n % 89}" for n in range(150)) + "</p>"


def old_cache(data: Path, stories: int) -> Path:
    """A cache as release 2 left it: sources and stories, no search index, no counters."""
    data.mkdir(parents=True, exist_ok=True)
    db = data / DB_NAME
    conn = sqlite3.connect(db)
    for script in MIGRATIONS[:2]:
        for statement in _statements(script):
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 2")
    conn.execute("INSERT INTO sources (kind, location, title, added) "
                 "VALUES ('feed', 'https://old.example/feed', 'Old Times', 0)")
    conn.executemany(
        "INSERT INTO stories (source_id, key, published, first_seen, content_hash, title, "
        "body_html, read, starred) VALUES (1, ?, ?, 0, 'h', ?, ?, ?, ?)",
        ((f"k{n}", 1_700_000_000 + n, f"Archived story {n}", BODY, n % 2, int(n == 7))
         for n in range(stories)))
    conn.commit()
    conn.close()
    return db


def version_and_count(db: Path) -> tuple[int, int, str]:
    conn = sqlite3.connect(db)
    try:
        return (conn.execute("PRAGMA user_version").fetchone()[0],
                conn.execute("SELECT COUNT(*) FROM stories").fetchone()[0],
                conn.execute("PRAGMA quick_check").fetchone()[0])
    finally:
        conn.close()


def newsreader(data: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "reader", "--data-dir", str(data), *args]


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def test_the_upgrade_is_announced_only_when_it_takes_a_while(tmp_path: Path) -> None:
    small = old_cache(tmp_path / "small", ANNOUNCE_FROM - 1)
    big = old_cache(tmp_path / "big", ANNOUNCE_FROM + 200)
    assert pending_upgrade(small) is None
    words = pending_upgrade(big)
    assert words is not None and words.startswith(
        f"Upgrading the cache {big} (building the search index for 1,200 stories;")
    assert "Stopping it is safe" in words
    Store(big).close()
    assert pending_upgrade(big) is None  # done once, never again
    assert pending_upgrade(tmp_path / "none" / DB_NAME) is None


def test_the_command_line_says_it_is_upgrading_then_does_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    db = old_cache(data, 1200)
    done = subprocess.run(newsreader(data, "list"), env=env(), cwd=ROOT, text=True,
                          capture_output=True, timeout=240)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert lines[0].startswith(f"newsreader: Upgrading the cache {db} (building the search "
                               "index for 1,200 stories;")
    assert lines[1].startswith("newsreader: The cache is upgraded (")
    assert "Old Times" in done.stdout and "600 unread of 1200" in done.stdout
    assert version_and_count(db) == (SCHEMA_VERSION, 1200, "ok")
    store = Store(db)
    assert store.views.count(View(search="archived")) == 1200  # the index was built
    store.close()
    again = subprocess.run(newsreader(data, "list"), env=env(), cwd=ROOT, text=True,
                           capture_output=True, timeout=240)
    assert again.returncode == 0 and again.stderr == ""


def test_the_app_says_it_is_upgrading_before_its_screen(tmp_path: Path) -> None:
    data = tmp_path / "data"
    old_cache(data, 1200)
    term = Terminal(newsreader(data, "--offline"), cols=120, rows=40, cwd=str(ROOT),
                    env={"PYTHONPATH": str(ROOT)})
    try:
        term.wait_for(lambda s: "Archived story 1199" in s, timeout=120)
        term.send("q")
        assert term.wait_exit() == 0
    finally:
        term.close()
    raw = bytes(term.raw)
    told = raw.find(b"Upgrading the cache")
    assert told != -1 and raw.find(b"The cache is upgraded") > told
    assert told < raw.find(b"Archived story 1199")  # said before the app drew anything


def stop_while_upgrading(data: Path, how: signal.Signals) -> subprocess.CompletedProcess[str]:
    """Start `newsreader list` on an old cache and send `how` as soon as it says it is
    upgrading (the upgrade of 20,000 stories takes seconds: it is still running then)."""
    proc = subprocess.Popen(newsreader(data, "list"), env=env(), cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    first = proc.stderr.readline()
    assert "Upgrading the cache" in first
    proc.send_signal(how)
    out, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, first + err)


def test_ctrl_c_during_the_upgrade_leaves_the_cache_as_it_was(tmp_path: Path) -> None:
    data = tmp_path / "data"
    db = old_cache(data, 20_000)
    stopped = stop_while_upgrading(data, signal.SIGINT)
    assert stopped.returncode == 130
    assert "The upgrade was stopped; the cache is as it was" in stopped.stderr
    assert "Traceback" not in stopped.stderr
    assert version_and_count(db) == (2, 20_000, "ok")
    done = subprocess.run(newsreader(data, "list"), env=env(), cwd=ROOT, text=True,
                          capture_output=True, timeout=240)
    assert done.returncode == 0 and "The cache is upgraded" in done.stderr
    assert version_and_count(db) == (SCHEMA_VERSION, 20_000, "ok")


def test_a_kill_during_the_upgrade_leaves_the_cache_as_it_was(tmp_path: Path) -> None:
    data = tmp_path / "data"
    db = old_cache(data, 20_000)
    killed = stop_while_upgrading(data, signal.SIGKILL)
    assert killed.returncode == -signal.SIGKILL
    assert version_and_count(db) == (2, 20_000, "ok")
    store = Store(db)  # and the next opening upgrades it whole
    try:
        assert store.views.counts() == {"all": 20_000, "unread": 10_000, "starred": 1}
        assert store.views.count(View(search="archived")) == 20_000
    finally:
        store.close()


def test_a_schema_3_cache_gets_the_short_lead_index_and_teasers_still_find_stories(
        tmp_path: Path) -> None:
    db = old_cache(tmp_path, 40)
    conn = sqlite3.connect(db)
    conn.create_function("nr_story_text", 3, lambda body, full, lead: body or "")
    for statement in _statements(MIGRATIONS[2]):
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 3")
    conn.execute("UPDATE stories SET lead = 'The harbour master said on day ' || id || '.'")
    conn.commit()
    conn.close()
    store = Store(db)
    indexes = {r[0] for r in store.db.conn().execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'stories'")}
    assert "stories_lead_start" in indexes and "stories_lead" not in indexes
    wanted = store.db.conn().execute(
        "SELECT id FROM stories WHERE lead = 'The harbour master said on day 17.'").fetchone()[0]
    assert store.find_by_lead("The harbour master said on day 17…") == wanted
    assert store.find_by_lead("The harbour master said on day 99…") is None
    assert version_and_count(db) == (SCHEMA_VERSION, 40, "ok")


def test_a_schema_5_cache_keeps_its_plain_bodies_and_compresses_new_ones(
        tmp_path: Path) -> None:
    """Schema 6 lets story HTML be compressed: nothing is rewritten at the upgrade, the old
    plain bodies read and search as before, and stories stored since are compressed."""
    db = old_cache(tmp_path, 40)
    conn = sqlite3.connect(db)
    conn.create_function("nr_story_text", 3, lambda body, full, lead: body or "")
    for script in MIGRATIONS[2:5]:
        for statement in _statements(script):
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 5")
    conn.commit()
    pages = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    store = Store(db)
    try:
        assert version_and_count(db) == (SCHEMA_VERSION, 40, "ok")
        conn = store.db.conn()
        assert conn.execute("SELECT COUNT(*) FROM stories WHERE typeof(body_html) = 'text'"
                            ).fetchone()[0] == 40
        assert conn.execute("PRAGMA page_size").fetchone()[0] == pages  # not rebuilt
        old = store.story(1)
        assert old is not None and old.body_html == BODY
        found = [h.title for h in store.views.headlines(View(search="word88"), 0, 100)]
        assert len(found) == 40
        long = "<p>" + " ".join(f"fresh{n}" for n in range(300)) + "</p>"
        store.upsert_entries(1, [Entry(key="k3", title="Archived story 3", body_html=long,
                                       published=1_700_000_003)])
        assert conn.execute("SELECT typeof(body_html) FROM stories WHERE key = 'k3'"
                            ).fetchone()[0] == "blob"
        renewed = store.story(4)
        assert renewed is not None and renewed.key == "k3" and renewed.body_html == long
        assert [h.title for h in store.views.headlines(View(search="fresh299"), 0, 10)] == [
            "Archived story 3"]
        assert len(store.views.headlines(View(search="word88"), 0, 100)) == 39  # forgotten
    finally:
        store.close()
