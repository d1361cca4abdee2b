"""What the data layer imports before it needs it: nothing. The app's start (command line,
cache, configuration, the app's modules, the welcome check) and a refresh of unchanged feeds
load no module they have no use for yet: each costs CPU before the first headline, or in
every cron run. bench/startup_bench.py measures the time; these tests keep the choices from
being undone by accident, each in a fresh interpreter.
"""

# ruff: noqa: F811 - the feed_server fixture is imported and then used as an argument
from __future__ import annotations

import dataclasses
import gc
import importlib.util
import inspect
import marshal
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from reader import config as config_module
from reader import dataclass_code
from reader.cli import main
from reader.config import Config, only_comments, parse_config
from reader.config_text import template
from reader.ui.catalogue import ACTIONS
from tests.feedserver import FeedServer, feed_server  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
START = ("import reader.cli, reader.service.subscriptions, reader.store.recovery, "
         "reader.ui.app, reader.config, reader.service.sources")


def loaded(code: str, names: tuple[str, ...]) -> list[str]:
    """Which of `names` are imported once `code` has run in a fresh interpreter."""
    probe = f"{code}\nimport sys\nprint(sorted(m for m in {names!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True, cwd=ROOT, env=dict(os.environ), timeout=120)
    return eval(done.stdout.strip().splitlines()[-1])  # noqa: S307 - our own list of str


def test_the_app_start_imports_no_hash_json_html_cleaner_or_toml_parser() -> None:
    """A story's hash, the teasers' JSON, the entity table, the HTML cleaner, the HTML's
    compressor, the browser launcher and the search threads come with their first use, not
    with the cache."""
    later = ("hashlib", "json", "html", "nh3", "shlex", "webbrowser",
             "concurrent.futures.thread", "tomllib", "reader.render.fallback", "zstandard")
    assert loaded(START, later) == []


def test_the_welcome_check_of_a_later_launch_loads_no_file_reader(tmp_path: Path) -> None:
    """`ensure_welcome` (the app asks it when its first look finds no source): once the
    welcome stories were shown, it reads two rows and imports none of the readers of local
    files (nor the feed parsers and the extractor behind them)."""
    code = ("from reader.store import Store\n"
            "from reader.service.sources import ensure_welcome\n"
            f"store = Store({str(tmp_path / 'cache.sqlite3')!r})\n"
            "store.add_source('feed', 'https://example.org/feed', 'Gazette')\n"
            "ensure_welcome(store)\n"
            "assert [s.kind for s in store.sources()] == ['feed']\n"
            "store.close()")
    later = ("reader.sources.local", "reader.refresh.local", "reader.extract", "feedparser",
             "reader.service.pool")
    assert loaded(code, later) == []


def test_the_search_threads_come_with_the_first_search(tmp_path: Path) -> None:
    """The reading screen makes its search runner before the first frame; the runner's
    thread pool (and its module) is made by the first search, which still finds."""
    code = ("import sys\n"
            "from reader.models import View\n"
            "from reader.store import Store\n"
            "from reader.store.search.runner import SearchRunner\n"
            "from tests.helpers.stories import add_source, numbered\n"
            f"store = Store({str(tmp_path / 'cache.sqlite3')!r})\n"
            "add_source(store, 'Gazette', numbered('gazette', 3))\n"
            "runner = SearchRunner(store.search, 10)\n"
            "print('concurrent.futures.thread' in sys.modules)\n"
            "print(runner.submit(View(search='gazette')).result(timeout=60).total)\n"
            "runner.close()\n"
            "store.close()")
    assert loaded(code, ("concurrent.futures.thread",)) == ["concurrent.futures.thread"]
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=ROOT, env=dict(os.environ), timeout=120)
    assert done.stdout.splitlines() == ["False", "3"]


def test_a_first_launch_still_gets_the_welcome_stories(tmp_path: Path) -> None:
    from reader.service.sources import ensure_welcome
    from reader.store import Store

    store = Store(tmp_path / "cache.sqlite3")
    try:
        ensure_welcome(store)
        (source,) = store.sources()
        assert source.kind == "welcome" and store.stories_of(source.id)
    finally:
        store.close()


