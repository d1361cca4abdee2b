"""The user's settings: one TOML file, every setting optional, every mistake explained.

Why it works this way:

* The file lives in `platformdirs.user_config_dir("newsreader")` (`--config FILE` or
  `$NEWSREADER_CONFIG_DIR` point elsewhere) and is created on first run with every setting
  commented out, so a user discovers the settings by reading the file, not the manual.
* A bad value never stops the reader. Each one is reported as "FILE:LINE: name: expected
  TYPE, got VALUE; using DEFAULT" and that one setting falls back to its default; the rest
  of the file still counts. `tomllib` gives no positions, so the line of each key is found
  by scanning the text (`reader.config_lines`). Each setting's check and documentation is
  in `reader.config_settings`; this module reads the file and applies them.
* This module is data only (no Textual): theme names and key bindings are checked against
  what the app really has by the UI at start-up (`reader.ui.keys`), using the line numbers
  kept here in `Config.lines`; `newsreader config` makes the same checks
  (`reader.ui.config_check`). Every value set aside is kept in `Config.rejected` with its
  reason, so the listing shows what is in force, never a value that was refused.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from reader.config_settings import (
    FULL_ARTICLE_MODES,
    SETTINGS,
    Invalid,
    choice,
    resolve_timezone,
)
from reader.paths import config_dir

CONFIG_NAME = "config.toml"
DEFAULT_THEME = "reading"


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One thing wrong with the file, where it is, and what happens instead."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class Config:
    """The values in force. Field names are the dotted setting names with "." -> "__"."""

    refresh_interval: int = 30
    theme: str = ""
    browser: str = ""
    date_format: str = ""
    timezone: str = ""
    full_article__default: str = "off"
    full_article__sources: dict[str, str] = field(default_factory=dict)
    retention__max_age_days: int = 0
    retention__max_per_source: int = 0
    layout__sources_width: int = 30
    layout__headlines_width: str = "4fr"
    layout__teasers_width: int = 30
    layout__measure: int = 80
    layout__show_sources: str = "auto"
    layout__show_teasers: bool = True
    layout__narrow_below: int = 100
    layout__wide_from: int = 200
    sync__backend: str = ""
    sync__url: str = ""
    sync__user: str = ""
    sync__password_command: str = ""
    sync__local: tuple[str, ...] = ()
    keys: dict[str, tuple[str, ...]] = field(default_factory=dict)
    path: str = ""
    lines: dict[str, int] = field(default_factory=dict)  # "layout.measure" -> line, "keys.x"
    # Values the file set but that are not in force, by dotted name: why each was rejected.
    # `newsreader config` shows them beside the value used instead.
    rejected: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> Any:
        """A setting by its dotted name, e.g. "layout.measure"."""
        return getattr(self, name.replace(".", "__"))

    def where(self, name: str) -> str:
        """"FILE:LINE" of a setting (or just FILE), for messages about it."""
        line = self.lines.get(name)
        return f"{self.path}:{line}" if line else self.path or "the configuration"

    @property
    def names_sync_server(self) -> bool:
        """Whether `[sync]` names a server (then `r` / `R` sync). Here, not in the sync
        service, so that the app asks it at start without importing that service."""
        return bool(self.sync__backend and self.sync__url)

    @property
    def tz(self) -> tzinfo | None:
        """The time zone dates are shown in; None means the system's local time."""
        return resolve_timezone(self.timezone)

    def full_article_for(self, location: str, title: str) -> str:
        """The per-source full-article mode the file sets for a source, or "" for none.

        Sources are named by their exact location (URL or path) or, case-insensitively,
        their title."""
        sources = self.full_article__sources
        if location in sources:
            return sources[location]
        lowered = title.strip().lower()
        for name, mode in sources.items():
            if lowered and name.strip().lower() == lowered:
                return mode
        return ""


_BY_NAME = {s.name: s for s in SETTINGS}
_SECTIONS = {"full_article", "retention", "layout", "sync", "keys"}
_DEFAULTS = Config()


def default_path(override: str | os.PathLike[str] | None = None) -> Path:
    """The config file: `--config FILE` if given, else config.toml in the config directory."""
    if override:
        return Path(override).expanduser()
    return config_dir() / CONFIG_NAME


def theme_problem(config: Config, known: Iterable[str]) -> str:
    """Why the theme the file names is not used ("" when it is, or when it names none).
    The theme names come from the UI (Textual's and ours); the app and `newsreader config`
    both ask here, so they say the same thing."""
    if not config.theme or config.theme in known:
        return ""
    names = ", ".join(sorted(known))
    return f"there is no theme {config.theme!r} (known: {names}); using {DEFAULT_THEME!r}"


def load_config(path: str | os.PathLike[str]) -> tuple[Config, list[ConfigProblem]]:
    """Read the file at `path`. A missing file is all defaults and no problem."""
    where = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return replace(_DEFAULTS, path=where), []
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        return replace(_DEFAULTS, path=where), [
            ConfigProblem(where, None, f"cannot read it ({reason}); using every default")]
    return parse_config(text, where)


