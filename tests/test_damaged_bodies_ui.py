"""A story whose kept text is damaged in the cache, as a reader meets it: the app (Pilot) and
`newsreader show` say so in words, or show the feed's text when only the kept whole article
is damaged, and go on to the next story."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from reader.cli import main
from reader.models import Entry
from reader.store import Store
from reader.ui.widgets.article_view import ArticleView
from tests.helpers.pilot import RecordingApp, settle, shown_title
from tests.helpers.stories import NOW

SAYS_DAMAGED = "This story's text is damaged in the cache and cannot be shown."
NOT_ZLIB = b"x\x01not zlib at all"


def long_body(n: int) -> str:
    """Long enough to be kept compressed, and with a word of its own ("tok<n>")."""
    rng = random.Random(n)
    words = [rng.choice(["harbour", "ferry", "storm", "council", "river"]) for _ in range(200)]
    return f"<p>tok{n} " + " ".join(words) + "</p>"


def gazette(store: Store) -> dict[str, int]:
    """A feed with three stories, newest first: "Broken" (its body damaged), "Half" (its
    kept whole article damaged, its feed text sound) and "Intact". Title -> story id."""
    source = store.add_source("feed", "https://gazette.example/feed.xml", "Gazette")
    store.upsert_entries(source.id, [
        Entry(key=title, title=title, body_html=long_body(n), published=NOW - n)
        for n, title in enumerate(("Broken", "Half", "Intact"), start=1)])
    ids = {s.title: s.id for s in store.stories_of(source.id)}
    store.set_full_article(ids["Half"], long_body(9))
    with store.db.write() as conn:
        conn.execute("UPDATE stories SET body_html = ? WHERE id = ?", (NOT_ZLIB, ids["Broken"]))
        conn.execute("UPDATE stories SET full_html = ? WHERE id = ?", (NOT_ZLIB, ids["Half"]))
    return ids


def words(app: RecordingApp) -> str:
    rendered = app.screen.query_one(ArticleView).rendered
    assert rendered is not None
    return " ".join(rendered.plain.split())


async def test_the_app_says_a_body_is_damaged_and_reads_on(tmp_path: Path) -> None:
    store = Store(tmp_path / "cache.sqlite3", clock=lambda: NOW)
    gazette(store)
    app = RecordingApp(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert shown_title(app) == "Broken"
        assert SAYS_DAMAGED in words(app) and "tok1" not in words(app)
        await pilot.press("j")
        await settle(app, pilot)
        # Only the kept article is damaged: the feed's own text is shown, as if none was kept.
        assert shown_title(app) == "Half"
        assert "tok2" in words(app) and "tok9" not in words(app)
        assert SAYS_DAMAGED not in words(app)
        assert "full article" not in str(app.screen.query_one(ArticleView).border_title)
        await pilot.press("v")
        await settle(app, pilot)
        assert any("Only the feed's text" in note for _severity, note in app.notes)
        await pilot.press("j")
        await settle(app, pilot)
        assert shown_title(app) == "Intact" and "tok3" in words(app)
        await pilot.press("k", "k")
        await settle(app, pilot)
        assert shown_title(app) == "Broken" and SAYS_DAMAGED in words(app)
        assert not [note for severity, note in app.notes if severity == "error"]
        assert app.is_running
    store.close()


def test_show_says_a_body_is_damaged_and_prints_the_rest(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("NEWSREADER_DATA_DIR", str(tmp_path / "data"))
    assert main(["list"]) == 0  # makes the cache the command uses
    store = Store(tmp_path / "data" / "newsreader.sqlite3")
    gazette(store)
    store.close()
    capsys.readouterr()

    assert main(["show", "Gazette"]) == 0
    out, err = capsys.readouterr()
    stories = out.split("\n" + "─" * 40 + "\n")
    assert [s.strip().splitlines()[0] for s in stories] == ["Broken", "Half", "Intact"]
    broken, half, intact = stories
    assert SAYS_DAMAGED in broken and "tok1" not in broken
    assert "tok2" in half and "tok9" not in half and SAYS_DAMAGED not in half
    assert "tok3" in intact
    assert err == ""
