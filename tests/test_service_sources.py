"""The service's sources: adding and re-reading local sources, the welcome source, finding a
source by what the user typed, and reading the paths named at launch."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from reader.models import View
from reader.refresh.local import refresh_local
from reader.service import sources as service
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


def _news_folder(tmp_path: Path, alpha: str, beta: str) -> Path:
    """tmp_path/news with a.txt ("# Alpha" and `alpha`) and b.txt ("# Beta" and `beta`),
    written 100 s apart."""
    folder = tmp_path / "news"
    folder.mkdir()
    _write(folder / "a.txt", f"# Alpha\n{alpha}\n", 1_700_000_000)
    _write(folder / "b.txt", f"# Beta\n{beta}\n", 1_700_000_100)
    return folder


def test_adding_the_sample_caches_one_story_with_six_teasers(store: Store) -> None:
    source, outcome = service.add_path(store, SAMPLE)
    assert (source.kind, source.title, outcome.new) == ("file", SAMPLE.name, 1)
    story = store.story(service.first_story(store, source.id) or -1)
    assert story is not None
    assert story.title.startswith("A Taliban spokesperson says a recent visit")
    assert len(story.teasers) == 6
    assert story.published == pytest.approx(SAMPLE.stat().st_mtime)


def test_a_folder_adds_new_files_rereads_changed_ones_and_keeps_deleted(
        store: Store, tmp_path: Path) -> None:
    folder = _news_folder(tmp_path, "First version.", "Beta body.")
    source, outcome = service.add_path(store, folder)
    assert (source.kind, outcome.new) == ("folder", 2)
    alpha_id = store.views.headlines(View(), 0, 10)[-1].id
    store.set_read([alpha_id])
    store.set_starred(alpha_id, True)

    _write(folder / "a.txt", "# Alpha\nSecond version, longer.\n", 1_700_000_500)
    (folder / "b.txt").unlink()
    _write(folder / "c.txt", "# Gamma\nNew file.\n", 1_700_000_200)
    outcome = refresh_local(store, store.get_source(source.id))  # type: ignore[arg-type]
    assert (outcome.new, outcome.updated) == (1, 1)
    titles = {h.title for h in store.views.headlines(View(), 0, 10)}
    assert titles == {"Alpha", "Beta", "Gamma"}  # Beta's file is gone; its story stays
    alpha = store.story(alpha_id)
    assert alpha is not None and "Second version" in alpha.body_html
    assert alpha.read and alpha.starred

    again = refresh_local(store, store.get_source(source.id))  # type: ignore[arg-type]
    assert (again.new, again.updated, again.not_modified) == (0, 0, True)


def test_a_missing_folder_marks_the_source_and_keeps_its_stories(store: Store,
                                                                 tmp_path: Path) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    shutil.copy(SAMPLE, folder)
    source, _ = service.add_path(store, folder)
    shutil.rmtree(folder)
    outcome = refresh_local(store, source)
    assert not outcome.ok and "no longer exists" in outcome.error
    after = store.get_source(source.id)
    assert after is not None and after.status == "missing"
    assert store.views.count(View(source_id=source.id)) == 1
    story = store.story(store.views.headlines(View(), 0, 1)[0].id)
    assert story is not None and "Deputy spokesman" in story.body_html


def test_adding_a_path_that_does_not_exist_stores_nothing(store: Store, tmp_path: Path) -> None:
    with pytest.raises(service.AddError, match="no such file"):
        service.add_path(store, tmp_path / "missing.txt")
    assert store.sources() == []


def test_adding_an_empty_file_gives_the_reason(store: Store, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(service.AddError, match="empty.txt"):
        service.add_path(store, empty)
    assert store.sources() == []


def test_adding_the_same_path_twice_keeps_one_source(store: Store) -> None:
    first, _ = service.add_path(store, SAMPLE)
    second, outcome = service.add_path(store, SAMPLE)
    assert first.id == second.id and outcome.new == 0
    assert len(store.sources()) == 1


def test_welcome_appears_once_and_stays_removed(store: Store) -> None:
    service.ensure_welcome(store)
    [welcome] = store.sources()
    assert welcome.kind == "welcome" and welcome.total == 3
    titles = [h.title for h in store.views.headlines(View(), 0, 10)]
    assert titles[0] == "Welcome to newsreader"
    store.remove_source(welcome.id)
    service.ensure_welcome(store)
    assert store.sources() == []


def test_welcome_is_not_added_when_the_user_has_sources(store: Store) -> None:
    service.add_path(store, SAMPLE)
    service.ensure_welcome(store)
    assert [s.kind for s in store.sources()] == ["file"]


def test_add_location_refuses_other_schemes(store: Store) -> None:
    with pytest.raises(service.AddError, match="only http"):
        service.add_location(store, "file:///etc/passwd")
    with pytest.raises(service.AddError, match="nothing to add"):
        service.add_location(store, "   ")


def test_find_source_by_id_location_and_title(store: Store) -> None:
    source, _ = service.add_path(store, SAMPLE)
    def found(ref: str) -> int | None:
        match = service.find_source(store, ref)
        return None if match is None else match.id

    assert found(str(source.id)) == source.id
    assert found(str(SAMPLE)) == source.id
    assert found("000_1cdc") == source.id
    assert service.find_source(store, "nothing-like-it") is None


def test_adding_what_is_subscribed_says_so_once(store: Store, tmp_path: Path) -> None:
    first, _ = service.add_location(store, str(SAMPLE))
    with pytest.raises(service.AlreadySubscribed) as told:
        service.add_location(store, str(SAMPLE))
    assert str(told.value) == f"already subscribed: {SAMPLE.name}"
    assert told.value.source.id == first.id and len(store.sources()) == 1


def test_a_file_of_a_subscribed_folder_is_one_story_however_it_is_named(
        store: Store, tmp_path: Path) -> None:
    folder = _news_folder(tmp_path, "One.", "Two.")
    news, _ = service.add_path(store, folder)
    with pytest.raises(service.AlreadySubscribed, match="is in the folder news"):
        service.add_location(store, str(folder / "a.txt"))
    _write(folder / "c.txt", "# Gamma\nNew since the folder was read.\n", 1_700_000_200)
    with pytest.raises(service.AlreadySubscribed, match="is in the folder news"):
        service.add_location(store, str(folder / "c.txt"))
    # Named at launch (add_path), the file opens in its folder rather than on its own.
    source, _ = service.add_path(store, folder / "b.txt")
    assert source.id == news.id
    assert [s.id for s in store.sources()] == [news.id]
    titles = sorted(h.title for h in store.views.headlines(View(), 0, 10))
    assert titles == ["Alpha", "Beta", "Gamma"]


def test_a_folder_takes_in_a_file_subscribed_before_with_its_marks(
        store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "news"
    (folder / "deep").mkdir(parents=True)
    _write(folder / "deep" / "a.txt", "# Alpha\nOne.\n", 1_700_000_000)
    _write(folder / "b.txt", "# Beta\nTwo.\n", 1_700_000_100)
    alone, _ = service.add_path(store, folder / "deep" / "a.txt")
    story_id = service.first_story(store, alone.id)
    assert story_id is not None
    store.set_read([story_id])
    store.set_starred(story_id, True)
    store.set_full_article(story_id, "<p>The whole article, kept offline.</p>")

    news, outcome = service.add_path(store, folder)
    assert [s.id for s in store.sources()] == [news.id]  # the file's own source is gone
    assert outcome.new == 1  # Beta; Alpha came in with its marks
    assert sorted(h.title for h in store.views.headlines(View(), 0, 10)) == ["Alpha", "Beta"]
    alpha = store.story(story_id)
    assert alpha is not None and alpha.source_id == news.id
    assert alpha.read and alpha.starred and "kept offline" in alpha.full_html
    again = refresh_local(store, store.get_source(news.id))  # type: ignore[arg-type]
    assert (again.new, again.updated) == (0, 0)


def test_path_problem_tells_what_surely_cannot_be_read(store: Store, tmp_path: Path) -> None:
    (tmp_path / "photo.bin").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64)
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "list.opml").write_text("<opml version='2.0'><body/></opml>")
    (tmp_path / "notes.log").write_text("Harbour ferries return\nThe first left at dawn.\n")
    (tmp_path / "news").mkdir()
    (tmp_path / "news" / "broken.bin").write_bytes(b"\x00" * 10)  # a folder's files: the app's
    assert service.path_problem(tmp_path / "photo.bin").endswith("photo.bin: binary file, not text")
    assert service.path_problem(tmp_path / "empty.txt").endswith("empty.txt: empty file")
    assert "OPML subscription list" in service.path_problem(tmp_path / "list.opml")
    assert "no such file" in service.path_problem(tmp_path / "gone.txt")
    assert service.path_problem(tmp_path / "notes.log") == ""
    assert service.path_problem(tmp_path / "news") == ""


def test_paths_named_at_launch_are_read_in_order_and_a_bad_one_stops_none(
        store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    _write(folder / "a.txt", "# Alpha\nFirst story.\n", 1_000_000)
    _write(folder / "b.txt", "# Beta\nSecond story.\n", 1_000_000)
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    started: list[tuple[str, int]] = []
    told: list[service.PathRead] = []
    reads = service.read_paths(store, [str(binary), str(folder), str(tmp_path / "gone.txt")],
                               started=lambda path, files: started.append((path, files)),
                               done=told.append)
    assert told == reads
    assert started == [(str(binary), 1), (str(folder), 2), (str(tmp_path / "gone.txt"), 0)]
    bad, good, gone = reads
    assert bad.source is None and "photo.txt" in bad.error
    assert good.source is not None and good.stories == 2 and good.error == ""
    assert gone.source is None and "no such file" in gone.error
    assert [s.label for s in store.sources()] == ["news"]
