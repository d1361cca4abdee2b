"""newsboat on the same stories: its cache built the way a user builds it, then timed in a pty.

How the cache is built (`--newsboat-cache`):

* `reload` (the default, faithful by construction): every source's generated stories become
  one RSS 2.0 feed holding all of them, served from loopback (tests.feedserver), and
  `newsboat -x reload` stores them, exactly as it would from the web.
* `direct`: the same rows written straight into the `rss_feed` / `rss_item` tables of a cache
  that newsboat itself created (its schema, its `metadata` version), the values in the form
  newsboat stores them (guid = link, pubDate in epoch seconds, the HTML as content, unread
  0/1). Minutes faster at a million stories; at 10,000 its start-up time matches a reloaded
  cache (see bench/README.md).

Then, in a 120x40 pty: start-up to the feed list, opening the first feed (its headlines), 200
`j` presses in it, a search from the feed list, peak memory.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import statistics
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path
from xml.sax.saxutils import escape

from bench.archive_gen import GenStory, source_title
from bench.archive_pty import TimedTerminal
from tests.feedserver import FeedServer


@dataclass
class Figures:
    """What one program measured on one archive."""

    startup: float = 0.0  # seconds to the first headline on screen
    first_screen: float = 0.0  # seconds to the first screen (newsboat: the feed list)
    first_of_day: float = 0.0  # ours: the first start of a day (integrity check included)
    presses: list[float] = field(default_factory=list)  # key to the story shown / redrawn
    first: list[float] = field(default_factory=list)  # key to the first redraw
    searches: dict[str, float] = field(default_factory=dict)
    rss_mb: float = 0.0
    peak_mb: float = 0.0
    cpu: tuple[float, float] = (0.0, 0.0)  # ours: CPU seconds a j press, all threads / loop's
    note: str = ""

    def median(self, first: bool = False) -> float:
        values = self.first if first else self.presses
        return statistics.median(values) if values else 0.0

    def p95(self, first: bool = False) -> float:
        values = self.first if first else self.presses
        if not values:
            return 0.0
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def feed_xml(index: int, stories: list[GenStory]) -> bytes:
    items = []
    for s in sorted(stories, key=lambda s: s.published, reverse=True):
        items.append(
            f"<item><title>{escape(s.title)}</title><link>{s.link}</link>"
            f'<guid isPermaLink="true">{s.link}</guid>'
            f"<pubDate>{formatdate(s.published, usegmt=True)}</pubDate>"
            f"<dc:creator>{escape(s.author)}</dc:creator>"
            f"<description><![CDATA[{s.body_html}]]></description></item>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
            f"<title>{source_title(index)}</title><link>https://news{index}.example.com/</link>"
            "<description>bench</description>" + "".join(items)
            + "</channel></rss>").encode("utf-8")


def by_source(stories: Iterable[GenStory]) -> dict[int, list[GenStory]]:
    out: dict[int, list[GenStory]] = {}
    for story in stories:
        out.setdefault(story.source, []).append(story)
    return out


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local")}


def build_cache(home: Path, stories: dict[int, list[GenStory]], how: str) -> tuple[Path, float]:
    """newsboat's urls file and cache for these stories; returns (cache, seconds)."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "config").write_text("reload-threads 4\n")
    cache = home / "cache.db"
    server = FeedServer("127.0.0.1").start()
    try:
        urls = []
        for index in sorted(stories):
            path = f"/feeds/{index}.xml"
            server.route(path, feed_xml(index, stories[index]) if how == "reload" else b"",
                         content_type="application/rss+xml")
            urls.append(server.url(path))
        (home / "urls").write_text("\n".join(urls) + "\n")
        command = ["newsboat", "-x", "reload", "-u", str(home / "urls"), "-c", str(cache),
                   "-C", str(home / "config")]
        started = time.perf_counter()
        if how == "reload":
            subprocess.run(command, env=_env(home), check=True, capture_output=True)
        else:
            (home / "urls.empty").write_text("")
            subprocess.run([*command[:3], str(home / "urls.empty"), *command[5:]],
                           env=_env(home), check=True, capture_output=True)
            _write_rows(cache, urls, stories)
        seconds = time.perf_counter() - started
    finally:
        server.stop()
    return cache, seconds


def _write_rows(cache: Path, urls: list[str], stories: dict[int, list[GenStory]]) -> None:
    conn = sqlite3.connect(cache)
    with conn:
        for url, index in zip(urls, sorted(stories), strict=True):
            conn.execute("INSERT INTO rss_feed (rssurl, url, title) VALUES (?, ?, ?)",
                         (url, f"https://news{index}.example.com/", source_title(index)))
            conn.executemany(
                "INSERT INTO rss_item (guid, title, author, url, feedurl, pubDate, content, "
                "unread, enclosure_url, enclosure_type, enqueued, flags, deleted, base) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', '', 0, NULL, 0, '')",
                [(s.link, s.title, s.author, s.link, url, int(s.published), s.body_html,
                  int(not s.read)) for s in stories[index]])
    conn.close()


def run(home: Path, cache: Path, first_feed: str, first_item: str, presses: int,
        words: list[str]) -> Figures:
    figures = Figures()
    shutil.rmtree(home / ".local", ignore_errors=True)
    term = TimedTerminal(["newsboat", "-u", str(home / "urls"), "-c", str(cache), "-C",
                          str(home / "config")], env=_env(home))
    try:
        term.wait_for(lambda s: "Your feeds" in s and first_feed in s, timeout=1800)
        figures.first_screen = term.last_data - term.started
        opened = term.press("\r", lambda s: "Articles in feed" in s and first_item[:20] in s,
                            timeout=1800)
        figures.startup = figures.first_screen + opened
        term.settle(0.3)
        for _ in range(presses):
            figures.presses.append(term.press_quiet("j"))
            figures.first.append(term.first_response)
        figures.rss_mb = term.rss_mb()
        term.send("q")
        term.wait_for(lambda s: "Your feeds" in s)
        term.settle(0.3)
        for word in words:
            term.press("/", lambda s: "Search for:" in s)
            figures.searches[word] = term.press(word + "\r", lambda s: "Search results" in s,
                                                timeout=1800)
            term.settle(0.3)
            term.send("q")
            term.wait_for(lambda s: "Your feeds" in s)
            term.settle(0.2)
        term.send("q")
        term.wait_exit(timeout=120)
    finally:
        term.close()
    figures.peak_mb = term.peak_rss_mb()
    return figures
