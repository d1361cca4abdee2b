"""The Tiny Tiny RSS that bench/sync_bench.py syncs against: what it holds, and the server.

The content is made from a seed (feeds in eight categories, 10-190 stories each in several
scripts, ~30% read and ~3% starred) and copied into the server's PostgreSQL in one statement
per table. After each client the server is put back to that first state, so every client
syncs the same changes: `change` makes the 100 (new stories, read and starred flips) that
the second sync carries.
"""

from __future__ import annotations

import contextlib
import os
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from ttrss_server import TtrssServer  # noqa: E402

from bench.feedcorpus import VariedCorpus  # noqa: E402

LOGIN = "bench"
PASSWORD = "password"  # the hash TtrssServer.add_user gives every user
BASE_TIME = 1_709_251_200  # 2024-03-01 00:00 UTC
CATEGORIES = ["World", "Tech", "Science", "Culture", "Sport", "Business", "Local", "Blogs"]
NEW_STORIES, READ_FLIPS, STAR_FLIPS = 30, 40, 30  # the 100 changes between the two syncs


# -- the server's content ------------------------------------------------------------------------
@dataclass
class Story:
    feed: int  # index into the feed list
    n: int
    title: str
    body: str
    author: str
    when: int
    read: bool = False
    starred: bool = False

    @property
    def guid(self) -> str:
        return f"bench-{self.feed}-{self.n}"

    @property
    def link(self) -> str:
        return f"https://news{self.feed % 50}.example.org/{self.feed}/{self.n}"


@dataclass
class Content:
    feeds: list[tuple[str, str, int]]  # title, url, category index
    stories: list[Story]
    new: list[Story]  # added between the syncs


def _counts(rng: random.Random, feeds: int, total: int) -> list[int]:
    """Stories per feed: mostly 15-85, a few large ones, summing to `total`, each 10-190."""
    counts = [rng.randint(150, 190) if rng.random() < 0.04 else rng.randint(15, 85)
              for _ in range(feeds)]
    if not 10 * feeds <= total <= 190 * feeds:
        raise SystemExit(f"--stories must be 10-190 per feed ({10 * feeds}-{190 * feeds})")
    while (diff := total - sum(counts)) != 0:
        i = rng.randrange(feeds)
        step = 1 if diff > 0 else -1
        if 10 <= counts[i] + step <= 190:
            counts[i] += step
    return counts


