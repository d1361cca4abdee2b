"""Every private name of another package that newsreader uses (reader/lowlevel.py) still
exists and still behaves the way we rely on. A failure here after an upgrade names the name
and what it was for: pin the previous version, or replace the use."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from reader import lowlevel
from tests.helpers.feed_cases import FEEDS


def test_a_missing_name_fails_in_words() -> None:
    with pytest.raises(lowlevel.PrivateAPIMissing) as info:
        lowlevel._private("feedparser.mixin", "_FeedParserMixin.no_such_thing", "for a test")
    message = str(info.value)
    assert "feedparser.mixin._FeedParserMixin.no_such_thing is gone" in message
    assert "for a test" in message and "reader/lowlevel.py" in message
    with pytest.raises(lowlevel.PrivateAPIMissing, match="no_such_module"):
        lowlevel._private("feedparser.no_such_module", "x", "for a test")


def test_feedparser_date_chain() -> None:
    parsed = lowlevel.feedparser_date("Sun, 1 Jan 2006 12:00 EST")
    assert parsed is not None and tuple(parsed[:6]) == (2006, 1, 1, 17, 0, 0), \
        "feedparser.datetimes._parse_date no longer reads RFC 822 dates with a named zone"
    assert tuple(lowlevel.feedparser_date("2003-12")[:3]) == (2003, 12, 1), \
        "feedparser.datetimes._parse_date no longer reads partial W3DTF dates"
    assert lowlevel.feedparser_date("nonsense") is None
    assert lowlevel.feedparser_date("") is None


def test_feedparser_namespaces() -> None:
    table = lowlevel.feedparser_namespaces
    assert isinstance(table, dict), "_FeedParserMixin.namespaces is no longer a dict"
    for uri, prefix in (("http://purl.org/dc/elements/1.1/", "dc"),
                        ("http://purl.org/rss/1.0/modules/content/", "content"),
                        ("http://www.w3.org/2005/Atom", ""),
                        ("http://search.yahoo.com/mrss/", "media")):
        assert table.get(uri) == prefix, f"feedparser now names {uri} {table.get(uri)!r}"


def test_feedparser_handlers_and_key_aliases() -> None:
    """The direct road passes over an element feedparser has no handler for (it keeps it
    under its own key): the handlers are still `_start_*` / `_end_*` methods of the parser
    it reads well-formed documents with, and its dicts still file some keys under others."""
    import feedparser

    strict = lowlevel.feedparser_strict
    for name in ("_start_title", "_end_title", "_start_itunes_summary", "_end_itunes_author",
                 "_start_media_description", "_start_media_group", "_end_dc_publisher"):
        assert hasattr(strict, name), f"feedparser's StrictFeedParser has no {name} any more"
    assert not hasattr(strict, "_start_itunes_duration"), "feedparser now reads durations"
    keymap = lowlevel.feedparser_keymap
    assert keymap["guid"] == "id" and "summary" in keymap["description"]
    entry = feedparser.FeedParserDict()
    entry["issued_parsed"] = "x"
    assert dict(entry) == {"published_parsed": "x"}, "FeedParserDict files keys otherwise"
    parsed = feedparser.parse(b'<rss xmlns:yt="urn:y"><channel><item><title>t</title>'
                              b"<yt:videoId>1</yt:videoId></item></channel></rss>")
    assert parsed.entries[0]["yt_videoid"] == "1", "an unhandled element's key changed"


def test_feedparser_looks_like_html() -> None:
    assert lowlevel.looks_like_html("<b>bold</b> &amp; more")
    assert not lowlevel.looks_like_html("AT&T and <3")
    assert not lowlevel.looks_like_html("<blink>x</blink>"), "its element list changed"


def test_feedparser_base_uri() -> None:
    assert lowlevel.make_safe_absolute_uri("https://a.example/f", "x") == "https://a.example/x"
    assert lowlevel.make_safe_absolute_uri("javascript:alert(1)", "") == ""


def test_feedparser_encoding_rules() -> None:
    assert lowlevel.xml_declaration.match("<?xml version='1.0'?><rss/>").end() == 21
    found = lowlevel.xml_encoding.match(b'<?xml version="1.0" encoding="koi8-r"?>')
    assert found is not None and found.group(1) == b"koi8-r"
    assert lowlevel.parse_content_type("text/xml; charset=\"utf-8\"") == ("text/xml", "utf-8")
    assert lowlevel.parse_content_type("") == ("", "")
    assert isinstance(lowlevel.chardet_available(), bool)


def test_feedparsers_text_comes_buffered() -> None:
    """The SAX driver feedparser is handed (`create_parser`) gives a run of text in one piece:
    the standard library's expat reader still keeps its parser under `_parser`."""
    import io
    import xml.sax
    import xml.sax.handler

    class Texts(xml.sax.handler.ContentHandler):
        def __init__(self) -> None:
            super().__init__()
            self.pieces: list[str] = []

        def characters(self, content: str) -> None:
            self.pieces.append(content)

    texts = Texts()
    reader = lowlevel.create_parser()
    reader.setFeature(xml.sax.handler.feature_namespaces, 1)
    reader.setContentHandler(texts)
    reader.parse(io.BytesIO(b"<a>x &amp; y &lt; z &#233;</a>"))
    assert texts.pieces == ["x & y < z \u00e9"], "expat's text is no longer buffered"


