"""Folders subscribed inside other subscribed folders: each file is one story, held by the
innermost subscription, through the commands a user types (`add`, `refresh`, `remove`,
`list`) on a real cache."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from reader.cli import main
from reader.models import Entry, View
from reader.store import Store


@pytest.fixture
def news(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp_path/news with a.txt, and world/ inside it with w1.txt and w2.txt; the cache in
    tmp_path/data."""
    monkeypatch.setenv("NEWSREADER_DATA_DIR", str(tmp_path / "data"))
    folder = tmp_path / "news"
    (folder / "world").mkdir(parents=True)
    for name, text, when in (("a.txt", "# Alpha\nHome news.\n", 1_700_000_000),
                             ("world/w1.txt", "# World one\nAbroad.\n", 1_700_000_100),
                             ("world/w2.txt", "# World two\nFurther.\n", 1_700_000_200)):
        (folder / name).write_text(text, encoding="utf-8")
        os.utime(folder / name, (when, when))
    return folder


@pytest.fixture
def cache(news: Path) -> Iterator[Store]:
    """The cache the commands use, opened beside them (after the first command made it)."""
    assert main(["add", str(news)]) == 0
    store = Store(news.parent / "data" / "newsreader.sqlite3")
    yield store
    store.close()


def _stories(store: Store) -> dict[str, list[tuple[str, bool, bool]]]:
    """Source title -> (headline, read, starred) of each of its stories."""
    out: dict[str, list[tuple[str, bool, bool]]] = {}
    for source in store.sources():
        out[source.title] = sorted((s.title, s.read, s.starred)
                                   for s in store.stories_of(source.id))
    return out


def _counts_in_step(store: Store) -> None:
    """The per-source counters the source list shows match a recount of the stories."""
    conn = store.db.conn()
    kept = {r[0]: tuple(r[1:]) for r in conn.execute(
        "SELECT source_id, total, unread, starred FROM source_counts")}
    real = {r[0]: tuple(r[1:]) for r in conn.execute(
        "SELECT src.id, COUNT(s.id), COALESCE(SUM(s.read = 0), 0), COALESCE(SUM(s.starred), 0)"
        " FROM sources src LEFT JOIN stories s ON s.source_id = src.id GROUP BY src.id")}
    assert kept == real


def _story(store: Store, title: str) -> int:
    rows = [h for h in store.views.headlines(View(), 0, 100) if h.title == title]
    assert len(rows) == 1, f"{title!r} is cached {len(rows)} times"
    return rows[0].id


def test_a_folder_added_inside_a_subscribed_one_takes_its_files_with_their_marks(
        news: Path, cache: Store, capsys: pytest.CaptureFixture[str]) -> None:
    w1 = _story(cache, "World one")
    cache.set_read([w1])
    cache.set_starred(w1, True)

    assert main(["add", str(news / "world")]) == 0
    assert main(["refresh"]) == 0
    assert _stories(cache) == {
        "news": [("Alpha", False, False)],
        "world": [("World one", True, True), ("World two", False, False)],
    }
    assert _story(cache, "World one") == w1  # the same story, moved: not a copy
    _counts_in_step(cache)
    capsys.readouterr()
    assert main(["list"]) == 0
    listed = capsys.readouterr().out
    assert "1 unread of 1" in listed and "1 unread of 2" in listed


def test_a_folder_added_around_a_subscribed_one_leaves_its_files_to_it(
        news: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["add", str(news / "world")]) == 0
    assert main(["add", str(news)]) == 0
    (news / "world" / "w3.txt").write_text("# World three\nNew.\n", encoding="utf-8")
    assert main(["refresh"]) == 0
    store = Store(tmp_path / "data" / "newsreader.sqlite3")
    try:
        assert _stories(store) == {
            "news": [("Alpha", False, False)],
            "world": [("World one", False, False), ("World three", False, False),
                      ("World two", False, False)],
        }
    finally:
        store.close()


