"""What we use of other packages' private API, in one place.

A name with a leading underscore, or an undocumented module of a package, can change in any
release. Each one used anywhere in newsreader is fetched here, by `_private`, with the reason
it earns its place; an upgrade that removes one fails when it is first looked up (at the
import of the module that uses it) with a message that names it and says what it was for,
and tests/test_lowlevel.py (test_netstream.py and test_netlocks.py for httpx's, httpcore's
and asyncio's) checks that each still behaves the way we rely on. Where a public or
standard-library function gives the same result, that is used instead (links are joined with
`urllib.parse.urljoin`, the windows-1252 table comes from the `cp1252` codec, the usual date
shapes are computed in `reader.sources.feeddates`).

This module is part of the data layer: it never imports Textual, nor Rich at module level.
"""

from __future__ import annotations

import contextlib
import importlib
import re
from collections.abc import Callable
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any


class PrivateAPIMissing(ImportError):
    """A package no longer has a private name newsreader relies on."""


def _private(module: str, path: str, use: str) -> Any:
    """`module.path` (a dotted attribute path), or PrivateAPIMissing saying what it was for."""
    try:
        found: Any = importlib.import_module(module)
        for part in path.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError) as exc:
        raise PrivateAPIMissing(
            f"{module}.{path} is gone ({exc}); reader/lowlevel.py uses it {use}. "
            "Pin the previous version of the package or replace the use.") from None
    return found


# -- feedparser --------------------------------------------------------------------------------
# The direct road (reader.sources.directfeed) must give exactly the stories feedparser would;
# these are feedparser's own rules, which a copy would let drift apart on an upgrade.
# Each is looked up when first asked for (the module `__getattr__` below), not when this
# module is imported: importing feedparser costs ~20 ms of CPU, and the app's first frame
# needs only `divide_line` from here (start-up).
_FEEDPARSER_NAMES: dict[str, tuple[str, str, str]] = {
    # feedparser's date chain (a dozen formats and languages), for the dates that are not
    # in the two shapes `reader.sources.feeddates` computes itself.
    "feedparser_date": ("feedparser.datetimes", "_parse_date", "for dates in unusual shapes"),
    # The namespace URI -> prefix table by which feedparser names elements ("dc:creator").
    "feedparser_namespaces": ("feedparser.mixin", "_FeedParserMixin.namespaces",
                              "to name elements as feedparser does"),
    # The parser feedparser reads well-formed documents with: its `_start_*` and `_end_*`
    # methods are the elements it acts on; any other one is kept under its own key.
    "feedparser_strict": ("feedparser.api", "StrictFeedParser",
                          "to know which elements feedparser acts on"),
    # The keys a FeedParserDict files under others ("guid" is "id").
    "feedparser_keymap": ("feedparser.util", "FeedParserDict.keymap",
                          "to know which keys feedparser files under others"),
    # Whether feedparser reads an RSS text construct declared plain text as HTML.
    "looks_like_html": ("feedparser.mixin", "_FeedParserMixin.looks_like_html",
                        "to type RSS text as feedparser"),
    # The base URL feedparser settles on (with its list of acceptable schemes).
    "make_safe_absolute_uri": ("feedparser.urls", "make_safe_absolute_uri",
                               "to resolve links against feedparser's base"),
    # How feedparser's `convert_to_utf8` picks an encoding (undocumented module): its
    # patterns, its reading of a Content-Type header, and whether chardet would guess.
    "xml_declaration": ("feedparser.encodings", "RE_XML_DECLARATION",
                        "to replace the XML declaration as feedparser does"),
    "xml_encoding": ("feedparser.encodings", "RE_XML_PI_ENCODING",
                     "to read the declared encoding as feedparser does"),
    "parse_content_type": ("feedparser.encodings", "parse_content_type",
                           "to read a charset as feedparser does"),
}

if TYPE_CHECKING:
    feedparser_date: Callable[[str], Any]
    feedparser_namespaces: dict[str, str]
    feedparser_strict: type
    feedparser_keymap: dict[str, str | list[str]]
    looks_like_html: Callable[[str], bool]
    make_safe_absolute_uri: Callable[..., str]
    xml_declaration: Any
    xml_encoding: Any
    parse_content_type: Callable[[str], tuple[str, str]]


