"""What follows a refresh, decided once in the service: whole articles by the mode in force,
then retention; and the one process pool that parsing and extraction share.

Against a real server on 127.0.0.1, a real cache in tmp_path and real worker processes."""

# ruff: noqa: F811 - the feed_server fixture is imported and then used as an argument
from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures.process import ProcessPoolExecutor
from pathlib import Path

import pytest

from reader.cli import main
from reader.config import Config, parse_config
from reader.models import Entry, Source
from reader.paths import db_path
from reader.service import pool as service_pool
from reader.service.fulltext import full_mode, pending_full_articles
from reader.service.refresh import after_refresh, refresh, retain
from reader.store import Store
from reader.workerpool import ProcessPool
from tests.feedserver import FeedServer, feed_server  # noqa: F401
from tests.helpers.stories import ARTICLE_PAGE

HTML = "text/html; charset=utf-8"


def rss(title: str, stories: list[tuple[str, str]]) -> str:
    items = "".join(f"<item><guid>{key}</guid><title>{key}</title><link>{link}</link>"
                    "<description>The harbour reopened on Monday.</description></item>"
                    for key, link in stories)
    return (f"<?xml version='1.0'?><rss version='2.0'><channel><title>{title}</title>"
            f"{items}</channel></rss>")


def config(text: str) -> Config:
    parsed, problems = parse_config(text)
    assert problems == []
    return parsed


class CountingPool(ProcessPool):
    """A real pool that counts who asked it for its executor."""

    def __init__(self) -> None:
        super().__init__(2)
        self.asked = 0

    async def get(self) -> ProcessPoolExecutor:
        self.asked += 1
        return await super().get()


@pytest.fixture
def dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NEWSREADER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NEWSREADER_CONFIG_DIR", str(tmp_path / "config"))
    return tmp_path


@pytest.fixture
def counting_pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[CountingPool]:
    service_pool.shutdown_pool()
    pool = CountingPool()
    monkeypatch.setattr(service_pool, "_pool", pool)
    yield pool
    service_pool.shutdown_pool()


def test_a_refresh_and_its_whole_articles_run_in_the_one_pool(
        tmp_path: Path, feed_server: FeedServer, counting_pool: CountingPool) -> None:
    feed_server.route("/page", ARTICLE_PAGE, content_type=HTML)
    store = Store(tmp_path / "cache.sqlite3")
    for i in range(6):  # more than a handful of feeds, and of pages: both go to processes
        feed_server.route(f"/f{i}", rss(f"Feed {i}", [(f"s{i}-{k}", feed_server.url(
            f"/page?{i}-{k}")) for k in range(3)]))
        store.add_source("feed", feed_server.url(f"/f{i}"), f"Feed {i}")
    outcomes = refresh(store)
    assert [o.new for o in outcomes] == [3] * 6 and all(o.ok for o in outcomes)
    parsing = counting_pool.asked
    assert parsing > 0 and counting_pool.starts == 1
    # This process has threads (as the app has), so the workers came from the fork server,
    # and they stopped when the refresh let go of the pool.
    assert counting_pool.start_method == "forkserver" and not counting_pool.running

    done = after_refresh(store, config('[full_article]\ndefault = "refresh"\n'))
    assert done.articles.tried == 18 and len(done.articles.kept) == 18 and done.removed == 0
    assert counting_pool.asked > parsing  # the pages were read in the same pool, by workers
    assert counting_pool.starts == 2 and not counting_pool.running  # its fork server made
    store.close()


def test_shutting_the_pool_down_stops_its_workers_and_a_later_call_makes_another() -> None:
    service_pool.shutdown_pool()
    first = service_pool.shared_pool()
    assert service_pool.shared_pool() is first and not first.running  # nothing started yet
    first.executor()
    assert first.running
    service_pool.shutdown_pool()
    assert not first.running
    with pytest.raises(RuntimeError, match="shut down"):
        first.executor()
    second = service_pool.shared_pool()
    assert second is not first
    service_pool.shutdown_pool()


def test_the_config_entry_for_a_source_wins_over_the_mode_kept_in_the_cache(
        tmp_path: Path) -> None:
    store = Store(tmp_path / "cache.sqlite3")
    kept_on = store.add_source("feed", "http://a.example/rss", "Alpha")
    store.update_source(kept_on.id, full_article="refresh")
    source = store.get_source(kept_on.id)
    assert source is not None
    settings = config('[full_article]\ndefault = "open"\n'
                      'sources = { "http://a.example/rss" = "off" }\n')
    assert full_mode(settings, source) == "off"  # the file says off for this one
    assert full_mode(config(""), source) == "refresh"  # nothing in the file: the cache's
    plain = Source(id=2, kind="feed", location="http://b.example/rss", title="Beta")
    assert full_mode(settings, plain) == "open"  # neither: the file's default
    assert full_mode(config('[full_article]\nsources = { "beta" = "refresh" }\n'),
                     plain) == "refresh"  # named by its title, whatever the case
    store.close()


def test_newsreader_refresh_fetches_no_page_for_a_source_the_config_turns_off(
        dirs: Path, feed_server: FeedServer, capsys: pytest.CaptureFixture[str]) -> None:
    feed_server.route("/page", ARTICLE_PAGE, content_type=HTML)
    feed_server.route("/feed", rss("Gazette", [("h1", feed_server.url("/page"))]))
    assert main(["add", feed_server.url("/feed")]) == 0
    store = Store(db_path())
    [source] = store.sources()
    store.update_source(source.id, full_article="refresh")  # kept in the cache …
    store.close()
    (dirs / "config").mkdir()
    (dirs / "config" / "config.toml").write_text(  # … and turned off in the file
        f'[full_article]\nsources = {{ "{feed_server.url("/feed")}" = "off" }}\n',
        encoding="utf-8")
    assert main(["refresh"]) == 0
    assert "full article" not in capsys.readouterr().out
    assert feed_server.hits("/page") == 0


def test_pending_articles_follow_the_mode_in_force(tmp_path: Path) -> None:
    store = Store(tmp_path / "cache.sqlite3")
    feed = store.add_source("feed", "http://a.example/rss", "Alpha")
    store.upsert_entries(feed.id, [Entry(key="a1", title="A", body_html="", link="http://a/1")])
    assert pending_full_articles(store, lambda s: full_mode(config(""), s)) == []
    wanted = pending_full_articles(
        store, lambda s: full_mode(config('[full_article]\ndefault = "refresh"\n'), s))
    assert wanted == [s.id for s in store.stories_of(feed.id)]
    store.close()


def test_retention_runs_only_when_the_config_asks(tmp_path: Path) -> None:
    store = Store(tmp_path / "cache.sqlite3")
    assert retain(store, config("")) is None
    result = retain(store, config("[retention]\nmax_per_source = 5\n"))
    assert result is not None and result.removed == 0
    store.close()
