"""Adding and re-reading local sources, the welcome source, and offline reading."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from reader import library
from reader.models import View
from reader.store import Store

SAMPLE = Path(__file__).parent / "fixtures" / "samples" / "000_1cdceafaa06d3d12.txt"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "data" / "cache.sqlite3")
    yield s
    s.close()


def _write(path: Path, text: str, mtime: float) -> None:
    path.write_text(text, encoding="utf-8")
    os.utime(path, (mtime, mtime))


def test_adding_the_sample_caches_one_story_with_six_teasers(store: Store) -> None:
    source, outcome = library.add_path(store, SAMPLE)
    assert (source.kind, source.title, outcome.new) == ("file", SAMPLE.name, 1)
    story = store.story(library.first_story(store, source.id) or -1)
    assert story is not None
    assert story.title.startswith("A Taliban spokesperson says a recent visit")
    assert len(story.teasers) == 6
    assert story.published == pytest.approx(SAMPLE.stat().st_mtime)


def test_a_folder_adds_new_files_rereads_changed_ones_and_keeps_deleted(
        store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    _write(folder / "a.txt", "# Alpha\nFirst version.\n", 1_700_000_000)
    _write(folder / "b.txt", "# Beta\nBeta body.\n", 1_700_000_100)
    source, outcome = library.add_path(store, folder)
    assert (source.kind, outcome.new) == ("folder", 2)
    alpha_id = store.headlines(View(), 0, 10)[-1].id
    store.set_read([alpha_id])
    store.set_starred(alpha_id, True)

    _write(folder / "a.txt", "# Alpha\nSecond version, longer.\n", 1_700_000_500)
    (folder / "b.txt").unlink()
    _write(folder / "c.txt", "# Gamma\nNew file.\n", 1_700_000_200)
    outcome = library.refresh_local(store, store.get_source(source.id))  # type: ignore[arg-type]
    assert (outcome.new, outcome.updated) == (1, 1)
    titles = {h.title for h in store.headlines(View(), 0, 10)}
    assert titles == {"Alpha", "Beta", "Gamma"}  # Beta's file is gone; its story stays
    alpha = store.story(alpha_id)
    assert alpha is not None and "Second version" in alpha.body_html
    assert alpha.read and alpha.starred

    again = library.refresh_local(store, store.get_source(source.id))  # type: ignore[arg-type]
    assert (again.new, again.updated, again.not_modified) == (0, 0, True)


def test_a_missing_folder_marks_the_source_and_keeps_its_stories(store: Store,
                                                                 tmp_path: Path) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    shutil.copy(SAMPLE, folder)
    source, _ = library.add_path(store, folder)
    shutil.rmtree(folder)
    outcome = library.refresh_local(store, source)
    assert not outcome.ok and "no longer exists" in outcome.error
    after = store.get_source(source.id)
    assert after is not None and after.status == "missing"
    assert store.count(View(source_id=source.id)) == 1
    story = store.story(store.headlines(View(), 0, 1)[0].id)
    assert story is not None and "Deputy spokesman" in story.body_html


def test_adding_a_path_that_does_not_exist_stores_nothing(store: Store, tmp_path: Path) -> None:
    with pytest.raises(library.AddError, match="no such file"):
        library.add_path(store, tmp_path / "missing.txt")
    assert store.sources() == []


def test_adding_an_empty_file_gives_the_reason(store: Store, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(library.AddError, match="empty.txt"):
        library.add_path(store, empty)
    assert store.sources() == []


def test_adding_the_same_path_twice_keeps_one_source(store: Store) -> None:
    first, _ = library.add_path(store, SAMPLE)
    second, outcome = library.add_path(store, SAMPLE)
    assert first.id == second.id and outcome.new == 0
    assert len(store.sources()) == 1


def test_welcome_appears_once_and_stays_removed(store: Store) -> None:
    library.ensure_welcome(store)
    [welcome] = store.sources()
    assert welcome.kind == "welcome" and welcome.total == 3
    titles = [h.title for h in store.headlines(View(), 0, 10)]
    assert titles[0] == "Welcome to newsreader"
    store.remove_source(welcome.id)
    library.ensure_welcome(store)
    assert store.sources() == []


def test_welcome_is_not_added_when_the_user_has_sources(store: Store) -> None:
    library.add_path(store, SAMPLE)
    library.ensure_welcome(store)
    assert [s.kind for s in store.sources()] == ["file"]


def test_add_location_refuses_other_schemes(store: Store) -> None:
    with pytest.raises(library.AddError, match="only http"):
        library.add_location(store, "file:///etc/passwd")
    with pytest.raises(library.AddError, match="nothing to add"):
        library.add_location(store, "   ")


def test_find_source_by_id_location_and_title(store: Store) -> None:
    source, _ = library.add_path(store, SAMPLE)
    def found(ref: str) -> int | None:
        match = library.find_source(store, ref)
        return None if match is None else match.id

    assert found(str(source.id)) == source.id
    assert found(str(SAMPLE)) == source.id
    assert found("000_1cdc") == source.id
    assert library.find_source(store, "nothing-like-it") is None