def __getattr__(name: str) -> Any:
    """A feedparser name of `_FEEDPARSER_NAMES`, fetched at its first use and then kept."""
    if name not in _FEEDPARSER_NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    found = _private(*_FEEDPARSER_NAMES[name])
    globals()[name] = found
    return found


def chardet_available() -> bool:
    """Whether feedparser would ask chardet to guess an encoding (the direct road does not
    reproduce its guesses). Looked up at each call: feedparser sets it at import."""
    return _private("feedparser.encodings", "lazy_chardet_encoding",
                    "to know whether feedparser guesses encodings") is not None


class _Cp1252Table(dict[int, Any]):
    """feedparser's windows-1252 table for C1 codes, answering any other code with itself.

    feedparser's `pop` runs `text.translate(_cp1252)` on every text its lenient parser reads,
    and with a plain dict `str.translate` raises and clears a KeyError inside for each
    character the table lacks, nearly all of them: a sixth of that parser's CPU on the varied
    benchmark feeds. Same translation, minus the errors; what it remembers is bounded."""

    __slots__ = ()

    def __missing__(self, code: int) -> int:
        if len(self) < 4096:
            self[code] = code
        return code


@cache
def quicker_feedparser() -> None:
    """Make feedparser's own road cheaper, once a process, with the same answers (the
    feedparser road calls it before parsing; tests/test_lowlevel.py holds each to them):

    * its `pop` gets the table above in place of its `_cp1252` dict;
    * its strict parser gets expat's text buffered (`create_parser`, named first in its
      `PREFERRED_XML_PARSERS`): without, every character reference splits a text into
      pieces, and each piece costs feedparser a `handle_data` call (~170 a story of
      escaped HTML; -8% of its CPU on the varied benchmark's feedparser feeds);
    * its `make_safe_absolute_uri`, which it runs at every start tag to join the base with
      itself, remembers its last answers (a pure function of two strings; -11%);
    * its parsers hand `pop` its text as a `_TextToTranslate`, which skips the table for a
      text without a C1 code (-20%);
    * its `FeedParserDict` looks a plain key up as a dict does, and is deep-copied without
      the generic reduce (-8%, the two together)."""
    mixin: Any = importlib.import_module("feedparser.mixin")
    table = _private("feedparser.mixin", "_cp1252", "to translate windows-1252 codes faster")
    if type(table) is dict:
        mixin._cp1252 = _Cp1252Table(table)
    api: Any = importlib.import_module("feedparser.api")
    preferred = _private("feedparser.api", "PREFERRED_XML_PARSERS", "to buffer expat's text")
    if __name__ not in preferred:
        api.PREFERRED_XML_PARSERS = [__name__, *preferred]
    join = _private("feedparser.mixin", "make_safe_absolute_uri", "to join base URLs once")
    if not hasattr(join, "cache_info"):
        mixin.make_safe_absolute_uri = lru_cache(maxsize=256)(join)
    keyed = _private("feedparser.util", "FeedParserDict", "to look its keys up faster")
    if "__deepcopy__" not in vars(keyed):
        keyed.get = _plain_get(keyed)
        keyed.__deepcopy__ = _deepcopy_keyed
    import inspect  # (here: the app's first frame imports this module, not inspect)

    _TextToTranslate.c1_code = re.compile("[\x80-\x9f]")
    for name in ("StrictFeedParser", "LooseFeedParser"):
        parser = _private("feedparser.api", name, "to translate only texts with C1 codes")
        if "decode_entities" not in vars(parser):
            parser.decode_entities = _text_to_translate(
                inspect.getattr_static(parser, "decode_entities"))


def _plain_get(keyed: Any) -> Callable[..., Any]:
    """`FeedParserDict.get` that is `dict.get` for a key its `__getitem__` does not treat
    apart: feedparser asks its content parameters for their "type" several times an
    element, and each ask ran the whole chain. A key treated apart is one of the keymap's
    or a string its `__getitem__` names (so a special key that a later feedparser adds
    still goes the long way)."""
    constants = keyed.__getitem__.__code__.co_consts
    named = {*keyed.keymap, *(c for c in constants if isinstance(c, str))}
    long_way = keyed.get

    def get(self: dict[Any, Any], key: Any, default: Any = None) -> Any:
        if key in named or type(self) is not keyed:  # (a subclass may read keys its way)
            return long_way(self, key, default)
        return dict.get(self, key, default)

    return get


