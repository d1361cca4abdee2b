"""Key bindings from the configuration: rebinding, bad names, conflicts named at start, and
the contract that makes it possible (every binding of the reader has an id)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.config import Config, parse_config
from reader.ui.app import key_classes
from reader.ui.keys import build_keymap, catalogue, normalize_key
from reader.ui.screens.help import HelpScreen
from reader.ui.screens.reading import ReadingScreen
from tests.helpers.pilot import RecordingApp, settle, shown_title
from tests.helpers.stories import add_source, make_store, numbered


def keys_config(text: str) -> Config:
    config, problems = parse_config("# my keys\n[keys]\n" + text, "/home/me/config.toml")
    assert problems == []
    return config


@pytest.mark.parametrize(("typed", "expected"), [
    ("n", "n"), ("N", "N"), ("?", "question_mark"), ("/", "slash"), ("ctrl+R", "ctrl+r"),
    ("Ctrl+Shift+X", "ctrl+shift+X"), ("f5", "f5"), ("PageDown", "pagedown"),
    ("space", "space"), ("question_mark", "question_mark"), ("alt+left", "alt+left")])
def test_key_names_are_normalised(typed: str, expected: str) -> None:
    assert normalize_key(typed) == expected


@pytest.mark.parametrize("typed", ["", "ctrl+", "hyperspace", "cmd+x", "ctrl+ctrl+x", "\x1b"])
def test_impossible_keys_are_refused(typed: str) -> None:
    assert normalize_key(typed) is None


def test_every_binding_of_the_reader_has_an_id_and_no_default_clashes() -> None:
    for cls in key_classes():
        for binding in cls.__dict__.get("BINDINGS", []):
            assert getattr(binding, "id", None), (
                f"{cls.__name__}: binding {binding!r} has no id, so it cannot be rebound in "
                "the config file: give it id=\"<action name>\"")
    # The screen and its controllers are all in the key chain wherever the focus is: no two
    # of them may bind the same key (the inner one would take it without a word).
    layers = [cls for cls in key_classes()
              if cls is ReadingScreen or getattr(cls, "IN_KEY_CHAIN", False)]
    assert len(layers) >= 8
    seen: dict[str, str] = {}
    for layer in layers:
        for binding in layer.__dict__.get("BINDINGS", []):
            for key in binding.key.split(","):
                assert key.strip() not in seen, (
                    f"{layer.__name__} binds {key!r}, already {seen[key.strip()]}")
                seen[key.strip()] = f"{layer.__name__}.{binding.action}"
    assert build_keymap(Config(), key_classes()).problems == []
    names = [ident for ident, _keys, _description in catalogue(key_classes())]
    assert len(names) == len(set(names))
    assert {"next_unread", "zen", "fetch_full", "quit", "command_palette"} <= set(names)


def test_unknown_actions_and_bad_keys_are_reported_with_file_and_line() -> None:
    result = build_keymap(keys_config('nxt_unread = "N"\nzen = "hyperspace"\n'), key_classes())
    assert result.keymap == {}
    assert result.problems[0].startswith("/home/me/config.toml:3: keys.nxt_unread: there is no "
                                         "action named 'nxt_unread' (did you mean "
                                         "'next_unread'?)")
    assert result.problems[1].startswith("/home/me/config.toml:4: keys.zen: 'hyperspace' is "
                                         "not a key name")


def test_conflicts_are_named_and_the_default_kept() -> None:
    result = build_keymap(keys_config('toggle_star = "n"\nzen = "j"\nquit = "Q"\n'), key_classes())
    assert result.keymap == {"quit": "Q"}
    joined = "\n".join(result.problems)
    assert ("/home/me/config.toml:3: keys.toggle_star: 'n' is already the key of "
            "'next_unread' (Next unread); 'toggle_star' keeps its default key") in joined
    assert "config.toml:4: keys.zen: 'j' is already the key of 'next_story'" in joined
    # two user entries on one key: both reported, neither applied
    both = build_keymap(keys_config('zen = "x"\nlinks = "x"\n'), key_classes())
    assert both.keymap == {} and len(both.problems) == 1
    assert "'x' is already the key of" in both.problems[0]
    # swapping two keys is not a conflict
    swap = build_keymap(keys_config('toggle_star = "m"\ntoggle_read = "s"\n'), key_classes())
    assert swap.problems == [] and swap.keymap == {"toggle_star": "m", "toggle_read": "s"}
    # different panes may share a key: only the focused one hears it
    panes = build_keymap(keys_config('open_teaser = "o"\n'), key_classes())
    assert "open_link" in panes.problems[0]  # ... but not one the screen uses everywhere


async def test_rebound_keys_work_the_old_ones_do_not_and_help_shows_them(
        tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 5))
    config = keys_config('next_story = ["J", "down"]\ntoggle_star = "x"\n')
    app = RecordingApp(store, config=config)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert shown_title(app) == "daily story 0"
        await pilot.press("j")
        await settle(app, pilot)
        assert shown_title(app) == "daily story 0"  # j no longer moves
        await pilot.press("J")
        await settle(app, pilot)
        assert shown_title(app) == "daily story 1"
        await pilot.press("down")
        await settle(app, pilot)
        assert shown_title(app) == "daily story 2"
        await pilot.press("s")
        await settle(app, pilot)
        assert not store.story(main_id(app)).starred  # type: ignore[union-attr]
        await pilot.press("x")
        await settle(app, pilot)
        assert store.story(main_id(app)).starred  # type: ignore[union-attr]
        await pilot.press("question_mark")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        rows = {desc: keys for _title, group in app.screen.groups for keys, desc in group}
        assert rows["Star"] == "x"
        assert rows["Next story"].startswith("J")
        assert "/home/me/config.toml" in app.screen.footnote


async def test_conflicts_are_shown_when_the_app_starts(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 2))
    app = RecordingApp(store, config=keys_config('toggle_star = "n"\n'))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert any(severity == "warning" and "config.toml:3: keys.toggle_star" in note
                   and "'next_unread'" in note for severity, note in app.notes)
        await pilot.press("s")  # the default still works
        await settle(app, pilot)
        assert store.story(main_id(app)).starred  # type: ignore[union-attr]


def main_id(app: RecordingApp) -> int:
    story = app.screen.current  # type: ignore[attr-defined]
    assert story is not None
    return int(story.id)
