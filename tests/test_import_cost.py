"""What the data layer imports before it needs it: nothing. The app's start (command line,
cache, configuration, the app's modules, the welcome check) and a refresh of unchanged feeds
load no module they have no use for yet: each costs CPU before the first headline, or in
every cron run. bench/startup_bench.py measures the time; these tests keep the choices from
being undone by accident, each in a fresh interpreter.
"""

# ruff: noqa: F811 - the feed_server fixture is imported and then used as an argument
from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from reader import config as config_module
from reader.cli import main
from reader.config import Config, only_comments, parse_config
from reader.config_text import template
from reader.ui.catalogue import ACTIONS
from tests.feedserver import FeedServer, feed_server  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
START = ("import reader.cli, reader.service.subscriptions, reader.store.recovery, "
         "reader.ui.app, reader.config, reader.service.sources")


def loaded(code: str, names: tuple[str, ...]) -> list[str]:
    """Which of `names` are imported once `code` has run in a fresh interpreter."""
    probe = f"{code}\nimport sys\nprint(sorted(m for m in {names!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True, cwd=ROOT, env=dict(os.environ), timeout=120)
    return eval(done.stdout.strip().splitlines()[-1])  # noqa: S307 - our own list of str


def test_the_app_start_imports_no_hash_json_html_cleaner_or_toml_parser() -> None:
    """A story's hash, the teasers' JSON, the entity table, the HTML cleaner, the HTML's
    compressor, the browser launcher and the search threads come with their first use, not
    with the cache."""
    later = ("hashlib", "json", "html", "nh3", "shlex", "webbrowser",
             "concurrent.futures.thread", "tomllib", "reader.render.fallback", "zstandard")
    assert loaded(START, later) == []


def test_the_welcome_check_of_a_later_launch_loads_no_file_reader(tmp_path: Path) -> None:
    """`ensure_welcome` (the app asks it when its first look finds no source): once the
    welcome stories were shown, it reads two rows and imports none of the readers of local
    files (nor the feed parsers and the extractor behind them)."""
    code = ("from reader.store import Store\n"
            "from reader.service.sources import ensure_welcome\n"
            f"store = Store({str(tmp_path / 'cache.sqlite3')!r})\n"
            "store.add_source('feed', 'https://example.org/feed', 'Gazette')\n"
            "ensure_welcome(store)\n"
            "assert [s.kind for s in store.sources()] == ['feed']\n"
            "store.close()")
    later = ("reader.sources.local", "reader.refresh.local", "reader.extract", "feedparser",
             "reader.service.pool")
    assert loaded(code, later) == []


def test_a_first_launch_still_gets_the_welcome_stories(tmp_path: Path) -> None:
    from reader.service.sources import ensure_welcome
    from reader.store import Store

    store = Store(tmp_path / "cache.sqlite3")
    try:
        ensure_welcome(store)
        (source,) = store.sources()
        assert source.kind == "welcome" and store.stories_of(source.id)
    finally:
        store.close()


def test_the_configuration_as_first_written_is_read_without_the_toml_parser(
        tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(template(ACTIONS), encoding="utf-8")
    code = ("from reader.config import load_config\n"
            f"config, problems = load_config({str(path)!r})\n"
            "assert problems == [] and config.layout__measure == 80, problems")
    assert loaded(code, ("tomllib",)) == []
    path.write_text(template(ACTIONS) + "\n[layout]\nmeasure = 72\n", encoding="utf-8")
    code = code.replace("== 80", "== 72")
    assert loaded(code, ("tomllib",)) == ["tomllib"]


COMMENT_CASES = [
    "", "\n\n", "# a comment", "  # indented\n\t# by a tab\n", "# é ü 中文 ✓\n",
    "# [layout]\n# measure = 72\n",
    "measure = 72", "[layout]\n", "# fine\nx = 1\n# fine", "#\x07 bell", "#\x7f", "# a\tb",
    "# crlf\r\n# crlf\r\n", "# lone\rcr", "# \u2028 line separator", "# \x85", "#\x00",
    "# \ud800", "\ufeff# bom", "\u00a0# nbsp first", "# nbsp\u00a0inside", "x",
]


@pytest.mark.parametrize("text", COMMENT_CASES)
def test_a_text_read_without_the_parser_is_one_the_parser_reads_as_empty(text: str) -> None:
    """`only_comments` may leave a file of comments to the parser, never a file the parser
    would refuse or read a setting from."""
    if only_comments(text):
        assert tomllib.loads(text) == {}


def test_only_comments_recognises_the_file_as_first_written() -> None:
    first = template(ACTIONS)
    assert only_comments(first) and tomllib.loads(first) == {}
    sure = [t for t in COMMENT_CASES if only_comments(t)]
    assert sure == ["", "\n\n", "# a comment", "  # indented\n\t# by a tab\n",
                    "# é ü 中文 ✓\n", "# [layout]\n# measure = 72\n"]


@pytest.mark.parametrize("text", [*COMMENT_CASES, template(ACTIONS)])
def test_the_values_and_problems_are_the_parsers_either_way(
        text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    quick = parse_config(text, "config.toml")
    monkeypatch.setattr(config_module, "only_comments", lambda _text: False)
    assert parse_config(text, "config.toml") == quick
    assert isinstance(quick[0], Config)


def test_a_refresh_of_unchanged_feeds_loads_no_html_cleaner(
        dirs: Path, feed_server: FeedServer) -> None:
    """Every feed answering 304, with the configuration as first written: nothing to clean,
    to unescape, to open in a browser or to parse as TOML."""
    (dirs / "config").mkdir()
    (dirs / "config" / "config.toml").write_text(template(ACTIONS), encoding="utf-8")
    feed_server.route("/feed", "<?xml version='1.0'?><rss version='2.0'><channel>"
                      "<title>Gazette</title><item><guid>h1</guid><title>Harbour</title>"
                      "</item></channel></rss>", etag='"v1"')
    assert main(["add", feed_server.url("/feed")]) == 0
    code = ("from reader.cli import main\n"
            "assert main(['refresh']) == 0")
    assert loaded(code, ("nh3", "html", "shlex", "webbrowser", "tomllib")) == []
    assert feed_server.requests_for("/feed")[-1].headers["if-none-match"] == '"v1"'