def _deepcopy_keyed(self: dict[Any, Any], memo: dict[int, Any]) -> Any:
    """`copy.deepcopy` of a FeedParserDict as `copy` makes it (a new instance, its state,
    then each item set through the class's `__setitem__`), without first asking the
    instance's `__getattr__` for `__deepcopy__` (which runs the key chain and raises) and
    without the generic reduce: feedparser copies its content parameters for each text."""
    import copy

    copied = type(self).__new__(type(self))
    memo[id(self)] = copied
    state = vars(self)
    if state:
        vars(copied).update(copy.deepcopy(state, memo))
    for key, value in dict.items(self):
        copied[key if type(key) is str else copy.deepcopy(key, memo)] = (
            value if type(value) is str else copy.deepcopy(value, memo))
    return copied


class _TextToTranslate(str):
    """A text at the end of feedparser's `pop`, whose last step is `translate(_cp1252)`.

    `str.translate` looks every character of a non-ASCII text up in the table, ~12 ns each:
    a fifth of feedparser's CPU on the varied benchmark's feeds. The table maps only C1
    codes (U+0080-U+009F), so a text without one is its own translation, found by one
    regex search. The answer is always a plain `str`."""

    __slots__ = ()

    c1_code: re.Pattern[str] | None = None  # compiled by `quicker_feedparser`, not at start

    def translate(self, table: Any) -> str:
        if isinstance(table, _Cp1252Table) and (
                self.isascii() or self.c1_code is not None and not self.c1_code.search(self)):
            return str(self)
        return str.translate(str(self), table)


def _text_to_translate(decode: Any) -> Callable[..., Any]:
    """A parser's `decode_entities` (the step of `pop` before the translation), wrapped to
    hand its text on as a `_TextToTranslate`."""
    if isinstance(decode, staticmethod):
        inner = decode.__func__

        def decode_entities(self: Any, element: str, data: Any) -> Any:
            found = inner(element, data)
            return _TextToTranslate(found) if type(found) is str else found
    else:
        def decode_entities(self: Any, element: str, data: Any) -> Any:
            found = decode(self, element, data)
            return _TextToTranslate(found) if type(found) is str else found

    return decode_entities


def create_parser() -> Any:
    """An `xml.sax` driver's entry point (feedparser's strict parser asks for one through
    `xml.sax.make_parser`): the standard expat reader with `buffer_text` on, so that a run
    of text comes in one piece, not one per character reference."""
    return _buffered_reader()()


@cache
def _buffered_reader() -> type:
    from xml.sax import expatreader

    class BufferedExpatParser(expatreader.ExpatParser):
        def reset(self) -> None:
            super().reset()
            # the expat parser the reader makes at each reset, by the standard library's
            # private name: where it is missing, text comes in pieces as before (a test
            # tells)
            parser = getattr(self, "_parser", None)
            if parser is not None:
                parser.buffer_text = True

    return BufferedExpatParser


# -- the standard library ---------------------------------------------------------------------


def kill_pool_workers(executor: Any) -> None:
    """Kill every worker process of a `ProcessPoolExecutor` now, jobs and all: a job past its
    time limit cannot be cancelled inside a worker. Python 3.14's `kill_workers()` where it
    exists; before it, no public road reaches a pool's processes, so its private
    `_processes` map (pid -> Process) is read, defensively: a pool without it is left to
    `shutdown`, which ends the workers once their jobs end."""
    public = getattr(executor, "kill_workers", None)
    if callable(public):
        with contextlib.suppress(Exception):  # a pool already shut down
            public()
        return
    for process in list((getattr(executor, "_processes", None) or {}).values()):
        with contextlib.suppress(Exception):  # a process that is gone already
            process.kill()


def staggered_race() -> Callable[..., Any]:
    """asyncio's happy-eyeballs race (`asyncio.staggered.staggered_race`, an undocumented
    module): what `loop.create_connection` runs over a host's addresses, used by
    `reader.sources.netstream` over addresses it resolved itself."""
    race: Callable[..., Any] = _private("asyncio.staggered", "staggered_race",
                                        "to race a host's addresses as asyncio does")
    return race


# -- httpx -------------------------------------------------------------------------------------