def test_quicker_feedparser_reads_the_same() -> None:
    """feedparser with `quicker_feedparser` (buffered text, remembered base URLs) and without
    gives the same answers, on documents that exercise both: references in text, bases."""
    import feedparser
    from feedparser import api, mixin

    documents = [path.read_bytes() for path in sorted(FEEDS.iterdir())
                 if path.suffix != ".json"]
    documents += [(
        b'<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://b.example/d/">'
        b'<entry><title type="html">a &amp;amp; b &lt;i&gt;c&lt;/i&gt; &#8230;</title>'
        b'<link href="x/y"/><content type="html" xml:base="/z/">&lt;p&gt;'
        b"one &amp;lt; two&lt;/p&gt; caf&#233;</content></entry></feed>")]
    # windows-1252 codes as C1 characters, beside text without any, for both parsers
    c1 = "<item><title>\x93Hi\x94 \u043a\u043e\u0442\x85\x81</title><description>caf\u00e9 " \
         "\u6771</description></item>"
    documents += [f"<rss><channel>{c1}</channel></rss>".encode(),
                  f"<rss><channel>{c1}<x>&nbsp;</x></channel></rss>".encode()]

    def read_all() -> list[object]:
        found = [feedparser.parse(d, sanitize_html=False, resolve_relative_uris=False)
                 for d in documents]
        for result in found:  # exceptions compare by identity: compare their words
            if "bozo_exception" in result:
                result["bozo_exception"] = str(result["bozo_exception"])
        return found

    lowlevel.quicker_feedparser()
    assert api.PREFERRED_XML_PARSERS[0] == "reader.lowlevel"
    assert hasattr(mixin.make_safe_absolute_uri, "cache_info")
    quick = read_all()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(api, "PREFERRED_XML_PARSERS", api.PREFERRED_XML_PARSERS[1:])
        patch.setattr(mixin, "make_safe_absolute_uri",
                      mixin.make_safe_absolute_uri.__wrapped__)
        patch.delattr(api.StrictFeedParser, "decode_entities")
        patch.delattr(api.LooseFeedParser, "decode_entities")
        plain = read_all()
    assert quick == plain
    translated = "\u201cHi\u201d \u043a\u043e\u0442\u2026\x81"
    assert [d.entries[0].title for d in quick[-2:]] == [translated] * 2
    assert quick[-3]["entries"][0]["link"] == "https://b.example/d/x/y"


