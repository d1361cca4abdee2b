"""The stylesheet's parsed rules, kept between launches (start-up).

Textual parses every CSS source of the first screen at each launch, `app.tcss` and each
widget's `DEFAULT_CSS`: ~10 ms of CPU before the first frame, for the same text every time.
Parsed rules depend only on that text (and where it was read from), the theme's variables
and Textual itself, so they are kept in one file beside the cache, keyed by all of them,
and handed to the stylesheet before anything is parsed; a source whose text changed finds
no rules under its key and is parsed as before. A file from another Textual, written under
other variables, unreadable or damaged is passed over in silence (the stylesheet parses as
it always did) and written again once the first frame is drawn.

The file is a pickle, like Python's own bytecode cache: it lives in the user's own data
directory and is read by no one else. What Textual keeps private (its parse cache, its
variables) is read through `reader.lowlevel`.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import sys
from collections.abc import Hashable
from pathlib import Path
from typing import Any

from reader.lowlevel import stylesheet_parsed, stylesheet_variables

STYLE_CACHE_NAME = "stylesheet.cache"  # beside the cache (newsreader.sqlite3)
FORMAT = 1  # the layout of the file; another one is passed over


def textual_stamp() -> tuple[Hashable, ...]:
    """What the kept rules were parsed by: Python, the installed Textual (its dist-info
    names the version) and its CSS modules as they are on disk. `importlib.metadata`
    would say the version too, at ~10 ms of CPU, the cost this module exists to save."""
    import textual

    package = Path(textual.__file__).parent
    try:
        installed = sorted(entry.name for entry in os.scandir(package.parent)
                           if entry.name.startswith("textual-")
                           and entry.name.endswith(".dist-info"))
        files = sorted((entry.name, entry.stat().st_size, entry.stat().st_mtime_ns)
                       for entry in os.scandir(package / "css") if entry.name.endswith(".py"))
    except OSError:
        return ()
    return (sys.version_info[:2], str(package), tuple(installed), tuple(files))


class StyleCache:
    """The file of parsed rules for one app: `prime` before the first parse, `keep` after
    the first frame (it writes only when something was parsed that the file lacked)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._primed: set[Hashable] = set()
        self._stamp: tuple[Hashable, ...] = ()

    def prime(self, stylesheet: object) -> int:
        """Hand the kept rules to `stylesheet`; how many sources were handed (0 when the
        file is missing, stale or damaged)."""
        self._stamp = textual_stamp()
        if not self._stamp:
            return 0
        try:
            with self.path.open("rb") as handle:
                kept = pickle.load(handle)  # noqa: S301 - our own file in the user's data dir
            form, stamp, variables, entries = kept
            if (form, stamp, variables) != (FORMAT, self._stamp,
                                            stylesheet_variables(stylesheet)):
                return 0
            parsed = stylesheet_parsed(stylesheet)
            for key, rules in entries.items():
                parsed.set(key, rules)
        except Exception:  # noqa: BLE001 - any damage means parsing as before
            return 0
        self._primed = set(entries)
        return len(entries)

    def wanted(self, stylesheet: Any) -> tuple[Any, ...] | None:
        """What `keep` would write (taken on the UI's thread, while nothing reparses), or
        None when the file already holds every source parsed so far."""
        if not self._stamp:
            return None
        parsed = stylesheet_parsed(stylesheet)
        sources = stylesheet.source
        entries = {key: parsed.get(key) for key in list(parsed.keys()) if key[1] in sources}
        entries = {key: rules for key, rules in entries.items() if rules is not None}
        if not entries or set(entries) <= self._primed:
            return None
        return (FORMAT, self._stamp, dict(stylesheet_variables(stylesheet)), entries)

    def keep(self, content: tuple[Any, ...]) -> None:
        """Write `content` (from `wanted`) whole or not at all; a failure only means
        parsing again next time."""
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        try:
            temporary.write_bytes(pickle.dumps(content, protocol=pickle.HIGHEST_PROTOCOL))
            os.replace(temporary, self.path)
        except Exception:  # noqa: BLE001 - a cache that cannot be written is only slower
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)
            return
        self._primed = set(content[3])