def use_network_backend(client: Any, backend: Any) -> bool:
    """Give the connection pool of an `httpx.AsyncClient`'s own direct transport the httpcore
    network backend `backend` (`reader.sources.netstream`). httpcore takes one publicly
    (`AsyncConnectionPool(network_backend=...)`), but httpx makes the pool itself and passes
    none, so it is set where the pool keeps it (`AsyncHTTPTransport._pool._network_backend`).
    A proxy's transport (`_mounts`, from HTTP_PROXY and the like) keeps httpcore's own: its
    tunnels are not tested here. Returns whether the pool took it: a transport of another
    kind (a test's) is left alone, and so is every pool of a release of httpx or httpcore
    without these names (tests/test_netstream.py then fails, naming it)."""
    import httpcore

    pool = getattr(getattr(client, "_transport", None), "_pool", None)
    if type(pool) is not httpcore.AsyncConnectionPool or not hasattr(pool, "_network_backend"):
        return False
    pool._network_backend = backend
    return True


def httpcore_on_asyncio(client: Any, primitives: Any) -> bool:
    """Give httpcore's locks, events and cancel shields `primitives` in place of the anyio
    module (`reader.sources.netlocks`): httpcore makes them through the module it imported
    as `httpcore._synchronization.anyio`, and no public road chooses them. Once a process:
    every httpcore pool in it is then served by them. Not while `client` tunnels through a
    proxy (any of its `_mounts`, from HTTP_PROXY and the like): those connections run on
    anyio's streams, whose close waits, so they need anyio's shield; a process takes its
    proxies from its environment, so one client has them when all do. Returns whether it
    took: a release without these names keeps anyio (tests/test_netlocks.py fails then)."""
    import httpcore._synchronization as synchronization

    mounts = getattr(client, "_mounts", None)
    if mounts is None or any(mounts.values()) or not hasattr(synchronization, "anyio"):
        return False
    synchronization.anyio = primitives
    return True


# -- Rich (the UI's) --------------------------------------------------------------------------
# Fetched when first used, never at import: the CLI and the data layer import this module and
# most of them never wrap a line.


def divide_line(text: str, width: int) -> list[int]:
    """Where to break `text` (offsets into it) so each line fits `width` cells, words longer
    than a line folded: Rich's word wrapper, so the article and the teasers break exactly as
    Rich would. Its public road (`Text.wrap`) is 1.7 times slower and gives lines, not the
    offsets the article view keeps per width."""
    return _divide_line()(text, width, fold=True)


@cache
def _divide_line() -> Callable[..., list[int]]:
    return _private("rich._wrap", "divide_line", "to wrap the article and the teasers")


@cache
def spacing_marks_take_a_cell() -> None:
    """Give Unicode's spacing combining marks (category Mc with no combining class: the
    vowel signs of Devanagari, Bengali, Tamil and the other Indic scripts, U+093E) the one
    cell a terminal draws each in. Rich 15's width table gives them none, so a headline in
    Hindi measured several cells short of what the terminal drew ("हिन्दी समाचार": 8 against
    12) and pushed the pane's border into the next pane. glibc's `wcwidth`, and so xterm,
    VTE, Konsole and tmux, count them 1, as the `wcwidth` package does since 2026; the
    marks that conjoin (viramas, which have a combining class) stay at none, and so do marks
    newer than Python's `unicodedata`. Rich's table (`rich._unicode_data`) is edited in
    place, once, before the app draws (~0.5 ms), and its width caches emptied; Textual
    measures text through it."""
    import unicodedata

    load = _private("rich._unicode_data", "load", "to give spacing marks a cell")
    from rich import cells

    for table in {id(t): t for t in (load("auto"), load("latest"))}.values():
        widths = _attribute(table, "widths", "to give spacing marks a cell")
        kept: list[tuple[int, int, int]] = []
        for start, end, width in widths:
            if width != 0 or start >= 0xE0000:  # tags and variation selectors: no marks
                kept.append((start, end, width))
                continue
            first = start
            for code in range(start, end + 1):
                char = chr(code)
                if unicodedata.category(char) == "Mc" and not unicodedata.combining(char):
                    if first < code:
                        kept.append((first, code - 1, 0))
                    first = code + 1  # not in the table: one cell
            if first <= end:
                kept.append((first, end, 0))
        widths[:] = kept
    cells.get_character_cell_size.cache_clear()
    cells.cached_cell_len.cache_clear()


# -- Textual -----------------------------------------------------------------------------------
# Nothing is imported from Textual here (this module is part of the data layer); the UI hands
# in its own objects and these read the private attributes it needs of them.
# `textual.keys._character_to_key` (a typed character -> its key name, "?" ->
# "question_mark") is not one of them: `reader.ui.keys` computes it from `unicodedata` and
# textual.keys' public tables, and tests/test_lowlevel.py checks it gives Textual's answer.


