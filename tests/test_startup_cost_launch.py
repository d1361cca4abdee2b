"""What a launch spends before its first frame: a plain launch imports no feed parser, no
HTML converter, no dialog and (without a sync server) no sync service; its messages are no
dataclasses, and its dataclasses generate no comparison no one makes and no docstring; the
first frame runs without a collector pass; the stylesheet parsed by one launch is kept for the
next; and the theme's variables are worked out once.

All of it is time spent before anything is drawn (measured by bench/startup_bench.py);
these tests keep it from coming back by accident.
"""

from __future__ import annotations

import dataclasses
import gc
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from textual.color import Color
from textual.message import Message

from reader.config import parse_config
from reader.ui.first_look import FirstLook
from reader.ui.style_cache import STYLE_CACHE_NAME
from tests.helpers.pilot import SIZE, RecordingApp, settle
from tests.helpers.startup_probe import app_with_stories
from tests.helpers.stories import add_source, make_store, numbered


def test_a_plain_launch_imports_no_feed_parser() -> None:
    """The modules a plain `newsreader` imports before its first frame (the command line,
    the cache, the app) leave the feed parser and OPML writing to the workers that use them."""
    code = ("import sys, reader.cli, reader.service.subscriptions, reader.store.recovery, "
            "reader.ui.app; print(sorted(m for m in ('feedparser', 'xml.sax.saxutils', "
            "'urllib.request', 'email.utils') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parent.parent)
    assert out.stdout.strip() == "[]", out.stdout


def test_a_plain_launch_imports_no_html_converter_and_no_dialog() -> None:
    """The first story's HTML converter (lxml) comes with the first story, in its worker, and
    the dialogs and the store's trash, health and retention when they are first used."""
    later = ("lxml.etree", "reader.render.converter", "reader.ui.screens.add_source",
             "reader.ui.screens.dialogs", "reader.ui.screens.source_info",
             "reader.ui.screens.help", "reader.store.trash", "reader.store.health",
             "reader.store.retention", "reader.browser")
    code = ("import sys, reader.cli, reader.service.subscriptions, reader.store.recovery, "
            f"reader.ui.app; print(sorted(m for m in {later!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parent.parent)
    assert out.stdout.strip() == "[]", out.stdout


def test_the_ui_messages_are_plain_classes_and_no_one_compares_its_dataclasses() -> None:
    """The UI's ~45 messages are all made before the first frame: each is a plain class with
    an `__init__` of its own, as Textual's are, not a dataclass (which cost ~35 us a class as
    the class was made). And the dataclasses made then that no one compares (the start-up
    plan, the prepared stories, the key checker's bindings, the article style and the
    sidebar's rows) get no `__eq__`, which Python would compile on its own for each."""
    import reader.ui.app  # noqa: F401 - every module of a plain launch
    from reader.ui.controllers.launch import LaunchPlan
    from reader.ui.controllers.ready import Ready
    from reader.ui.keys import Bound, Keymap
    from reader.ui.widgets.article_view import ArticleStyle
    from reader.ui.widgets.teaser_sidebar import TeaserRows

    def made(cls: type) -> list[type]:
        inner = [v for v in vars(cls).values() if isinstance(v, type)]
        return [cls, *(c for v in inner for c in made(v))]

    messages = {c for name, module in list(sys.modules.items()) if name.startswith("reader.ui")
                for v in vars(module).values()
                if isinstance(v, type) and v.__module__ == name for c in made(v)
                if issubclass(c, Message)}
    assert len(messages) >= 40
    assert sorted(c.__qualname__ for c in messages if dataclasses.is_dataclass(c)) == []
    for cls in (LaunchPlan, Ready, FirstLook, Bound, Keymap, ArticleStyle, TeaserRows):
        assert "__eq__" not in vars(cls), cls.__qualname__
    with pytest.raises(dataclasses.FrozenInstanceError):  # still immutable
        setattr(LaunchPlan(), "offline", True)  # noqa: B010


def test_every_dataclass_of_a_plain_launch_has_a_docstring() -> None:
    """A dataclass without a docstring gets one made from `inspect.signature` as the class is
    made (its first use sets up `inspect`'s machinery): each class a plain launch defines
    says what it is instead."""
    code = ("import dataclasses, sys, reader.cli, reader.service.subscriptions, "
            "reader.store.recovery, reader.ui.app\n"
            "def made(cls):\n"
            "    yield cls\n"
            "    for v in vars(cls).values():\n"
            "        if isinstance(v, type) and v.__module__ == cls.__module__:\n"
            "            yield from made(v)\n"
            "found = {c for name, m in list(sys.modules.items()) if name.startswith('reader')\n"
            "         for v in vars(m).values() if isinstance(v, type) and v.__module__ == name\n"
            "         for c in made(v) if dataclasses.is_dataclass(c)}\n"
            "assert len(found) > 30, len(found)\n"
            "print(sorted(c.__qualname__ for c in found\n"
            "             if (c.__doc__ or '').startswith(c.__name__ + '(')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parent.parent)
    assert out.stdout.strip() == "[]", out.stdout


@pytest.mark.usefixtures("in_a_terminal")
def test_the_launch_keeps_what_lives_all_along_out_of_the_collector(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`newsreader` freezes the objects alive when the app starts (modules, classes): the
    first full collection, which fell in the first frame, then walks only what the frame
    made. Checked where the app would start running."""
    from reader.cli import main as cli_main
    from reader.ui.app import NewsApp

    frozen: list[int] = []
    monkeypatch.setattr(NewsApp, "run", lambda self, **_: frozen.append(gc.get_freeze_count()))
    monkeypatch.setenv("NEWSREADER_CONFIG_DIR", str(tmp_path / "config"))
    try:
        assert cli_main(["--data-dir", str(tmp_path / "data"), "--offline"]) == 0
    finally:
        gc.unfreeze()
    assert len(frozen) == 1 and frozen[0] > 0


@pytest.mark.usefixtures("in_a_terminal")
def test_the_first_frame_runs_with_the_apps_young_generation(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """At Python's 700 young objects the first frame (~17,000 objects, nearly all kept) ran
    ~25 collector passes; the app runs with the young generation it keeps once its first
    story is up, and the threshold is as it was once the app is gone, however it ended."""
    from reader.cli import main as cli_main
    from reader.ui.app import NewsApp
    from reader.ui.heap import YOUNG_OBJECTS

    before = gc.get_threshold()
    seen: list[tuple[int, bool]] = []

    def run(self: NewsApp, **_: object) -> None:
        seen.append((gc.get_threshold()[0], gc.isenabled()))

    monkeypatch.setattr(NewsApp, "run", run)
    monkeypatch.setenv("NEWSREADER_CONFIG_DIR", str(tmp_path / "config"))
    data = ["--data-dir", str(tmp_path / "data"), "--offline"]
    try:
        assert cli_main(data) == 0
        assert seen == [(YOUNG_OBJECTS, True)]
        assert gc.get_threshold() == before

        def broken(self: NewsApp, **_: object) -> None:
            raise RuntimeError("the terminal went away")

        monkeypatch.setattr(NewsApp, "run", broken)
        with pytest.raises(RuntimeError):
            cli_main(data)
        assert gc.get_threshold() == before
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


async def test_a_start_without_a_sync_server_imports_no_sync_service(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whether `r` syncs is asked of the configuration: the first frame imported the sync
    service (~0.6 ms) only to read two settings."""
    import reader.service

    monkeypatch.delitem(sys.modules, "reader.service.sync", raising=False)
    monkeypatch.delattr(reader.service, "sync", raising=False)
    app = app_with_stories(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.reader is not None and app.reader.refresh_control.syncs is False
    assert "reader.service.sync" not in sys.modules


async def _parses_at_launch(store: Any, kept: Path, monkeypatch: pytest.MonkeyPatch,
                            ) -> tuple[list[str], str, list[tuple[str, str]]]:
    """The CSS sources a launch with the stylesheet cache `kept` parsed, its screen and the
    notifications it showed."""
    from textual.css import stylesheet

    parsed: list[str] = []
    real_parse = stylesheet.parse

    def counting(scope: str, css: str, read_from: Any, *args: Any, **kwargs: Any) -> Any:
        parsed.append(str(read_from))
        return real_parse(scope, css, read_from, *args, **kwargs)

    monkeypatch.setattr(stylesheet, "parse", counting)
    app = RecordingApp(store, style_cache=kept)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        shot = app.export_screenshot()
    monkeypatch.setattr(stylesheet, "parse", real_parse)
    return parsed, shot, app.notes


async def test_a_second_launch_parses_no_css_and_draws_the_same_screen(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first launch parses its stylesheets and keeps the rules beside the cache; the
    next one is handed them before anything is parsed (~10 ms of CPU), and draws the same."""
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 5))
    kept = tmp_path / STYLE_CACHE_NAME
    first, first_shot, _ = await _parses_at_launch(store, kept, monkeypatch)
    assert any("app.tcss" in source for source in first) and kept.is_file()
    second, second_shot, _ = await _parses_at_launch(store, kept, monkeypatch)
    assert second == []
    assert second_shot == first_shot
    before = kept.stat().st_mtime_ns
    await _parses_at_launch(store, kept, monkeypatch)
    assert kept.stat().st_mtime_ns == before  # nothing new parsed: nothing written


class _Planted:
    """A pickle that would run code when loaded: it makes a file (`touch`)."""

    def __init__(self, proof: Path) -> None:
        self.proof = proof

    def __reduce__(self) -> tuple[Any, ...]:
        import os

        return (os.system, (f"touch '{self.proof}'",))


@pytest.mark.parametrize("content", ["damaged", "other textual", "other theme", "planted"])
async def test_a_style_cache_that_does_not_fit_is_passed_over_and_written_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str) -> None:
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 5))
    kept = tmp_path / STYLE_CACHE_NAME
    _, fresh_shot, _ = await _parses_at_launch(store, kept, monkeypatch)
    form, stamp, variables, entries = pickle.loads(kept.read_bytes())
    proof = tmp_path / "code ran"
    if content == "damaged":
        kept.write_bytes(kept.read_bytes()[:200])
    elif content == "planted":  # a file put in a shared data folder must not run code
        kept.write_bytes(pickle.dumps((form, stamp, variables, _Planted(proof))))
    elif content == "other textual":
        kept.write_bytes(pickle.dumps((form, (*stamp, "8.0.0"), variables, entries)))
    else:
        kept.write_bytes(pickle.dumps((form, stamp, {**variables, "surface": "#ff0000"},
                                       entries)))
    parsed, shot, notes = await _parses_at_launch(store, kept, monkeypatch)
    assert any("app.tcss" in source for source in parsed)  # parsed as before
    assert shot == fresh_shot and notes == []  # in silence
    assert not proof.exists()
    assert pickle.loads(kept.read_bytes())[:3] == (form, stamp, variables)  # written again
    again, _, _ = await _parses_at_launch(store, kept, monkeypatch)
    assert again == []


async def test_a_style_cache_that_cannot_be_written_leaves_the_launch_as_it_was(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 5))
    kept = tmp_path / "missing folder" / STYLE_CACHE_NAME
    parsed, _, notes = await _parses_at_launch(store, kept, monkeypatch)
    assert parsed and notes == [] and not kept.parent.exists()


@pytest.mark.usefixtures("in_a_terminal")
def test_the_launch_keeps_the_parsed_stylesheet_beside_the_cache(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from reader.cli import main as cli_main
    from reader.ui.app import NewsApp

    kept: list[Path | None] = []
    monkeypatch.setattr(NewsApp, "run", lambda self, **_: kept.append(
        self.styles_kept.path if self.styles_kept is not None else None))
    monkeypatch.setenv("NEWSREADER_CONFIG_DIR", str(tmp_path / "config"))
    try:
        assert cli_main(["--data-dir", str(tmp_path / "data"), "--offline"]) == 0
    finally:
        gc.unfreeze()
    assert kept == [tmp_path / "data" / STYLE_CACHE_NAME]


def test_the_app_works_out_the_themes_variables_once_as_it_is_made(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Textual's `App.__init__` asks for its default theme's variables before ours is
    chosen; they were computed (~0.8 ms) only to be replaced. A light theme, set through
    Textual's watcher, is parsed with its own variables from the start (the watcher works
    them out once more when the app runs: light themes are not the start-up path)."""
    from textual.theme import Theme

    from reader.lowlevel import stylesheet_variables
    from reader.ui.app import NewsApp

    built: list[str] = []
    to_color_system = Theme.to_color_system

    def counted(self: Theme) -> Any:
        built.append(self.name)
        return to_color_system(self)

    monkeypatch.setattr(Theme, "to_color_system", counted)
    store = make_store(tmp_path)
    for name in ("reading", "nord", "solarized-light"):
        config, _ = parse_config(f'theme = "{name}"\n', "/cfg/config.toml")
        built.clear()
        app = NewsApp(store, config=config)
        assert built == [name], built
        assert stylesheet_variables(app.stylesheet) == app.theme_variables
        theme = app.get_theme(name)
        assert theme is not None and theme.surface
        assert Color.parse(app.theme_variables["surface"]) == Color.parse(theme.surface)
