"""The user's settings: one TOML file, every setting optional, every mistake explained.

Why it works this way:

* The file lives in `platformdirs.user_config_dir("newsreader")` (`--config FILE` or
  `$NEWSREADER_CONFIG_DIR` point elsewhere) and is created on first run with every setting
  commented out, so a user discovers the settings by reading the file, not the manual.
* A bad value never stops the reader. Each one is reported as "FILE:LINE: name: expected
  TYPE, got VALUE; using DEFAULT" and that one setting falls back to its default; the rest
  of the file still counts. `tomllib` gives no positions, so the line of each key is found
  by scanning the text (good enough for the hand-written files a config is).
* This module is data only (no Textual): theme names and key bindings are checked against
  what the app really has by the UI at start-up (`reader.ui.keys`), using the line numbers
  kept here in `Config.lines`; `newsreader config` makes the same checks
  (`reader.ui.config_check`). Every value set aside is kept in `Config.rejected` with its
  reason, so the listing shows what is in force, never a value that was refused.
"""

from __future__ import annotations

import os
import re
import shlex
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from reader.paths import config_dir

CONFIG_NAME = "config.toml"
FULL_ARTICLE_MODES = ("off", "refresh", "open")
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


# -- the settings, their checks and their documentation --------------------------------------

Check = Callable[[Any], Any]


class Invalid(ValueError):
    """A value of the wrong kind; the message is what was expected."""


def _whole(low: int, high: int | None = None) -> Check:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid
        if value < low or (high is not None and value > high):
            raise Invalid
        return value
    return check


def _choice(*options: str) -> Check:
    def check(value: Any) -> str:
        if not isinstance(value, str) or value.strip().lower() not in options:
            raise Invalid
        return value.strip().lower()
    return check


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid
    return value.strip()


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid
    return value


