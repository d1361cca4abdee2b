"""Key bindings from the configuration: any action can take other keys, and clashes are named.

Every binding the reader declares carries an `id` (the action's name in the config file's
`[keys]` table); Textual's keymap (`App.set_keymap`) then swaps the keys per app, so tests
with different configurations never share state. Before that, the user's table is checked
here against the bindings that really exist:

* an unknown action or an unreadable key name is reported with the file and line;
* a key that would reach two different actions where both could fire (the same pane, or a
  pane and the screen or app above it) is a conflict: it is reported by the names of both
  actions and the user's entry is dropped, so that action keeps its default key.

Overlaps between two *default* bindings (e.g. `space` on the screen and on the article) are
deliberate and not reported.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode
from textual.keys import ASCII_KEY_NAMES, KEY_NAME_REPLACEMENTS, Keys, key_to_character
from textual.screen import Screen

from reader.config import Config
from reader.lowlevel import class_bindings

MODIFIERS = ("ctrl", "alt", "shift", "meta", "super", "hyper")
NAMED_KEYS = frozenset({k.value for k in Keys if "+" not in k.value} | {
    "space", "enter", "escape", "tab", "backspace", "delete", "insert", "home", "end",
    "pageup", "pagedown", "up", "down", "left", "right",
    *(f"f{n}" for n in range(1, 25))})


def normalize_key(key: str) -> str | None:
    """A key as Textual names it ("?" -> "question_mark", "Ctrl+R" -> "ctrl+r"), or None
    when it is not a key a terminal can send."""
    key = key.strip()
    if not key:
        return None
    if len(key) == 1:
        return character_to_key(key) if key.isprintable() else None
    *mods, name = key.split("+") if not key.endswith("++") else [*key[:-2].split("+"), "+"]
    mods = [m.strip().lower() for m in mods]
    if any(m not in MODIFIERS for m in mods) or len(set(mods)) != len(mods):
        return None
    if len(name) == 1:
        if name.isalpha() and mods and "shift" not in mods:
            name = name.lower()  # terminals send ctrl+r for ctrl+R
        name = character_to_key(name) if name.isprintable() else ""
    elif name.lower() in NAMED_KEYS:
        name = name.lower()
    elif key_to_character(name.lower()) is None and not _unicode_name(name):
        return None
    else:
        name = name.lower()
    if not name:
        return None
    return "+".join([*mods, name])


def character_to_key(character: str) -> str:
    """The name Textual gives the key that types `character` ("?" -> "question_mark").

    Textual's own function for this is private; this is the same rule made of public parts
    (its Unicode name, with textual.keys' public tables of exceptions), so the UI needs no
    private name of Textual's. tests/test_lowlevel.py holds it to Textual's answer."""
    if character.isalnum():
        key = character
    else:
        try:
            key = unicodedata.name(character).lower().replace("-", "_").replace(" ", "_")
        except ValueError:
            key = ASCII_KEY_NAMES.get(character, character)
    return KEY_NAME_REPLACEMENTS.get(key, key)


def _unicode_name(name: str) -> bool:
    try:
        unicodedata.lookup(name.replace("_", " "))
    except KeyError:
        return False
    return True


@dataclass(frozen=True, slots=True, eq=False)  # never compared: no generated __eq__, __hash__
class Bound:
    """One binding as the chain would see it: where, which action, which key."""

    owner: str  # class name
    widget: bool  # a pane (True) or the screen/app (False)
    ident: str  # the binding id, or its action when it has none
    description: str
    key: str
    user: bool  # the key came from the config file


@dataclass(eq=False)  # never compared: no generated __eq__
class Keymap:
    """What `build_keymap` decided: the keymap for `App.set_keymap`, and what went wrong."""

    keymap: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)  # action -> why its keys were not


def catalogue(classes: Sequence[type[DOMNode]]) -> list[tuple[str, tuple[str, ...], str]]:
    """(action, default keys, description) of every rebindable action of `classes` (the key
    chain, `reader.ui.app.key_classes()`), in a stable order."""
    found: dict[str, tuple[list[str], str]] = {}
    for cls in classes:
        for binding in _own_bindings(cls):
            if binding.id is None:
                continue
            keys, description = found.setdefault(binding.id, ([], binding.description))
            for key in binding.key.split(","):
                if key.strip() not in keys:
                    keys.append(key.strip())
            if not description and binding.description:
                found[binding.id] = (keys, binding.description)
    return [(ident, tuple(keys), description or ident.replace("_", " "))
            for ident, (keys, description) in found.items()]


def _own_bindings(cls: type[DOMNode]) -> list[Binding]:
    merged = class_bindings(cls)
    if merged is None:
        return []
    return [binding for _key, binding in merged]


def build_keymap(config: Config, classes: Sequence[type[DOMNode]]) -> Keymap:
    """Check the `[keys]` table of `config` against the bindings of `classes` (the key chain,
    `reader.ui.app.key_classes()`) and turn what is sound into a keymap. The chain is passed
    in because the app that owns it imports this module."""
    classes = list(classes)
    known = {ident for ident, _keys, _d in catalogue(classes)}
    result = Keymap()
    wanted: dict[str, tuple[str, ...]] = {}
    for action, keys in config.keys.items():
        where = config.where(f"keys.{action}")
        if action not in known:
            close = difflib.get_close_matches(action, sorted(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            result.rejected[action] = f"there is no action named {action!r}{hint}"
            result.problems.append(f"{where}: keys.{action}: {result.rejected[action]}; ignored")
            continue
        good: list[str] = []
        for key in keys:
            normal = normalize_key(key)
            if normal is None:
                result.rejected[action] = f"{key!r} is not a key name"
                result.problems.append(
                    f"{where}: keys.{action}: {key!r} is not a key name (try \"n\", \"N\", "
                    "\"ctrl+r\", \"f5\", \"space\", \"question_mark\"); ignored")
            elif normal not in good:
                good.append(normal)
        if good:
            wanted[action] = tuple(good)
    names = {ident: description for ident, _keys, description in catalogue(classes)}
    while True:
        clash = _first_conflict(_bound(classes, wanted))
        if clash is None:
            break
        first, second = clash
        dropped = [b for b in (first, second) if b.user and b.ident in wanted]
        for bound in dropped:
            wanted.pop(bound.ident, None)
        for bound in dropped:
            partner = second if bound is first else first
            result.rejected[bound.ident] = (f"{bound.key!r} is already the key of "
                                            f"{partner.ident!r}")
        culprit = dropped[0]
        other = second if culprit is first else first
        result.problems.append(
            f"{config.where('keys.' + culprit.ident)}: keys.{culprit.ident}: "
            f"{culprit.key!r} is already the key of {other.ident!r} "
            f"({names.get(other.ident, other.description) or other.ident}); "
            f"{culprit.ident!r} keeps its default key")
    result.keymap = {ident: ",".join(keys) for ident, keys in wanted.items()}
    return result


def _bound(classes: Iterable[type[DOMNode]], wanted: dict[str, tuple[str, ...]]
           ) -> list[Bound]:
    out: list[Bound] = []
    for cls in classes:
        # A screen's controllers wrap every pane: their keys are in the chain wherever the
        # focus is, like the screen's own.
        widget = not issubclass(cls, Screen | App) and not getattr(cls, "IN_KEY_CHAIN", False)
        seen: set[tuple[str, str]] = set()
        for binding in _own_bindings(cls):
            ident = binding.id or binding.action
            user = binding.id is not None and binding.id in wanted
            keys = wanted[ident] if user else tuple(
                k.strip() for k in binding.key.split(","))
            for key in keys:
                if (ident, key) in seen:
                    continue
                seen.add((ident, key))
                out.append(Bound(cls.__name__, widget, ident, binding.description, key, user))
    return out


def _first_conflict(bound: list[Bound]) -> tuple[Bound, Bound] | None:
    """Two bindings that share a key where both could fire, one of them from the user."""
    by_key: dict[str, list[Bound]] = {}
    for item in bound:
        by_key.setdefault(item.key, []).append(item)
    in_a_pane = {(item.ident, item.key) for item in bound if item.widget}
    for key in sorted(by_key):
        items = by_key[key]
        for i, first in enumerate(items):
            for second in items[i + 1:]:
                if first.ident == second.ident or not (first.user or second.user):
                    continue
                if first.widget and second.widget and first.owner != second.owner:
                    continue  # two different panes: only the focused one hears the key
                if _pane_action(first, second, in_a_pane) or \
                        _pane_action(second, first, in_a_pane):
                    continue
                return (first, second) if first.user else (second, first)
    return None


def _pane_action(screen_side: Bound, pane_side: Bound, in_a_pane: set[tuple[str, str]]) -> bool:
    """An action that lives in a pane and is also on the screen for convenience (next story:
    the list's j/down, and j anywhere) may be shadowed by another pane's own use of the key
    (the article's down scrolls): that is the pane's job, not a conflict."""
    return (not screen_side.widget and pane_side.widget and not pane_side.user
            and (screen_side.ident, screen_side.key) in in_a_pane)