def make_content(feeds: int, total: int, seed: int) -> Content:
    rng = random.Random(seed)
    maker = VariedCorpus(seed)
    scripts = list(maker.script_words)
    feed_list: list[tuple[str, str, int]] = []
    stories: list[Story] = []
    for index, count in enumerate(_counts(rng, feeds, total)):
        maker.script = "latin" if rng.random() < 0.5 else rng.choice(scripts)
        feed_list.append((maker.title(), f"https://news{index % 50}.example.org/{index}/feed.xml",
                          index % len(CATEGORIES)))
        for n in range(1, count + 1):
            when = BASE_TIME + rng.randrange(30 * 86400)
            stories.append(Story(index, n, maker.title(), maker.body(),
                                 rng.choice(["A. Writer", "Desk", "Б. Автор", "Staff"]), when,
                                 read=rng.random() < 0.3, starred=rng.random() < 0.03))
    new: list[Story] = []
    for index in rng.sample(range(feeds), 10):
        maker.script = "latin"
        for k in range(NEW_STORIES // 10):
            new.append(Story(index, 1000 + k, maker.title(), maker.body(), "Desk",
                             BASE_TIME + 31 * 86400 + k * 60))
    return Content(feed_list, stories, new)


def _copy_field(value: object) -> str:
    if isinstance(value, bool):
        return "t" if value else "f"
    text = str(value)
    return (text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r"))


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class BenchServer:
    """The TT-RSS under test: filled once, put back to that state after every client."""

    def __init__(self, directory: Path, workers: int) -> None:
        self.server = TtrssServer(directory, db=f"nr_ttrss_bench_{os.getpid()}")
        self.workers = workers
        self.uid = 0
        self.feed_ids: list[int] = []
        self.top_id = 0  # the last story id of the first state

    def up(self) -> None:
        self.server.prepare()
        # Read by `php -S` when it starts (TtrssServer launches it with our environment).
        os.environ["PHP_CLI_SERVER_WORKERS"] = str(self.workers)
        self.server.start()
        self.uid = self.server.add_user(LOGIN)

    def down(self) -> None:
        self.server.stop()
        self.server.drop()

    @property
    def url(self) -> str:
        return self.server.url

    def fill(self, content: Content) -> None:
        sql = self.server.sql
        cats = [int(x) for x in sql("INSERT INTO ttrss_feed_categories (owner_uid, title) VALUES "
                                    + ", ".join(f"({self.uid}, {_q(c)})" for c in CATEGORIES)
                                    + " RETURNING id;").split()]
        rows = ", ".join(f"({self.uid}, {_q(title)}, {_q(url)}, {cats[cat]})"
                         for title, url, cat in content.feeds)
        self.feed_ids = [int(x) for x in sql(
            f"INSERT INTO ttrss_feeds (owner_uid, title, feed_url, cat_id) VALUES {rows} "
            "RETURNING id;").split()]
        self._insert(content.stories)
        self.top_id = int(sql("SELECT MAX(id) FROM ttrss_entries;").strip())
        sql("CREATE TABLE bench_first_state AS SELECT ref_id, unread, marked, last_read, "
            "last_marked "
            f"FROM ttrss_user_entries WHERE owner_uid = {self.uid}; ANALYZE;")

    def _insert(self, stories: list[Story]) -> None:
        lines = ["CREATE TEMP TABLE stage (n int, feed int, title text, guid text, link text, "
                 "updated timestamptz, content text, author text, unread bool, marked bool);",
                 "COPY stage FROM STDIN;"]
        for i, s in enumerate(sorted(stories, key=lambda s: s.when)):
            lines.append("\t".join(_copy_field(v) for v in (
                i, self.feed_ids[s.feed], s.title, s.guid, s.link,
                formatdate(s.when, usegmt=True), s.body, s.author, not s.read, s.starred)))
        lines.append("\\.")
        lines.append(f"""
            WITH made AS (
              INSERT INTO ttrss_entries (title, guid, link, updated, content, content_hash,
                  date_entered, date_updated, author)
              SELECT title, guid, link, updated, content, 'h' || guid, updated, updated, author
              FROM stage ORDER BY n RETURNING id, guid)
            INSERT INTO ttrss_user_entries (ref_id, feed_id, owner_uid, unread, marked, uuid,
                tag_cache, label_cache, last_read, last_marked)
            SELECT made.id, stage.feed, {self.uid}, stage.unread, stage.marked, '', '',
                '{{"no-labels":1}}',
                CASE WHEN stage.unread THEN NULL ELSE stage.updated + INTERVAL '1 hour' END,
                CASE WHEN stage.marked THEN stage.updated + INTERVAL '1 hour' END
            FROM made JOIN stage USING (guid);""")
        self.server.sql("\n".join(lines) + "\n")

    def change(self, content: Content, seed: int) -> None:
        """The 100 changes between the two syncs: new stories, read and starred flips."""
        self._insert(content.new)
        rng = random.Random(seed + 1)
        ids = rng.sample(range(self.top_id - len(content.stories) + 1, self.top_id + 1),
                         READ_FLIPS + STAR_FLIPS)
        read, star = ids[:READ_FLIPS], ids[READ_FLIPS:]
        # Stamped as TT-RSS stamps every read/unread and star/unstar made in its UI or API.
        self.server.sql(
            "UPDATE ttrss_user_entries SET unread = NOT unread, last_read = NOW() "
            f"WHERE owner_uid = {self.uid} AND ref_id IN ({','.join(map(str, read))});"
            "UPDATE ttrss_user_entries SET marked = NOT marked, last_marked = NOW() "
            f"WHERE owner_uid = {self.uid} AND ref_id IN ({','.join(map(str, star))});")

    def reset(self) -> None:
        self.server.sql(
            f"DELETE FROM ttrss_user_entries WHERE ref_id > {self.top_id};"
            f"DELETE FROM ttrss_entries WHERE id > {self.top_id};"
            "UPDATE ttrss_user_entries u SET unread = f.unread, marked = f.marked, "
            "last_read = f.last_read, last_marked = f.last_marked "
            "FROM bench_first_state f WHERE u.ref_id = f.ref_id "
            "AND (u.unread <> f.unread OR u.marked <> f.marked);"
            "DELETE FROM ttrss_sessions;")

    def counts(self) -> tuple[int, int, int]:
        """(stories, unread, starred) of the user on the server."""
        row = self.server.sql(
            "SELECT COUNT(*), COUNT(*) FILTER (WHERE unread), COUNT(*) FILTER (WHERE marked) "
            f"FROM ttrss_user_entries WHERE owner_uid = {self.uid};").strip()
        total, unread, starred = (int(x) for x in row.split("|"))
        return total, unread, starred

    def requests(self) -> int:
        """API requests the server has logged so far (php -S logs one line per request)."""
        log = self.server.dir / "php.log"
        with open(log, "rb") as handle:
            return sum(1 for line in handle if b"]: " in line and b"/api" in line)



@contextlib.contextmanager
def bench_server(directory: Path, workers: int) -> Iterator[BenchServer]:
    server = BenchServer(directory, workers)
    try:
        server.up()
        yield server
    finally:
        server.down()
