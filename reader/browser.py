"""Opening a link in the user's browser, safely.

Which browser: the `browser` setting, else `$BROWSER`, else the system's (Python's
`webbrowser`). The command is split with `shlex` and run directly, never through a shell, so
a URL (chosen by a feed's author) is always one argument and can never become a command;
`%s` in the command stands for the URL, else it goes last. Only http(s) links are opened
(and mailto, where the caller allows it): `javascript:`, `file:` and friends never are.

A console browser (lynx, w3m, …) needs the terminal the app is drawing on: `Launch` says so,
and the UI suspends itself while it runs. Nothing here imports Textual.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import webbrowser
from collections.abc import Mapping
from dataclasses import dataclass

from reader.sanitize import clean_line, is_safe_url

WEB = frozenset({"http", "https"})
WEB_AND_MAIL = WEB | {"mailto"}
CONSOLE_BROWSERS = frozenset({"lynx", "w3m", "links", "links2", "elinks", "browsh",
                              "www-browser", "carbonyl", "cha", "chawan"})


class BrowserError(Exception):
    """The link cannot be opened; the message says why in plain words."""


@dataclass(frozen=True, slots=True)
class Launch:
    """How to open one URL: `argv` to run (None: Python's `webbrowser`), and whether the
    program needs the terminal to itself."""

    url: str
    argv: tuple[str, ...] | None
    in_terminal: bool = False


def plan(url: str, command: str = "", *, environ: Mapping[str, str] | None = None,
         schemes: frozenset[str] = WEB) -> Launch:
    """Decide how `url` opens. Raises BrowserError for a link that must not be opened or a
    command that cannot be read."""
    url = url.strip()
    if not is_safe_url(url, schemes):
        allowed = " and ".join(sorted(schemes)) if len(schemes) < 3 else \
            ", ".join(sorted(schemes))
        raise BrowserError(f"Not opening {clean_line(url)[:200]}: only {allowed} links open "
                           "in the browser.")
    env = os.environ if environ is None else environ
    chosen = command.strip()
    if not chosen:
        chosen = _first_runnable(env.get("BROWSER", ""))
    if not chosen:
        return _system(url)
    try:
        words = shlex.split(chosen)
    except ValueError as exc:
        raise BrowserError(f"The browser command {chosen!r} cannot be read: {exc}") from None
    if not words:
        return _system(url)
    return Launch(url, _with_url(words, url), _is_console(words[0]))


def _first_runnable(value: str) -> str:
    """$BROWSER may list several commands separated by ":"; the first one that exists."""
    for candidate in (part.strip() for part in value.split(os.pathsep)):
        if not candidate:
            continue
        try:
            program = shlex.split(candidate)[0]
        except (ValueError, IndexError):
            continue
        if shutil.which(program):
            return candidate
    return value.split(os.pathsep)[0].strip() if value.strip() else ""


def _with_url(words: list[str], url: str) -> tuple[str, ...]:
    if any("%s" in word for word in words[1:]):
        return (words[0], *(w.replace("%s", url).replace("%%", "%") for w in words[1:]))
    return (*words, url)


def _is_console(program: str) -> bool:
    return os.path.basename(program) in CONSOLE_BROWSERS


def _system(url: str) -> Launch:
    """Python's choice, unless that is a console browser: then run it ourselves in the
    terminal rather than let it fight the app for the screen."""
    try:
        found = webbrowser.get()
    except webbrowser.Error:
        return Launch(url, None)
    name = getattr(found, "name", "")
    args = getattr(found, "args", None)
    if isinstance(found, webbrowser.GenericBrowser) and _is_console(str(name)):
        words = [str(name), *(str(a) for a in (args or ["%s"]))]
        return Launch(url, _with_url(words, url), True)
    return Launch(url, None)


def launch(how: Launch) -> None:
    """Start the browser. A graphical one is detached and not waited for; a console one runs
    in the foreground (the caller gives it the terminal). Raises BrowserError."""
    if how.argv is None:
        try:
            opened = webbrowser.open(how.url)
        except webbrowser.Error:
            opened = False
        if not opened:
            raise BrowserError(f"No browser could open {clean_line(how.url)[:200]}. Set "
                               "`browser` in the configuration or $BROWSER.")
        return
    try:
        if how.in_terminal:
            subprocess.run(how.argv, check=False)  # noqa: S603 - argv, never a shell
        else:
            subprocess.Popen(how.argv, stdin=subprocess.DEVNULL,  # noqa: S603
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
    except OSError as exc:
        raise BrowserError(f"Could not start the browser {how.argv[0]!r}: "
                           f"{exc.strerror or exc}") from None