def test_the_configuration_as_first_written_is_read_without_the_toml_parser_or_line_finder(
        tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(template(ACTIONS), encoding="utf-8")
    code = ("from reader.config import load_config\n"
            f"config, problems = load_config({str(path)!r})\n"
            "assert problems == [] and config.layout__measure == 80, problems")
    assert loaded(code, ("tomllib", "reader.config_lines")) == []
    path.write_text(template(ACTIONS) + "\n[layout]\nmeasure = 72\n", encoding="utf-8")
    code = code.replace("== 80", "== 72")
    assert loaded(code, ("tomllib", "reader.config_lines")) == ["reader.config_lines", "tomllib"]


COMMENT_CASES = [
    "", "\n\n", "# a comment", "  # indented\n\t# by a tab\n", "# é ü 中文 ✓\n",
    "# [layout]\n# measure = 72\n",
    "measure = 72", "[layout]\n", "# fine\nx = 1\n# fine", "#\x07 bell", "#\x7f", "# a\tb",
    "# crlf\r\n# crlf\r\n", "# lone\rcr", "# \u2028 line separator", "# \x85", "#\x00",
    "# \ud800", "\ufeff# bom", "\u00a0# nbsp first", "# nbsp\u00a0inside", "x",
]


@pytest.mark.parametrize("text", COMMENT_CASES)
def test_a_text_read_without_the_parser_is_one_the_parser_reads_as_empty(text: str) -> None:
    """`only_comments` may leave a file of comments to the parser, never a file the parser
    would refuse or read a setting from."""
    if only_comments(text):
        assert tomllib.loads(text) == {}


def test_only_comments_recognises_the_file_as_first_written() -> None:
    first = template(ACTIONS)
    assert only_comments(first) and tomllib.loads(first) == {}
    sure = [t for t in COMMENT_CASES if only_comments(t)]
    assert sure == ["", "\n\n", "# a comment", "  # indented\n\t# by a tab\n",
                    "# é ü 中文 ✓\n", "# [layout]\n# measure = 72\n"]


@pytest.mark.parametrize("text", [*COMMENT_CASES, template(ACTIONS)])
def test_the_values_and_problems_are_the_parsers_either_way(
        text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    quick = parse_config(text, "config.toml")
    monkeypatch.setattr(config_module, "only_comments", lambda _text: False)
    assert parse_config(text, "config.toml") == quick
    assert isinstance(quick[0], Config)


def test_a_refresh_of_unchanged_feeds_loads_no_html_cleaner(
        dirs: Path, feed_server: FeedServer) -> None:
    """Every feed answering 304, with the configuration as first written: nothing to clean,
    to unescape, to open in a browser or to parse as TOML."""
    (dirs / "config").mkdir()
    (dirs / "config" / "config.toml").write_text(template(ACTIONS), encoding="utf-8")
    feed_server.route("/feed", "<?xml version='1.0'?><rss version='2.0'><channel>"
                      "<title>Gazette</title><item><guid>h1</guid><title>Harbour</title>"
                      "</item></channel></rss>", etag='"v1"')
    assert main(["add", feed_server.url("/feed")]) == 0
    code = ("from reader.cli import main\n"
            "assert main(['refresh']) == 0")
    assert loaded(code, ("nh3", "html", "shlex", "webbrowser", "tomllib")) == []
    assert feed_server.requests_for("/feed")[-1].headers["if-none-match"] == '"v1"'


def _point() -> type:
    """A dataclass with what the generated methods must get right: a frozen, slotted class
    with defaults, a default factory and a keyword-only field."""

    @dataclasses.dataclass(frozen=True, slots=True)
    class Point:
        """A point."""

        x: int
        tags: tuple[str, ...] = dataclasses.field(default_factory=tuple)
        name: str = "origin"
        _: dataclasses.KW_ONLY
        weight: float = 1.0

    return Point


def _texts_of_point() -> int:
    """How many texts `dataclasses` runs through `exec` to make `_point()`'s class, counted
    without `kept`: one a method up to Python 3.12, one for them all from 3.13."""
    texts: list[str] = []

    def record(source: str, globals_: Any = None, locals_: Any = None) -> None:
        texts.append(source)
        exec(source, globals_, locals_)  # noqa: S102 - dataclasses' own text

    vars(dataclasses)["exec"] = record
    try:
        _point()
    finally:
        del vars(dataclasses)["exec"]
    assert texts, "dataclasses no longer calls `exec` by its module-global name"
    return len(texts)


POINT_TEXTS = _texts_of_point()


@pytest.fixture
def bytecode_written(monkeypatch: pytest.MonkeyPatch) -> None:
    """Python writes bytecode in these tests, whatever `PYTHONDONTWRITEBYTECODE` says."""
    monkeypatch.setattr(sys, "dont_write_bytecode", False)


def _same_class(kept: type, plain: type) -> None:
    assert inspect.signature(kept) == inspect.signature(plain)
    for method in ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__"):
        assert getattr(kept, method).__annotations__ == getattr(plain, method).__annotations__
    assert kept.__init__.__defaults__ == plain.__init__.__defaults__
    one, other = kept(1, ("a",), weight=2.0), plain(1, ("a",), weight=2.0)
    assert repr(one) == repr(other) and hash(one) == hash(other)
    assert one == kept(1, ("a",), weight=2.0) and one != kept(2) and kept(3).tags == ()
    with pytest.raises(dataclasses.FrozenInstanceError):
        one.x = 2
    assert dataclasses.replace(one, name="b").name == "b" and not hasattr(one, "__dict__")


def test_a_dataclass_gets_its_methods_compiled_once_and_the_same(
        tmp_path: Path, bytecode_written: None) -> None:
    """The methods `dataclasses` generates are compiled at the first run and read from the
    file at the next: the same methods, annotations included (compiled without this
    module's `from __future__ import annotations`)."""
    path = tmp_path / "methods.marshal"
    plain = _point()
    with dataclass_code.kept(path) as first:
        made = _point()
    assert first.compiled == POINT_TEXTS
    assert path.read_bytes().startswith(importlib.util.MAGIC_NUMBER)
    with (dataclass_code.kept(path) as second,
          dataclass_code.kept(tmp_path / "other") as inner):  # nested: the outer one
        again = _point()
    assert inner is second and second.compiled == 0 and not (tmp_path / "other").exists()
    assert "exec" not in vars(dataclasses)  # Python's own again
    for cls in (made, again):
        _same_class(cls, plain)


@pytest.mark.parametrize("damage", [b"", b"not ours", importlib.util.MAGIC_NUMBER + b"\x00",
                                    importlib.util.MAGIC_NUMBER + marshal.dumps([1, 2]),
                                    b"\x00\x00\r\n" + marshal.dumps({})])
def test_a_file_of_methods_that_cannot_be_read_is_passed_over_and_written_again(
        tmp_path: Path, damage: bytes, bytecode_written: None) -> None:
    path = tmp_path / "methods.marshal"
    path.write_bytes(damage)
    with dataclass_code.kept(path) as kept:
        made = _point()
    assert kept.compiled == POINT_TEXTS
    assert path.read_bytes().startswith(importlib.util.MAGIC_NUMBER)
    _same_class(made, _point())


def test_a_damaged_method_is_compiled_again(tmp_path: Path, bytecode_written: None) -> None:
    path = tmp_path / "methods.marshal"
    with dataclass_code.kept(path):
        _point()
    codes = marshal.loads(path.read_bytes()[len(importlib.util.MAGIC_NUMBER):])
    text = next(iter(codes))
    codes[text] = b"\xff" + codes[text][1:]  # not a code any more
    path.write_bytes(importlib.util.MAGIC_NUMBER + marshal.dumps(codes))
    with dataclass_code.kept(path) as kept:
        made = _point()
    assert kept.compiled == 1
    _same_class(made, _point())


def test_no_file_of_methods_where_python_writes_no_bytecode(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    with dataclass_code.kept(tmp_path / "methods.marshal") as kept:
        _same_class(_point(), _point())
    assert kept.compiled == POINT_TEXTS and list(tmp_path.iterdir()) == []


_COUNT_COMPILES = ("import sys\n"
    "texts = []\n"
    "def hook(event, args):\n"
    "    if event == 'compile' and isinstance(args[0], str | bytes):\n"
    "        texts.append(args[0] if isinstance(args[0], str) else args[0].decode())\n"
    "sys.addaudithook(hook)\n"
    "from reader.cli import main\n"
    "assert main(['list']) == 0\n"
    "print(sum(t.startswith('def __create_fn__') for t in texts))")


def test_a_command_compiles_no_dataclass_method_its_last_run_compiled(dirs: Path) -> None:
    """Each run of `newsreader` (here `list`, which opens the cache) finds the methods of its
    dataclasses beside the package's bytecode once a run has compiled them. Counted by
    Python's own audit event of each compilation."""
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(dirs / "bytecode")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)

    def compiled() -> int:
        return _compiles_of_list(env)

    assert compiled() >= 10  # one text a class from Python 3.13, one a method before
    assert list((dirs / "bytecode").rglob("dataclass_code.*.marshal"))
    assert compiled() == 0


def test_a_file_of_methods_past_its_limit_keeps_what_the_run_used(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bytecode_written: None) -> None:
    path = tmp_path / "methods.marshal"
    old = {f"def __create_fn__(): # class {n} long changed": b"" for n in range(10)}
    path.write_bytes(importlib.util.MAGIC_NUMBER + marshal.dumps(old))
    monkeypatch.setattr(dataclass_code, "LIMIT", len(old) + POINT_TEXTS - 1)  # just past it
    with dataclass_code.kept(path) as kept:
        _point()
    codes = marshal.loads(path.read_bytes()[len(importlib.util.MAGIC_NUMBER):])
    assert kept.compiled == POINT_TEXTS and set(codes) == kept.used and not set(codes) & set(old)


def _compiles_of_list(env: dict[str, str]) -> int:
    """Dataclass methods compiled by a run of `newsreader list` in that environment."""
    done = subprocess.run([sys.executable, "-c", _COUNT_COMPILES], capture_output=True,
                          text=True, check=True, cwd=ROOT, env=env, timeout=120)
    return int(done.stdout.strip().splitlines()[-1])


def test_the_install_step_keeps_the_methods_where_python_writes_no_bytecode(
        dirs: Path) -> None:
    """`python -m reader.dataclass_code` (the README's install runs it, as it runs
    `compileall`) writes the file although PYTHONDONTWRITEBYTECODE is set, so that even the
    first run there compiles no method; without it every run would."""
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(dirs / "bytecode"),
           "PYTHONDONTWRITEBYTECODE": "1"}
    assert _compiles_of_list(env) >= 10  # nothing kept, and nothing written by the run
    assert not list((dirs / "bytecode").rglob("dataclass_code.*.marshal"))
    subprocess.run([sys.executable, "-m", "reader.dataclass_code"], check=True, cwd=ROOT,
                   env=env, timeout=120)
    assert list((dirs / "bytecode").rglob("dataclass_code.*.marshal"))
    assert _compiles_of_list(env) == 0


def test_a_file_of_methods_that_cannot_be_written_leaves_the_command_alone(
        tmp_path: Path, bytecode_written: None) -> None:
    """A read-only install (here a folder that is a file: the write fails as on a read-only
    filesystem): the classes are made, nothing is raised, and nothing is left behind."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    with dataclass_code.kept(blocker / "methods.marshal") as kept:
        _same_class(_point(), _point())
    assert kept.compiled == POINT_TEXTS and not kept.written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-a-folder"]


def test_a_read_only_folder_of_methods_leaves_the_command_alone(
        tmp_path: Path, bytecode_written: None) -> None:
    folder = tmp_path / "bytecode"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with dataclass_code.kept(folder / "methods.marshal") as kept:
            _point()
        assert kept.compiled == POINT_TEXTS
        assert kept.written == os.access(folder, os.W_OK)  # root may write anyway
        assert [p.name for p in folder.iterdir()] in ([], ["methods.marshal"])
    finally:
        folder.chmod(0o700)


def test_the_collector_makes_no_pass_while_the_app_starts(tmp_path: Path) -> None:
    """Loading the app's modules made ~90 collector passes (~10 ms) that found next to
    nothing: the collector is off from `run_app` to the freeze before `App.run`. Counted
    by the collector's own callbacks, in a fresh process."""
    script = ("import gc, sys\n"
              "passes = []\n"
              "gc.callbacks.append(lambda phase, info: phase == 'start' and passes.append(1))\n"
              "def stop():\n"
              "    print(len(passes) - before[0], gc.isenabled())\n"
              "    raise SystemExit(0)\n"
              "gc.freeze = stop  # reached just before the app would run\n"
              "import reader.cli, reader.cli.app\n"
              "reader.cli.app.terminal_problem = lambda: None  # pytest's pipes\n"
              "before = []\n"
              "run_app = reader.cli.run_app\n"
              "def counted(*args):\n"
              "    before.append(len(passes))\n"
              "    return run_app(*args)\n"
              "reader.cli.run_app = counted\n"
              "reader.cli.main(['--data-dir', sys.argv[1], '--offline'])\n")
    env = {**os.environ, "NEWSREADER_CONFIG_DIR": str(tmp_path / "config")}
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "data")],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert done.stdout.split() == ["0", "False"], done.stderr


@pytest.mark.usefixtures("in_a_terminal")
def test_the_collector_is_on_again_however_the_app_ends(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whether the app ran, or nothing named could be read (exit status 1), or the launch
    failed, the collector is on afterwards (in-process callers, the tests among them)."""
    from reader.cli import main
    from reader.ui.app import NewsApp

    monkeypatch.setenv("NEWSREADER_CONFIG_DIR", str(tmp_path / "config"))
    data = ["--data-dir", str(tmp_path / "data")]
    ran: list[bool] = []
    monkeypatch.setattr(NewsApp, "run", lambda self, **_: ran.append(gc.isenabled()))
    try:
        assert main([*data, "--offline"]) == 0
        assert ran == [True] and gc.isenabled()
        assert main([*data, str(tmp_path / "missing.txt")]) == 1
        assert gc.isenabled()

        def broken(self: NewsApp, **_: object) -> None:
            raise RuntimeError("the terminal went away")

        monkeypatch.setattr(NewsApp, "run", broken)
        with pytest.raises(RuntimeError):
            main([*data, "--offline"])
        assert gc.isenabled()
    finally:
        gc.unfreeze()
        gc.enable()
