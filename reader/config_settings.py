"""The settings a config file may hold: each one's check, its meaning and its documentation.

One table (`SETTINGS`) drives everything about a setting: `reader.config` checks a value
with it, and `reader.config_text` writes the first-run file and `newsreader config`'s
listing from it, so a setting added here is checked, documented and listed at once. A check
returns the value in its normal form or raises `Invalid`; the caller turns that into a
message with the setting's `expected` text and falls back to the default.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

FULL_ARTICLE_MODES = ("off", "refresh", "open")

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


def choice(*options: str) -> Check:
    """One of `options`, in any case; the loader also uses it for each per-source mode."""
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
        import shlex  # here: only a browser command set in the file needs it

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
        out[str(name)] = choice(*FULL_ARTICLE_MODES)(mode)
    return out


@dataclass(frozen=True, slots=True)
class Setting:
    """One setting: how its value is checked, and how the template documents it."""

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
    Setting("full_article.default", choice(*FULL_ARTICLE_MODES),
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
    Setting("sync.backend", choice("", "ttrss"), '"ttrss", or "" for no sync server',
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
