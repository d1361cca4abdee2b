"""The configuration as the app would run it: the file's values after the UI's own checks.

`reader.config` checks what it can without Textual; whether a theme exists and whether a key
is free are known only here. The app makes these checks as it starts; `newsreader config`
makes them through this module, with the same functions and the same words, so the listing
shows what is really in force and why a value from the file was not taken.
"""

from __future__ import annotations

from dataclasses import replace

from textual.theme import BUILTIN_THEMES

from reader.config import DEFAULT_THEME, Config, theme_problem
from reader.ui.app import key_classes
from reader.ui.keys import build_keymap
from reader.ui.themes import THEMES


def theme_names() -> set[str]:
    """Every theme the app offers: Textual's built-in ones and ours."""
    return {*BUILTIN_THEMES, *(theme.name for theme in THEMES)}


def in_force(config: Config) -> tuple[Config, list[str]]:
    """(`config` with the theme and keys the app would use, what the app would warn about).
    Each value set aside is kept in `Config.rejected` with its reason."""
    problems: list[str] = []
    rejected = dict(config.rejected)
    theme = config.theme
    reason = theme_problem(config, theme_names())
    if reason:
        problems.append(f"{config.where('theme')}: theme: {reason}")
        rejected["theme"] = f"there is no theme {config.theme!r}"
        theme = DEFAULT_THEME
    keymap = build_keymap(config, key_classes())
    problems += keymap.problems
    rejected.update({f"keys.{action}": why for action, why in keymap.rejected.items()})
    keys = {action: tuple(chosen.split(",")) for action, chosen in keymap.keymap.items()}
    return replace(config, theme=theme, keys=keys, rejected=rejected), problems