def _width(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and 10 <= value <= 500:
        return str(value)
    if isinstance(value, str) and re.fullmatch(r"\s*\d{1,3}\s*(%|fr)\s*", value):
        number = int(re.sub(r"\D", "", value))
        if 0 < number <= (100 if value.strip().endswith("%") else 20):
            return value.replace(" ", "")
    raise Invalid


def _auto_or_bool(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and value.strip().lower() == "auto":
        return "auto"
    raise Invalid


def _browser(value: Any) -> str:
    text = _text(value)
    if text:
        try:
            shlex.split(text)
        except ValueError as exc:
            raise Invalid from exc
    return text


def _date_format(value: Any) -> str:
    text = _text(value)
    if text:
        try:
            shown = datetime(2024, 11, 27, 6, 40, tzinfo=UTC).strftime(text)
        except (ValueError, TypeError) as exc:
            raise Invalid from exc
        if not shown.strip() or "%" not in text:
            raise Invalid
    return text


def _timezone(value: Any) -> str:
    text = _text(value)
    if text and text.lower() != "local":
        try:
            resolve_timezone(text)
        except (KeyError, ValueError) as exc:
            raise Invalid from exc
    return "" if text.lower() == "local" else text


def _server_url(value: Any) -> str:
    text = _text(value)
    if text and not re.fullmatch(r"https?://[^\s/?#]+(/\S*)?", text, re.IGNORECASE):
        raise Invalid
    return text


def _feed_urls(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise Invalid
    urls = tuple(_text(item) for item in value)
    if not all(re.fullmatch(r"https?://\S+", url, re.IGNORECASE) for url in urls):
        raise Invalid
    return urls


def _modes(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise Invalid
    out: dict[str, str] = {}
    for name, mode in value.items():
        out[str(name)] = _choice(*FULL_ARTICLE_MODES)(mode)
    return out


@dataclass(frozen=True, slots=True)
class Setting:
    name: str  # dotted
    check: Check
    expected: str
    doc: str
    example: str  # the TOML value shown (commented out) in the template


SETTINGS: tuple[Setting, ...] = (
    Setting("refresh_interval", _whole(0, 7 * 24 * 60),
            "a whole number of minutes from 0 (never) to 10080",
            "Refresh every N minutes while the app runs (0: only at start and on r / R).",
            "30"),
    Setting("theme", _text, "a theme name in quotes",
            'The colour theme: "reading" (made for long sessions), or any Textual theme:\n'
            'textual-dark, textual-light, nord, gruvbox, dracula, tokyo-night, monokai,\n'
            'flexoki, catppuccin-latte, solarized-light, solarized-dark, rose-pine, ...\n'
            'ctrl+p then "Switch theme" tries them live.', '"reading"'),
    Setting("browser", _browser, "a command in quotes, e.g. \"firefox --new-tab\"",
            "The command that opens links; %s stands for the URL (else it goes last).\n"
            "Never run through a shell. Empty: $BROWSER, then the system's browser.",
            '"firefox --new-tab %s"'),
    Setting("date_format", _date_format, 'a strftime format in quotes, e.g. "%Y-%m-%d %H:%M"',
            'How the article shows its date (strftime). Empty: "Sat 28 Nov 2026 06:40".',
            '"%Y-%m-%d %H:%M"'),
    Setting("timezone", _timezone, 'a time zone name in quotes, e.g. "Europe/Paris" or "UTC"',
            'The time zone dates are shown in. Empty or "local": the system\'s.',
            '"Europe/Paris"'),
    Setting("full_article.default", _choice(*FULL_ARTICLE_MODES),
            '"off", "refresh" or "open"',
            "Whole articles for feeds that carry only a summary: \"off\" (f fetches one on\n"
            "demand), \"refresh\" (keep the page of every new story), \"open\" (fetch on open).",
            '"off"'),
    Setting("full_article.sources", _modes,
            'a table of "source" = "off" | "refresh" | "open"',
            "Per source, by its URL/path or its title: the same three modes.",
            '{ "https://example.org/feed.xml" = "open", "Ars Technica" = "refresh" }'),
    Setting("retention.max_age_days", _whole(0), "a whole number of days, 0 or more",
            "Forget read stories published more than N days ago (0: keep them all).\n"
            "Unread and starred stories, and each source's latest arrivals, always stay.",
            "0"),
    Setting("retention.max_per_source", _whole(0), "a whole number of stories, 0 or more",
            "Keep at most the newest N stories of each source (0: no limit).",
            "0"),
    Setting("layout.sources_width", _whole(16, 120), "a whole number of columns, 16 to 120",
            "Width of the source list, in columns.", "30"),
    Setting("layout.headlines_width", _width,
            'a number of columns (10 to 500), or "N%" or "Nfr" in quotes',
            'Width of the headline list: columns, "40%", or a share like "4fr"\n'
            "(the article takes 3fr).", '"4fr"'),
    Setting("layout.teasers_width", _whole(16, 120), "a whole number of columns, 16 to 120",
            "Width of the teaser sidebar, in columns.", "30"),
    Setting("layout.measure", _whole(30, 400), "a whole number of columns, 30 to 400",
            "The article wraps at most this wide and is centred in wider panes.", "80"),
    Setting("layout.show_sources", _auto_or_bool, 'true, false or "auto"',
            'Show the source list at start: "auto" means on terminals at least\n'
            "wide_from columns wide. S or \\ toggles it.", '"auto"'),
    Setting("layout.show_teasers", _boolean, "true or false",
            "Show the teaser sidebar (t toggles it).", "true"),
    Setting("layout.narrow_below", _whole(40, 400), "a whole number of columns, 40 to 400",
            "Below this width the list sits above the article and the side panes fold away.",
            "100"),
    Setting("layout.wide_from", _whole(40, 1000), "a whole number of columns, 40 to 1000",
            "From this width the source list shows by itself (show_sources = \"auto\").",
            "200"),
    Setting("sync.backend", _choice("", "ttrss"), '"ttrss", or "" for no sync server',
            "Two-way sync with an aggregator server (newsreader sync): \"ttrss\" is\n"
            "Tiny Tiny RSS. Empty: no server; every feed is fetched here.", '"ttrss"'),
    Setting("sync.url", _server_url, 'the server\'s http(s) address in quotes',
            "The server's address, as a browser opens it (its API is URL/api/).",
            '"https://rss.example.org/"'),
    Setting("sync.user", _text, "a user name in quotes", "The user name on the server.",
            '"me"'),
    Setting("sync.password_command", _browser, "a command in quotes, e.g. \"pass show ttrss\"",
            "A command that prints the password (never run through a shell; its output is\n"
            "never written to disk). NEWSREADER_SYNC_PASSWORD, when set, is used instead.",
            '"pass show ttrss"'),
    Setting("sync.local", _feed_urls, 'a list of feed URLs in quotes, e.g. ["https://a.org/feed"]',
            "Feeds fetched here and never sent to the sync server (an intranet feed, one\n"
            "you keep off your other devices). A server feed named here is fetched here.",
            '["https://intranet.example.org/feed.xml"]'),
)
_BY_NAME = {s.name: s for s in SETTINGS}
_SECTIONS = {"full_article", "retention", "layout", "sync", "keys"}
_DEFAULTS = Config()


def default_path(override: str | os.PathLike[str] | None = None) -> Path:
    """The config file: `--config FILE` if given, else config.toml in the config directory."""
    if override:
        return Path(override).expanduser()
    return config_dir() / CONFIG_NAME


def resolve_timezone(name: str) -> tzinfo | None:
    """A time zone by name ("" and "local": None, the system's). Raises KeyError/ValueError."""
    if not name or name.lower() == "local":
        return None
    if name.upper() in ("UTC", "Z", "GMT"):
        return UTC
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise KeyError(name) from exc


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


def parse_config(text: str, path: str = "config.toml") -> tuple[Config, list[ConfigProblem]]:
    """The values in `text` (a TOML document), with a problem for each bad one."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"at line (\d+)", str(exc))
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        return replace(_DEFAULTS, path=path), [ConfigProblem(
            path, int(match.group(1)) if match else None,
            f"not valid TOML ({reason}); using every default")]
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
    check = _choice(*FULL_ARTICLE_MODES)
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


# -- where each key is written ----------------------------------------------------------------

_TABLE = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_KEY = re.compile(r"""^\s*((?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)"""
                  r"""(?:\s*\.\s*(?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+))*)\s*=""")


def key_lines(text: str) -> dict[str, int]:
    """Dotted key -> the (1-based) line that sets it, for the simple TOML a config holds."""
    found: dict[str, int] = {}
    table: list[str] = []
    in_multiline = False
    for number, line in enumerate(text.splitlines(), start=1):
        odd = bool(line.count('"""') % 2 or line.count("'''") % 2)
        if in_multiline:  # inside a multi-line string: nothing here is a key
            in_multiline = not odd
            continue
        in_multiline = odd  # this line may open one, after its own key
        header = _TABLE.match(line)
        if header:
            table = _split_dotted(header.group(1))
            found.setdefault(".".join(table), number)
            continue
        key = _KEY.match(line)
        if key:
            path = table + _split_dotted(key.group(1))
            found.setdefault(".".join(path), number)
            inline = re.search(r"=\s*\{(.*)\}", line)  # keys of an inline table, same line
            if inline:
                for inner in re.finditer(r"""("(?:[^"\\]|\\.)*"|'[^']*'|[\w-]+)\s*=""",
                                         inline.group(1)):
                    found.setdefault(".".join(path + _split_dotted(inner.group(1))), number)
    return found


def _split_dotted(key: str) -> list[str]:
    parts = re.findall(r"""\s*("(?:[^"\\]|\\.)*"|'[^']*'|[^.\s]+)\s*(?:\.|$)""", key)
    return [p[1:-1] if p[:1] in "\"'" else p for p in parts]