def test_adding_the_outer_folder_does_not_read_the_inner_ones_files(
        news: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Their problems are the inner folder's: the outer one neither reads nor reports them."""
    assert main(["add", str(news / "world")]) == 0
    (news / "world" / "junk.txt").write_bytes(b"\x00\x01binary\x00" * 50)
    capsys.readouterr()
    assert main(["add", str(news)]) == 0
    assert "junk.txt" not in capsys.readouterr().err
    store = Store(tmp_path / "data" / "newsreader.sqlite3")
    try:
        outer = store.source_by_location(str(news))
        assert outer is not None and "junk.txt" not in outer.last_error
        assert set(store.file_stamps(outer.id)) == {str(news / "a.txt")}
    finally:
        store.close()


def test_removing_the_inner_folder_hands_its_files_back_at_the_next_refresh(
        news: Path, cache: Store) -> None:
    assert main(["add", str(news / "world")]) == 0
    assert main(["remove", "world"]) == 0
    assert _stories(cache) == {"news": [("Alpha", False, False)]}
    assert main(["refresh"]) == 0
    assert _stories(cache) == {"news": [("Alpha", False, False), ("World one", False, False),
                                        ("World two", False, False)]}


def test_a_file_cached_twice_by_nested_folders_is_made_one_by_a_refresh(
        news: Path, cache: Store) -> None:
    """A cache written before the innermost folder owned its files holds them under both:
    the next refresh keeps one story each, with the marks either copy had."""
    w1_outer = _story(cache, "World one")
    cache.set_read([w1_outer])
    inner = cache.add_source("folder", str((news / "world").resolve()), "world")
    path = str((news / "world" / "w1.txt").resolve())
    cache.upsert_entries(inner.id, [Entry(key="file:" + path, title="World one",
                                          body_html="<p>Abroad.</p>", path=path)])
    inner_w1 = cache.story_id_by_key(inner.id, "file:" + path)
    assert inner_w1 is not None
    cache.set_starred(inner_w1, True)

    assert main(["refresh"]) == 0
    assert _stories(cache) == {
        "news": [("Alpha", False, False)],
        "world": [("World one", True, True), ("World two", False, False)],
    }
    _counts_in_step(cache)


def test_a_link_into_the_inner_folder_leaves_its_story_to_it(
        news: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """news/link.txt points at world/w1.txt and is read before it: the outer folder holds
    that file's one story under the link's path. Added later, the inner folder takes it,
    marks and all, and the outer one's next reads do not make it twice again."""
    (news / "link.txt").symlink_to(news / "world" / "w1.txt")
    assert main(["add", str(news)]) == 0
    store = Store(tmp_path / "data" / "newsreader.sqlite3")
    try:
        w1 = _story(store, "World one")  # one file, one story
        store.set_read([w1])
        store.set_starred(w1, True)

        assert main(["add", str(news / "world")]) == 0
        for _ in range(2):
            assert main(["refresh"]) == 0
            assert _stories(store) == {
                "news": [("Alpha", False, False)],
                "world": [("World one", True, True), ("World two", False, False)],
            }
            _counts_in_step(store)
        assert _story(store, "World one") == w1  # moved, not copied
        capsys.readouterr()
        assert main(["list"]) == 0
        listed = capsys.readouterr().out
        assert "1 unread of 1" in listed and "1 unread of 2" in listed
    finally:
        store.close()


def test_a_link_into_a_folder_subscribed_first_is_not_read_by_the_outer_one(
        news: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (news / "link.txt").symlink_to(news / "world" / "w1.txt")
    assert main(["add", str(news / "world")]) == 0
    assert main(["add", str(news)]) == 0
    store = Store(tmp_path / "data" / "newsreader.sqlite3")
    try:
        for _ in range(2):
            assert _stories(store) == {
                "news": [("Alpha", False, False)],
                "world": [("World one", False, False), ("World two", False, False)],
            }
            _counts_in_step(store)
            assert main(["refresh"]) == 0
        capsys.readouterr()
        assert main(["list"]) == 0
        listed = capsys.readouterr().out
        assert "1 unread of 1" in listed and "2 unread of 2" in listed
        # Unsubscribed, the inner folder's files are the outer one's again: the link's
        # file is still one story.
        assert main(["remove", "world"]) == 0
        assert main(["refresh"]) == 0
        assert _stories(store) == {"news": [("Alpha", False, False), ("World one", False, False),
                                            ("World two", False, False)]}
    finally:
        store.close()