def only_comments(text: str) -> bool:
    """True when `text` holds blank lines and comments only, which TOML reads as an empty
    document: the file as it is first written, every setting commented out. True only when
    sure: a line with a tab, a CR or any character that is not printable gets False and
    goes to the TOML parser, which alone knows which of them a comment may hold."""
    for line in text.split("\n"):
        line = line.lstrip(" \t")
        if line and (line[0] != "#" or not line.isprintable()):
            return False
    return True


def parse_config(text: str, path: str = "config.toml") -> tuple[Config, list[ConfigProblem]]:
    """The values in `text` (a TOML document), with a problem for each bad one."""
    data: dict[str, Any] = {}
    if not only_comments(text):
        import tomllib  # here: the file as first written needs no parser (~1.7 ms at start)

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            match = re.search(r"at line (\d+)", str(exc))
            reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
            return replace(_DEFAULTS, path=path), [ConfigProblem(
                path, int(match.group(1)) if match else None,
                f"not valid TOML ({reason}); using every default")]
    lines: dict[str, int] = {}
    if data:  # the line of each setting (problems, `Config.where`): a file of comments has none
        from reader.config_lines import key_lines

        lines = key_lines(text)
    problems: list[ConfigProblem] = []
    values: dict[str, Any] = {}
    rejected: dict[str, str] = {}

    def problem(name: str, message: str) -> None:
        problems.append(ConfigProblem(path, lines.get(name), message))

    flat: list[tuple[str, Any]] = []
    for key, value in data.items():
        if key == "keys":
            values["keys"] = _keys(value, lines, path, problems, rejected)
        elif key in _SECTIONS and isinstance(value, dict):
            flat.extend((f"{key}.{name}", inner) for name, inner in value.items())
        elif key in _SECTIONS:
            problem(key, f"{key}: expected a [{key}] table, got {_show(value)}; ignored")
        else:
            flat.append((key, value))
    for name, value in flat:
        setting = _BY_NAME.get(name)
        if setting is None:
            problem(name, f"unknown setting {name!r}; ignored (see the comments in the "
                          "file made on first run, or `newsreader config`)")
            continue
        if name == "full_article.sources" and isinstance(value, dict):
            values["full_article__sources"] = _source_modes(value, lines, path, problems,
                                                            rejected)
            continue
        try:
            values[name.replace(".", "__")] = setting.check(value)
        except Invalid:
            default = _DEFAULTS.get(name)
            rejected[name] = f"expected {setting.expected}, got {_show(value)}"
            problem(name, f"{name}: {rejected[name]}; using the default ({_show(default)})")
    config = replace(_DEFAULTS, path=path, lines=lines, rejected=rejected, **values)
    if config.layout__wide_from < config.layout__narrow_below:
        rejected["layout.wide_from"] = (
            f"expected a number of columns at least layout.narrow_below "
            f"({config.layout__narrow_below}), got {config.layout__wide_from}")
        problem("layout.wide_from", f"layout.wide_from: {rejected['layout.wide_from']}; "
                                    f"using {config.layout__narrow_below}")
        config = replace(config, layout__wide_from=config.layout__narrow_below)
    problems.sort(key=lambda p: p.line or 0)
    return config, problems


def _source_modes(value: dict[str, Any], lines: dict[str, int], path: str,
                  problems: list[ConfigProblem], rejected: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    check = choice(*FULL_ARTICLE_MODES)
    for name, mode in value.items():
        try:
            out[str(name)] = check(mode)
        except Invalid:
            why = f"expected \"off\", \"refresh\" or \"open\", got {_show(mode)}"
            rejected[f"full_article.sources.{name}"] = why
            problems.append(ConfigProblem(
                path, lines.get(f"full_article.sources.{name}"),
                f"full_article.sources.{name}: {why}; using full_article.default for it"))
    return out


def _keys(value: Any, lines: dict[str, int], path: str, problems: list[ConfigProblem],
          rejected: dict[str, str]) -> dict[str, tuple[str, ...]]:
    """[keys]: action = "key" | "key1,key2" | ["key1", "key2"]. Names are checked by the UI."""
    if not isinstance(value, dict):
        problems.append(ConfigProblem(path, lines.get("keys"),
                                      "keys: expected a table of action = \"key\"; ignored"))
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for action, keys in value.items():
        if isinstance(keys, str):
            parts = [k.strip() for k in keys.split(",")]
        elif isinstance(keys, list) and all(isinstance(k, str) for k in keys):
            parts = [k.strip() for k in keys]
        else:
            parts = []
        if not parts or not all(parts):
            why = (f"expected a key in quotes (\"n\", \"ctrl+r\") or a list of them, got "
                   f"{_show(keys)}")
            rejected[f"keys.{action}"] = why
            problems.append(ConfigProblem(path, lines.get(f"keys.{action}"),
                                          f"keys.{action}: {why}; keeping its default key"))
            continue

        out[str(action)] = tuple(dict.fromkeys(parts))
    return out


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"')[:60] + '"'
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if value == ():
        return "none"
    if isinstance(value, datetime):
        return "a date"
    return str(value)[:60]
