"""The configuration as text: the file made on first run, and `newsreader config`'s listing.

Both are generated from `reader.config_settings.SETTINGS`, so a new setting is documented in
the file and listed by the command the moment it exists. Key bindings come from the caller
(the UI knows them), so this module stays free of Textual like the rest of the data layer.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from reader.config import Config
from reader.config_settings import SETTINGS

KeyDefaults = Iterable[tuple[str, tuple[str, ...], str]]  # (action, default keys, description)
_EMPTY_MEANS = {
    "theme": '"reading", or the theme last chosen in the app (ctrl+p, Switch theme)',
    "browser": "$BROWSER, else the system's browser",
    "date_format": 'like "Sat 28 Nov 2026 06:40"',
    "timezone": "the system's local time",
}


# -- the values in force, as text --------------------------------------------------------------

def describe(config: Config, key_defaults: KeyDefaults = ()
             ) -> str:
    """The values in force as TOML, each marked with where it came from. A value the file
    set but that is not in force (`Config.rejected`) is named beside the one used instead,
    with its line and the reason, so the listing never shows a rejected value as taken."""
    out: list[str] = []
    section = ""
    shown: set[str] = set()
    for setting in SETTINGS:
        head, _, name = setting.name.rpartition(".")
        if head != section:
            out.append(f"\n[{head}]")
            section = head
        value = config.get(setting.name)
        note = _origin(config, setting.name, setting.name not in config.rejected)
        if setting.name in _EMPTY_MEANS and not value:
            note += f": {_EMPTY_MEANS[setting.name]}"
        out.append(f"{name} = {_toml(setting.name, value)}  # {note}")
        shown.add(setting.name)
    out.append("\n[keys]")
    overrides = config.keys
    for action, keys, description in key_defaults:
        chosen = overrides.get(action, keys)
        origin = _origin(config, f"keys.{action}", action in overrides)
        out.append(f"{action} = {_toml_list(chosen)}  # {description}; {origin}")
        shown.add(f"keys.{action}")
    for action, keys in overrides.items():
        if f"keys.{action}" not in shown:
            out.append(f"{action} = {_toml_list(keys)}  # {_origin(config, 'keys.' + action)}")
            shown.add(f"keys.{action}")
    others = [name for name in config.rejected if name not in shown]
    if others:
        out.append("\n# also in the file, and not in force:")
        out.extend(f"# {_where(config, name)}: {name}: {config.rejected[name]}"
                   for name in sorted(others, key=lambda n: config.lines.get(n, 0)))
    return "\n".join(out).lstrip("\n") + "\n"


def _origin(config: Config, name: str, from_file: bool = True) -> str:
    """Where a value in force comes from, and what the file said instead when it was set
    aside: "line 4", "default", "line 4 rejected (expected …); this is used instead"."""
    why = config.rejected.get(name)
    if why and from_file:
        return f"{_where(config, name)}, in part ({why}: ignored)"
    if why:
        return f"{_where(config, name)} rejected ({why}); this is used instead"
    line = config.lines.get(name)
    return f"line {line}" if line and from_file else "default"


def _where(config: Config, name: str) -> str:
    line = config.lines.get(name)
    return f"line {line}" if line else "the file"


def _toml(name: str, value: Any) -> str:
    if name == "layout.show_sources":
        return {"yes": "true", "no": "false"}.get(value, '"auto"')
    if name == "layout.headlines_width" and str(value).isdigit():
        return str(value)
    if isinstance(value, dict):
        inner = ", ".join(f"{_quote(k)} = {_quote(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(map(_quote, value)) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _toml_list(keys: tuple[str, ...]) -> str:
    return _quote(keys[0]) if len(keys) == 1 else "[" + ", ".join(map(_quote, keys)) + "]"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# -- the file made on first run ----------------------------------------------------------------

HEADER = """\
# newsreader configuration (TOML).
#
# Every setting is commented out and shows its default (or an example, where the default
# is empty): remove the "#" in front of a line (and of its [section] line) to change it.
# `newsreader config` prints the values in force. A bad value is reported with its line
# when newsreader starts, and that one setting keeps its default.
"""


def template(key_defaults: KeyDefaults = ()) -> str:
    """The first-run file: every setting, commented out, with what it does."""
    out = [HEADER]
    section = ""
    for setting in SETTINGS:
        head, _, name = setting.name.rpartition(".")
        if head != section:
            out.append(f"\n# [{head}]")
            section = head
        out.append("")
        out.extend("# " + line for line in setting.doc.splitlines())
        out.append(f"# {name} = {setting.example}")
    out.append("\n# [keys]")
    out.append("# Any action can take other keys: action = \"key\" or [\"key\", \"other key\"].")
    out.append('# Key names: "n", "N", "ctrl+r", "alt+x", "f5", "space", "enter", "escape",')
    out.append('# "tab", "up", "pagedown", "question_mark" ("?"), "slash" ("/"), ...')
    out.append("# A key that two actions would share is reported at start, and the default kept.")
    for action, keys, description in key_defaults:
        out.append(f"# {action} = {_toml_list(keys)}".ljust(40) + f"  # {description}")
    return "\n".join(out) + "\n"


def ensure_config_file(path: Path,
                       key_defaults: KeyDefaults = ()) -> bool:
    """Write the commented-out template at `path` if nothing is there. True when written.

    Failing to write (a read-only home) is not an error: the defaults apply."""
    if path.exists():
        return False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as handle:
            handle.write(template(key_defaults))
    except OSError:
        return False
    return True
