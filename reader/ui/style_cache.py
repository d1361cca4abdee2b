"""The stylesheet's parsed rules, kept between launches (start-up).

Textual parses every CSS source of the first screen at each launch, `app.tcss` and each
widget's `DEFAULT_CSS`: ~10 ms of CPU before the first frame, for the same text every time.
Parsed rules depend only on that text (and where it was read from), the theme's variables
and Textual itself, so they are kept in one file beside the cache, keyed by all of them,
and handed to the stylesheet before anything is parsed; a source whose text changed finds
no rules under its key and is parsed as before. A file from another Textual, written under
other variables, unreadable or damaged is passed over in silence (the stylesheet parses as
it always did) and written again once the first frame is drawn.

The file is a pickle read by an unpickler that knows only the parts of parsed rules
(Textual's rule, selector, style, scalar, colour and layout classes, the selector checks, an
enum member by name, a style's lookups in its own rules): the data directory may be a synced
or shared folder, and a planted file must not run code there. Anything else in the file is
refused like damage, as is a file that sets attributes on the classes it names (undone at
once) or whose entries are not rule sets. A file made to look right can still hold rules that
draw wrong; deleting it (it is only a cache) brings the parsed styles back. A Textual whose
rules hold another kind of object is refused the same way (parsed as before) until the list
names it. Light themes are not kept: Textual parses again when a theme other than its
default kind is set. What Textual keeps private (its parse cache, its variables) is read
through `reader.lowlevel`.
"""

from __future__ import annotations

import enum
import functools
import os
import pickle
import sys
from collections.abc import Hashable
from pathlib import Path
from typing import Any

from reader.lowlevel import stylesheet_parsed, stylesheet_variables
from reader.paths import write_whole

STYLE_CACHE_NAME = "stylesheet.cache"  # beside the cache (newsreader.sqlite3)
FORMAT = 1  # the layout of the file; another one is passed over


# What parsed rules are made of (Textual 8): every name a kept file may ask for.
_PARTS = frozenset({
    ("textual.color", "Color"),
    ("textual.css.model", "CombinatorType"),
    ("textual.css.model", "RuleSet"),
    ("textual.css.model", "Selector"),
    ("textual.css.model", "SelectorSet"),
    ("textual.css.model", "SelectorType"),
    ("textual.css.model", "_check_class"),
    ("textual.css.model", "_check_id"),
    ("textual.css.model", "_check_type"),
    ("textual.css.model", "_check_universal"),
    ("textual.css.scalar", "Scalar"),
    ("textual.css.scalar", "ScalarOffset"),
    ("textual.css.scalar", "Unit"),
    ("textual.css.styles", "Styles"),
    ("textual.geometry", "Spacing"),
    ("textual.layouts.horizontal", "HorizontalLayout"),
    ("textual.layouts.vertical", "VerticalLayout"),
})


# Bound methods a style keeps of its own rules dict (pickled as `getattr(rules, name)`).
_DICT_METHODS = frozenset({"get", "__contains__"})


def _member(owner: object, name: str) -> object:
    """`getattr` as pickles use it in parsed rules, and for nothing else: a member of one of
    the enums above, or a lookup method of a plain dict."""
    if type(owner) is dict and name in _DICT_METHODS:
        return getattr(owner, name)
    if not (isinstance(owner, type) and issubclass(owner, enum.Enum)
            and (owner.__module__, owner.__qualname__) in _PARTS):
        raise pickle.UnpicklingError("not a part of parsed rules")
    return owner[name]


class _RulesUnpickler(pickle.Unpickler):
    """Finds the parts of parsed rules and nothing else (see the module's docstring)."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("builtins", "getattr"):
            return _member
        if (module, name) == ("functools", "partial"):
            return functools.partial  # its function can only be one of the parts above
        if (module, name) in _PARTS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not part of parsed rules")


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


# What a pickle could set on a class or function it names, beside its `__dict__`.
_SLOTS = ("__bases__", "__code__", "__defaults__", "__kwdefaults__", "__name__",
          "__qualname__", "__module__", "__doc__")


def _load(handle: Any) -> Any:
    """The file's content, read by `_RulesUnpickler`. A pickle may set attributes on what it
    names (its BUILD step), and a class changed that way stays changed after the file is
    refused: every change is undone, and the file refused."""
    import importlib

    named: list[object] = [_member]
    for module, name in _PARTS:
        named.append(getattr(importlib.import_module(module), name))
    before = [(part, dict(vars(part)), {slot: getattr(part, slot) for slot in _SLOTS
                                        if hasattr(part, slot)}) for part in named]
    try:
        return _RulesUnpickler(handle).load()
    finally:
        if _undo(before):
            raise pickle.UnpicklingError("the file changes the classes it names")


def _undo(before: list[tuple[object, dict[str, Any], dict[str, Any]]]) -> bool:
    """Put back what a load changed on the parts it named; whether anything had changed."""
    changed = False
    for part, attributes, slots in before:
        now = vars(part)
        for key in [key for key in now if key not in attributes]:
            changed = True
            delattr(part, key)
        for key, value in attributes.items():
            if now.get(key) is not value:
                changed = True
                setattr(part, key, value)
        for key, value in slots.items():
            if getattr(part, key, None) is not value:
                changed = True
                setattr(part, key, value)
    return changed


def _rules_by_source(entries: object) -> dict[Any, list[Any]]:
    """`entries` if it has the shape of a parse cache's (a source key -> its rule sets)."""
    from textual.css.model import RuleSet

    if not isinstance(entries, dict) or not all(
            isinstance(key, tuple) and isinstance(rules, list)
            and all(isinstance(rule, RuleSet) for rule in rules)
            for key, rules in entries.items()):
        raise pickle.UnpicklingError("not parsed rules")
    return entries


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
                kept = _load(handle)
            form, stamp, variables, entries = kept
            if (form, stamp, variables) != (FORMAT, self._stamp,
                                            stylesheet_variables(stylesheet)):
                return 0
            entries = _rules_by_source(entries)
            parsed = stylesheet_parsed(stylesheet)
            for key, rules in entries.items():
                parsed.set(key, rules)
        except Exception:  # noqa: BLE001 - any damage means parsing as before
            return 0
        self._primed = set(entries)
        return len(entries)

    def wanted(self, stylesheet: Any) -> tuple[Any, ...] | None:
        """What `keep` would write (the parse cache's entries, read on the UI's thread; the
        rules themselves are pickled by the writer thread, which is safe because Textual
        never changes a parsed rule), or None when the file already holds every source parsed
        so far."""
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
        try:
            data = pickle.dumps(content, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - a cache that cannot be written is only slower
            return
        if not write_whole(self.path, data):
            return
        self._primed = set(content[3])