def test_feedparser_translates_windows_1252_codes_without_a_miss() -> None:
    """feedparser's `pop` still translates through `mixin._cp1252`; after the swap that
    table gives every code an answer (no KeyError inside `str.translate`), the same one."""
    import feedparser
    from feedparser import html, mixin

    lowlevel.quicker_feedparser()
    table = mixin._cp1252
    assert table is not html._cp1252 and table == {**html._cp1252, **table}
    assert table[0x4E2D] == 0x4E2D and table[0x93] == "\u201c"
    text = "\x93caf\u00e9 \u043a\u043e\u0442 \u6771\x85 \U0001f600\x81\x9d"
    assert text.translate(table) == text.translate(html._cp1252)
    item = "<item><title>\x93AT&amp;T\x85 &#x6771;\u00e9</title></item>"
    parsed = feedparser.parse(f"<rss><channel>{item}<x>&nbsp;</x></channel></rss>".encode())
    assert parsed.bozo and parsed.entries[0].title == "\u201cAT&T\u2026 \u6771\u00e9"


@pytest.mark.parametrize("loose", [False, True], ids=["strict", "lenient"])
def test_feedparser_translates_only_texts_with_c1_codes(loose: bool) -> None:
    """A text without a C1 code is not looked up in feedparser's windows-1252 table at all;
    one with a C1 code still is, and comes out translated."""
    import feedparser
    from feedparser import mixin

    lowlevel.quicker_feedparser()
    looked_up: list[int] = []

    class Counting(type(mixin._cp1252)):  # type: ignore[misc]
        def __getitem__(self, code: int) -> object:
            looked_up.append(code)
            return super().__getitem__(code)

    broken = "<x>&nbsp;</x>" if loose else ""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(mixin, "_cp1252", Counting(mixin._cp1252))
        parsed = feedparser.parse(f"<rss><channel><item><title>\u043a\u043e\u0442 caf\u00e9"
                                  f"</title></item>{broken}</channel></rss>".encode())
        assert parsed.bozo == loose and parsed.entries[0].title == "\u043a\u043e\u0442 caf\u00e9"
        assert looked_up == [], "every character of a text without C1 codes was looked up"
        parsed = feedparser.parse(f"<rss><channel><item><title>\u043a\x93"
                                  f"</title></item>{broken}</channel></rss>".encode())
    assert parsed.entries[0].title == "\u043a\u201c" and 0x93 in looked_up
    assert type(parsed.entries[0].title) is str


def test_feedparser_dict_gets_a_plain_key_as_a_dict_and_the_others_the_long_way() -> None:
    from feedparser.util import FeedParserDict

    lowlevel.quicker_feedparser()
    asked: list[str] = []
    chain = FeedParserDict.__getitem__
    entry = FeedParserDict(type="text/html", published="p", id="i", summary="s",
                           tags=[FeedParserDict(term="t")],
                           links=[FeedParserDict(rel="license", href="https://l.example/")])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(FeedParserDict, "__getitem__",
                      lambda self, key: asked.append(key) or chain(self, key))
        assert entry.get("type") == "text/html" and entry.get("nope", 7) == 7
        assert asked == [], "a plain key ran FeedParserDict's key chain"
        assert (entry.get("guid"), entry.get("description"), entry.get("category"),
                entry.get("license")) == ("i", "s", "t", "https://l.example/")
        with pytest.warns(DeprecationWarning):
            assert entry.get("updated") == "p"
        assert entry.get("enclosures") == [] and entry.get("issued_parsed", 0) == 0
    assert {"guid", "description", "category", "license", "updated", "enclosures",
            "issued_parsed"} <= set(asked) and not {"type", "nope"} & set(asked)

    class Shouting(FeedParserDict):
        def __getitem__(self, key: str) -> object:
            return str(super().__getitem__(key)).upper()

    assert Shouting(type="text/html").get("type") == "TEXT/HTML"  # a subclass's own reading


def test_feedparser_dict_deep_copies_as_copy_does() -> None:
    import copy

    from feedparser.util import FeedParserDict

    lowlevel.quicker_feedparser()
    inner = FeedParserDict(href="h")
    original = FeedParserDict(type="text/html", value="v", links=[inner], guid="g")
    original[3] = {"x": [1]}
    original.note = ["kept"]
    copied = copy.deepcopy(original)
    with pytest.MonkeyPatch.context() as patch:
        patch.delattr(FeedParserDict, "__deepcopy__")
        reference = copy.deepcopy(original)
    for made in (copied, reference):
        assert type(made) is FeedParserDict and made.note == ["kept"] and made["id"] == "g"
        assert made["links"][0] is not inner and type(made["links"][0]) is FeedParserDict
        assert made[3] is not original[3] and made.note is not original.note
        assert list(made) == ["type", "value", "links", "id", 3]  # set through the keymap
    assert vars(copied) == vars(reference) and dict(copied) == dict(reference)