def _attribute(obj: object, name: str, use: str) -> Any:
    try:
        return getattr(obj, name)
    except AttributeError:
        raise PrivateAPIMissing(
            f"{type(obj).__name__}.{name} is gone; reader/lowlevel.py reads it {use}. "
            "Pin the previous version of Textual or replace the use.") from None


def class_bindings(cls: type) -> Any:
    """A widget class's bindings merged with its bases' (`DOMNode._merged_bindings`, a
    BindingsMap or None): the keymap check needs each class's own keys before any node
    exists, and Textual makes them public only per mounted node."""
    return _attribute(cls, "_merged_bindings", "to list each class's keys for the keymap check")


def node_bindings(node: object) -> Any:
    """A mounted node's bindings (`DOMNode._bindings`, a BindingsMap): the help screen lists
    every controller's keys, not only those of the focus chain that `active_bindings` gives."""
    return _attribute(node, "_bindings", "to list every node's keys in the help screen")


def stylesheet_parsed(stylesheet: object) -> Any:
    """A stylesheet's parsed rules by source (`Stylesheet._parse_cache`, an LRUCache keyed
    `(css, read_from, is_default_rules, tie_breaker, scope)`, as `_parse_rules` asks it):
    the UI keeps the rules of its first frame between launches and hands them back here
    before anything is parsed (~10 ms of CPU at start-up); Textual has no public road in."""
    return _attribute(stylesheet, "_parse_cache", "to keep parsed CSS between launches")


def stylesheet_variables(stylesheet: object) -> dict[str, str]:
    """The CSS variables a stylesheet parses with (`Stylesheet._variables`): parsed rules
    hold the theme's colours, so kept rules are used only under the same variables."""
    variables: dict[str, str] = _attribute(stylesheet, "_variables",
                                           "to key parsed CSS by the theme's variables")
    return variables


def own_vertical_scrollbar(widget: Any, make: Callable[[], Any]) -> Any:
    """The widget's vertical scroll bar, made by `make` when first asked for, as Textual's
    `Widget.vertical_scrollbar` makes its plain `ScrollBar`: kept in `Widget._vertical_scrollbar`
    (which Textual reads directly), hidden, and started by `App._start_widget`. The line
    panes' bars draw their lines themselves (~1.2 ms a bar in the first frame), and Textual
    has no public way to choose the class of a widget's bar."""
    bar = _attribute(widget, "_vertical_scrollbar", "to give a widget a bar of our own")
    if bar is None:
        start = _attribute(widget.app, "_start_widget", "to start a widget's bar of our own")
        bar = make()
        bar.display = False
        widget._vertical_scrollbar = bar
        start(widget, bar)
    return bar


def narrow_default_rule(app_class: type, rule: str, narrower: str) -> bool:
    """Make `app_class` (an App subclass) read Textual's default CSS with the selectors
    `rule` written as `narrower` (`DOMNode._get_default_css`, which gathers every class's
    `DEFAULT_CSS` for the stylesheet): Textual's App dims every disabled widget that can take
    the focus with a universal selector, tried on every node the stylesheet styles, and each
    `:disabled` walks up the node's ancestors; the panes sit under nine controllers, so
    that was ~600 walks before the first frame (~1% of start-up). False if Textual's
    default CSS no longer has `rule`, or Textual gathers it another way: it is then left as
    Textual wrote it (only start-up is at stake)."""
    try:
        gather = _attribute(app_class, "_get_default_css", "to narrow a rule of Textual's CSS")
    except PrivateAPIMissing:
        return False

    def default_css(node: object) -> list[tuple[Any, str, int, str]]:
        return [(where, css.replace(rule, narrower), tie, scope)
                for where, css, tie, scope in gather(node)]

    app_class._get_default_css = default_css  # type: ignore[attr-defined]
    return any(rule in vars(cls).get("DEFAULT_CSS", "") for cls in app_class.__mro__)


def app_keymap(app: object) -> dict[str, str]:
    """The keymap the app applied (`App._keymap`): the help screen shows the keys in force,
    and Textual keeps no public copy of what `set_keymap` was given."""
    keymap: dict[str, str] = _attribute(app, "_keymap", "to show rebound keys in the help")
    return keymap