def test_kill_pool_workers_stops_a_job_that_never_ends() -> None:
    """A job that would run forever (here: waiting for a signal that never comes) ends with
    BrokenProcessPool once its pool's workers are killed, and every worker is gone."""
    import multiprocessing
    import os
    import signal
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    executor = ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("forkserver"))
    try:
        pids = {executor.submit(os.getpid).result(timeout=60) for _ in range(4)}
        if not hasattr(executor, "kill_workers"):  # Python < 3.14: the private road
            assert set(executor._processes) >= pids, \
                "ProcessPoolExecutor._processes no longer maps pids to the pool's workers"
        stuck = executor.submit(signal.pause)
        lowlevel.kill_pool_workers(executor)
        with pytest.raises(BrokenProcessPool):
            stuck.result(timeout=60)
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_importing_it_loads_no_textual() -> None:
    code = ("import sys, reader.lowlevel; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_rich_divide_line() -> None:
    text = "The quick brown fox jumps over the lazy dog"
    breaks = lowlevel.divide_line(text, 10)
    assert breaks == [10, 20, 31, 40], "rich._wrap.divide_line breaks words differently"
    lines = [text[a:b] for a, b in zip([0, *breaks], [*breaks, len(text)], strict=True)]
    # A line's trailing space is not counted: "jumps over " is 11 characters in 10 cells.
    assert lines == ["The quick ", "brown fox ", "jumps over ", "the lazy ", "dog"]
    assert lowlevel.divide_line("a" * 25, 10) == [10, 20], "long words are no longer folded"
    assert lowlevel.divide_line("日本語日本語", 5) == [2, 4], "wide characters are not 2 cells"
    assert lowlevel.divide_line("short", 10) == []


def test_rich_still_measures_spacing_marks_as_nothing() -> None:
    """The reason for `spacing_marks_take_a_cell`, in a fresh interpreter: Rich's own table
    gives a Devanagari vowel sign no cell. When an upgrade gives it one, drop the edit."""
    stock = subprocess.run(
        [sys.executable, "-c", "from rich.cells import cell_len; "
                               "print(cell_len('\u0915\u093e'), cell_len('\u0915\u094d'))"],
        capture_output=True, text=True, check=True)
    assert stock.stdout.split() == ["1", "1"], (
        "Rich now gives spacing marks a cell: reader.lowlevel.spacing_marks_take_a_cell can go")


def test_spacing_marks_take_a_cell_as_glibc_counts_them() -> None:
    """After the edit, every mark Rich's table held at no width gets glibc's `wcwidth` for
    it (what xterm, VTE, Konsole and tmux draw), and nothing else moves."""
    import unicodedata

    from rich.cells import cell_len, get_character_cell_size

    from tests.helpers.glibc import glibc_wcwidth

    lowlevel.spacing_marks_take_a_cell()
    lowlevel.spacing_marks_take_a_cell()  # once is enough; again changes nothing
    assert cell_len("हिन्दी समाचार") == 12
    assert cell_len("বাংলা") == 5 and cell_len("தமிழ்") == 4
    assert cell_len("中文") == 4 and cell_len("e\u0301") == 1 and cell_len("abc") == 3
    wcwidth = glibc_wcwidth()
    marks = [chr(code) for code in range(0x300, 0x1E000)
             if unicodedata.category(chr(code)) in ("Mc", "Mn", "Me")]
    differ = [f"U+{ord(c):04X} {unicodedata.category(c)} rich {get_character_cell_size(c)} "
              f"glibc {wcwidth(c)}" for c in marks
              if get_character_cell_size(c) != wcwidth(c) and wcwidth(c) >= 0
              and not unicodedata.combining(c)]
    assert differ == [], differ[:20]


def test_rich_divide_line_is_fetched_when_first_used() -> None:
    code = ("import sys, reader.lowlevel as l; before = 'rich._wrap' in sys.modules; "
            "l.divide_line('a b', 1); print(before, 'rich._wrap' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == ["False", "True"]


# Printable ASCII, the characters Textual names by a table (tab, and those it renames), and
# a few beyond ASCII: Latin letters and signs, a dash, CJK, an emoji, an unassigned point.
KEY_CHARACTERS = [chr(c) for c in range(0x20, 0x7F)] + list(
    "\t\xa0éÉßøΩЖ€£§°±×÷–—…«»“”日本語한🙂\u0378")


@pytest.mark.parametrize("character", KEY_CHARACTERS)
def test_key_names_match_textual(character: str) -> None:
    from textual.keys import _character_to_key

    from reader.ui.keys import character_to_key

    assert character_to_key(character) == _character_to_key(character), (
        f"Textual now names the key for {character!r} {_character_to_key(character)!r}: "
        "make reader.ui.keys.character_to_key follow it")


async def test_textual_bindings_and_keymap_as_the_help_and_the_keymap_check_read_them() -> None:
    from textual.app import App
    from textual.binding import Binding, BindingsMap
    from textual.widgets import Static

    class Keyed(Static):
        BINDINGS = [Binding("x", "go", "Go", id="go")]

    merged = lowlevel.class_bindings(Keyed)
    assert isinstance(merged, BindingsMap) and "x" in merged.key_to_bindings, \
        "DOMNode._merged_bindings no longer holds a class's bindings merged with its bases'"

    class Host(App[None]):
        def compose(self):  # type: ignore[no-untyped-def]
            yield Keyed()

    app = Host()
    async with app.run_test():
        app.set_keymap({"go": "y"})
        keyed = app.query_one(Keyed)
        assert isinstance(lowlevel.node_bindings(keyed), BindingsMap), \
            "DOMNode._bindings is no longer a node's BindingsMap"
        assert lowlevel.app_keymap(app) == {"go": "y"}, \
            "App._keymap no longer keeps what set_keymap was given"
    with pytest.raises(lowlevel.PrivateAPIMissing, match="_keymap is gone"):
        lowlevel.app_keymap(object())


def test_textual_stylesheet_parse_cache_as_the_style_cache_reads_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from textual.css import stylesheet as textual_stylesheet
    from textual.css.stylesheet import Stylesheet

    css, where = "Static { color: $ink; }", ("here.py", "Here.CSS")
    sheet = Stylesheet(variables={"ink": "red"})
    sheet.add_source(css, read_from=where, is_default_css=True, tie_breaker=-1, scope="X")
    rules = sheet.rules
    assert lowlevel.stylesheet_variables(sheet) == {"ink": "red"}, \
        "Stylesheet._variables no longer holds the variables rules are parsed with"
    parsed = lowlevel.stylesheet_parsed(sheet)
    key = (css, where, True, -1, "X")
    assert list(parsed.keys()) == [key] and parsed.get(key) == rules, \
        "Stylesheet._parse_cache is no longer keyed (css, read_from, defaults, tie, scope)"

    def no_parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("parsed, though its rules were handed in")

    monkeypatch.setattr(textual_stylesheet, "parse", no_parse)
    again = Stylesheet(variables={"ink": "red"})
    again.add_source(css, read_from=where, is_default_css=True, tie_breaker=-1, scope="X")
    lowlevel.stylesheet_parsed(again).set(key, rules)
    assert again.rules == rules, "Textual no longer takes parsed rules from its parse cache"


async def test_textual_vertical_scrollbar_as_a_bar_of_our_own_replaces_it() -> None:
    """`own_vertical_scrollbar` sets a bar up as `Widget.vertical_scrollbar` does (kept in
    `_vertical_scrollbar`, started by `App._start_widget`): side by side with Textual's own,
    ours is laid out, shown, styled and drawn the same."""
    from textual.app import App, ComposeResult
    from textual.containers import Horizontal
    from textual.geometry import Region, Size
    from textual.scroll_view import ScrollView
    from textual.scrollbar import ScrollBar

    class OurBar(ScrollBar):
        pass

    class Tall(ScrollView):
        DEFAULT_CSS = "Tall { width: 1fr; overflow-y: scroll; }"

        def on_mount(self) -> None:
            self.virtual_size = Size(10, 100)

    class Ours(Tall):
        @property
        def vertical_scrollbar(self) -> ScrollBar:
            return lowlevel.own_vertical_scrollbar(self, lambda: OurBar(
                vertical=True, name="vertical", thickness=self.scrollbar_size_vertical))

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            with Horizontal():
                yield Tall()
                yield Ours()

    app = Host()
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        theirs = app.query_one(Tall).vertical_scrollbar
        ours = app.query_one(Ours).vertical_scrollbar
        assert type(theirs) is ScrollBar and type(ours) is OurBar
        assert app.query_one(Ours).vertical_scrollbar is ours  # made once
        assert ours.parent is app.query_one(Ours) and ours.is_running, \
            "App._start_widget no longer starts a widget's bar as Textual's own"
        assert ours.display and ours.region.size == theirs.region.size and ours.region, \
            "Widget._vertical_scrollbar is no longer the bar Textual lays out"
        assert ours.region.x - theirs.region.x == 20
        size = Region(0, 0, *ours.region.size)
        assert ([line.text for line in ours.render_lines(size)]
                == [line.text for line in theirs.render_lines(size)])


async def test_textual_default_css_narrowed_as_the_app_reads_it(tmp_path: Path) -> None:
    """`narrow_default_rule` rewrites one rule of the CSS Textual gathers for an app
    (`DOMNode._get_default_css`): Textual's App still writes the rule the app narrows, an app
    narrowed no longer tries a universal `:disabled` on every node (an app left alone does),
    and the disabled widgets the narrower rule names look as they did."""
    from textual.app import App, ComposeResult
    from textual.css.model import SelectorType
    from textual.widgets import Button, Input, OptionList, Static

    from reader.store import Store
    from reader.ui.app import DISABLED_NARROWER, DISABLED_RULE, NewsApp

    assert DISABLED_RULE in App.DEFAULT_CSS, \
        "Textual's App no longer dims disabled widgets with the rule reader.ui.app narrows"

    def universal_disabled(app: App[None]) -> list[str]:
        return [str(selector) for rule in app.stylesheet.rules for chain in rule.selector_set
                for selector in chain.selectors
                if selector.type == SelectorType.UNIVERSAL
                and "disabled" in selector.pseudo_classes]

    class Plain(App[None]):
        def compose(self) -> ComposeResult:
            yield Input(disabled=True)
            yield Button("b", disabled=True)
            yield OptionList("o", disabled=True)
            yield Static("s", disabled=True)  # cannot take the focus: never dimmed

    class Narrowed(Plain):
        pass

    assert lowlevel.narrow_default_rule(Narrowed, DISABLED_RULE, DISABLED_NARROWER)
    assert not lowlevel.narrow_default_rule(Narrowed, "Nothing:here", "Else")
    assert not lowlevel.narrow_default_rule(type("NotANode", (), {}), DISABLED_RULE,
                                            DISABLED_NARROWER)  # left alone, not an error
    looks = []
    for app in (Plain(), Narrowed()):
        async with app.run_test():
            looks.append((universal_disabled(app),
                          [(type(w).__name__, w.styles.opacity) for w in app.screen.children]))
    (plain_rules, plain_look), (narrowed_rules, narrowed_look) = looks
    assert plain_rules and not narrowed_rules
    assert narrowed_look == plain_look
    assert [opacity for _, opacity in plain_look] == [0.7, 0.7, 0.7, 1.0]

    store = Store(tmp_path / "cache.sqlite3")
    try:
        news = NewsApp(store, refresh_on_start=False)
        async with news.run_test():
            assert universal_disabled(news) == []
    finally:
        store.close()
