"""The rules that keep the package's structure, checked on every run.

* The data layer never imports Textual (STYLE.md habit 2): a static check of every module
  outside reader/ui/, and a fresh interpreter that imports them all and looks at sys.modules,
  which also catches an indirect import.
* No import cycles between modules, counting imports inside functions: a cycle makes an
  import order that works only by luck. Imports under `if TYPE_CHECKING:` are exempt from
  this rule because they never run (every module has `from __future__ import annotations`),
  so they cannot make a half-initialised module; they still obey the layer order below.
* Imports go one way, down `LAYERS`.
* Other packages' private names are used only in reader/lowlevel.py, where each has a test.
  The check reads names, not types: it sees `fp.mixin._FeedParserMixin` and
  `from rich._wrap import ...`, but not a private attribute of an object reached through a
  variable (`executor._processes`, `node._bindings`) nor one read by name with
  `getattr(obj, "_x")`. Those are left to review.
* No class with more than `MAX_METHODS` methods of its own; no screen of ours inherits from
  another screen or a mixin of ours (a screen is composed of panes and controllers).

Each test prints what it found in plain words; the assertion message says the same.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import pkgutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "reader"
ROOT = PACKAGE.parent
UI = PACKAGE / "ui"

#: The package's layers, top first. A module may import modules of its own unit and of any
#: unit in a lower layer; units that share a layer are independent of each other. A unit is
#: the longest name here that the module is, or is inside of: a top-level module or package
#: of reader/, or a part of a package that sits higher than the rest of it
#: ("extract.fulltext" fetches, so it sits above "sources", which uses "extract").
#: "reader" is the package's own `__init__` (its version).
LAYERS: tuple[tuple[str, ...], ...] = (
    ("__main__",),
    ("cli",),
    ("ui",),
    ("service",),  # what a user asks for, once for the CLI and the UI
    ("sync", "refresh", "extract.fulltext"),
    ("sources",),  # files and fetching; feed and page text is cleaned by `extract`
    ("store", "render", "extract", "browser", "config_text", "labels"),
    ("config", "workerpool"),
    ("config_settings", "config_lines", "dataclass_code"),
    ("models", "sanitize", "decode", "lowlevel", "paths", "words", "loopthread", "reader"),
)
#: The one module allowed to use other packages' private names.
LOWLEVEL = PACKAGE / "lowlevel.py"
MAX_METHODS = 40


@dataclass(frozen=True, slots=True)
class Import:
    """One `import` of a module of ours, as written in `source`."""

    source: str  # the importing module, dotted
    target: str  # the imported module, dotted
    path: Path
    line: int
    where: str  # "top", "function" or "type-checking"

    def place(self) -> str:
        how = {"top": "", "function": ", inside a function",
               "type-checking": ", under TYPE_CHECKING"}[self.where]
        return f"{self.path.relative_to(ROOT)}:{self.line}{how}"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _walk(tree: ast.AST, where: str = "top") -> Iterator[tuple[ast.AST, str]]:
    """Every node with where it runs: at import ("top"), only when a function is called, or
    never (under `if TYPE_CHECKING:`)."""
    for child in ast.iter_child_nodes(tree):
        inner = where
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            inner = "function" if where == "top" else where
        yield child, where
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for node in child.body:
                yield node, "type-checking"
                yield from _walk(node, "type-checking")
            for node in child.orelse:
                yield node, where
                yield from _walk(node, where)
            continue
        yield from _walk(child, inner)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _absolute(node: ast.ImportFrom, module: str, path: Path) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join([*base, *([node.module] if node.module else [])])


def _imports_of(module: str, path: Path) -> list[Import]:
    found = []
    for node, where in _walk(_parsed(path)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, module, path)
            # `from reader.render import styles` imports the module reader.render.styles.
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base
                       for a in node.names]
        else:
            continue
        for target in dict.fromkeys(targets):
            if target in MODULES and target != module:
                found.append(Import(module, target, path, node.lineno, where))
    return found


IMPORTS: list[Import] = [imp for name, path in MODULES.items()
                         for imp in _imports_of(name, path)]


LAYER_OF: dict[str, int] = {unit: depth for depth, units in enumerate(LAYERS) for unit in units}


def _unit(module: str) -> str:
    parts = module.split(".")[1:]
    for end in range(len(parts), 1, -1):
        if ".".join(parts[:end]) in LAYER_OF:
            return ".".join(parts[:end])
    return parts[0] if parts else "reader"


def test_a_unit_is_the_longest_name_in_the_layers() -> None:
    assert _unit("reader") == "reader"
    assert _unit("reader.models") == "models"
    assert _unit("reader.extract") == _unit("reader.extract.layout") == "extract"
    assert _unit("reader.extract.fulltext") == "extract.fulltext"
    assert _unit("reader.ui.controllers.sources") == "ui"


def _report(title: str, found: list[str]) -> str:
    text = f"{title}:\n" + "\n".join(f"  - {line}" for line in found) if found else ""
    print(text or f"{title}: none")
    return text


# -- the data layer never imports Textual ------------------------------------------------------


def _data_layer_modules() -> list[str]:
    return [name for name, path in MODULES.items()
            if UI not in path.parents and path.name != "__main__.py"]


def test_data_layer_has_modules_to_check() -> None:
    modules = _data_layer_modules()
    assert "reader.store" in modules and "reader.models" in modules
    assert not any(m.startswith("reader.ui") for m in modules)


def test_no_textual_import_statement_outside_ui() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if UI in path.parents:
            continue
        for node in ast.walk(_parsed(path)):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            else:
                continue
            if any(n == "textual" or n.startswith("textual.") for n in names):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} imports Textual")
    assert not offenders, _report("Textual imported by the data layer", offenders)


def test_importing_the_data_layer_loads_no_textual() -> None:
    modules = _data_layer_modules()
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'textual')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, check=False)
    assert done.returncode == 0, _report("The data layer does not import", [
        done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "(no message)"])
    loaded = json.loads(done.stdout)
    assert not loaded, _report("Textual loaded by importing the data layer", loaded)


# -- import cycles -----------------------------------------------------------------------------


def _cycles(edges: list[Import]) -> list[list[Import]]:
    """One cycle, as the imports that make it, for each group of modules that import each
    other (a strongly connected component of the graph, by Tarjan's algorithm)."""
    graph: dict[str, list[Import]] = {name: [] for name in MODULES}
    for edge in edges:
        graph[edge.source].append(edge)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for edge in graph[node]:
            if edge.target not in index:
                visit(edge.target)
                low[node] = min(low[node], low[edge.target])
            elif edge.target in stack:
                low[node] = min(low[node], index[edge.target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for name in sorted(graph):
        if name not in index:
            visit(name)
    cycles = []
    for group in groups:
        start = min(group)
        # The shortest way from `start` back to itself inside the group.
        paths: dict[str, list[Import]] = {start: []}
        todo = [start]
        while todo:
            node = todo.pop(0)
            for edge in sorted(graph[node], key=lambda e: e.target):
                if edge.target not in group:
                    continue
                if edge.target == start:
                    cycles.append([*paths[node], edge])
                    todo = []
                    break
                if edge.target not in paths:
                    paths[edge.target] = [*paths[node], edge]
                    todo.append(edge.target)
    return cycles


def test_the_cycle_finder_finds_a_cycle_through_a_function() -> None:
    a = Import("reader.a", "reader.b", PACKAGE / "a.py", 1, "top")
    b = Import("reader.b", "reader.a", PACKAGE / "b.py", 9, "function")
    MODULES.update({"reader.a": PACKAGE / "a.py", "reader.b": PACKAGE / "b.py"})
    try:
        assert _cycles([a, b]) == [[a, b]]
        assert _cycles([a]) == []
    finally:
        del MODULES["reader.a"], MODULES["reader.b"]


def test_no_import_cycles() -> None:
    assert len(IMPORTS) > 100, "the import graph was not read"
    found = []
    for cycle in _cycles([imp for imp in IMPORTS if imp.where != "type-checking"]):
        steps = " -> ".join(f"{imp.target} ({imp.place()})" for imp in cycle)
        found.append(f"{cycle[0].source} -> {steps}")
    assert not found, _report("Modules that import each other, around a loop", found)


# -- imports go down the layers ----------------------------------------------------------------


def test_every_module_has_a_layer() -> None:
    missing = sorted({f"{_unit(name)} (e.g. {name})" for name in MODULES
                      if _unit(name) not in LAYER_OF})
    assert not missing, _report("Parts of reader/ in no layer of LAYERS (place them)", missing)


def test_imports_go_down_the_layers() -> None:
    found = []
    for imp in IMPORTS:
        mine, theirs = _unit(imp.source), _unit(imp.target)
        if mine == theirs or mine not in LAYER_OF or theirs not in LAYER_OF:
            continue
        if LAYER_OF[theirs] == LAYER_OF[mine]:
            found.append(f"{imp.source} imports {imp.target} ({imp.place()}): {mine} and "
                         f"{theirs} share a layer and must not know each other")
        elif LAYER_OF[theirs] < LAYER_OF[mine]:
            found.append(f"{imp.source} imports {imp.target} ({imp.place()}): {theirs} is "
                         f"above {mine}")
    assert not found, _report("Imports against the layer order", found)


# -- other packages' private names -------------------------------------------------------------


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _third_party(module: str) -> bool:
    top = module.split(".")[0]
    return bool(top) and top != "reader" and top not in sys.stdlib_module_names


def private_names(source: str, filename: str = "<test>") -> list[str]:
    """Each use of another package's private name in `source`, as "line: what"."""
    tree = ast.parse(source, filename=filename)
    found: list[tuple[int, str]] = []
    bound: dict[str, str] = {}  # a local name -> the third-party thing it names
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if not _third_party(alias.name):
                    continue
                if any(_private(part) for part in alias.name.split(".")):
                    found.append((node.lineno, f"import {alias.name}"))
                bound[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            if not _third_party(node.module):
                continue
            if any(_private(part) for part in node.module.split(".")):
                found.append((node.lineno, f"from {node.module} import ..."))
            for alias in node.names:
                if _private(alias.name):
                    found.append((node.lineno, f"from {node.module} import {alias.name}"))
                bound[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            chain = node.value
            while isinstance(chain, ast.Attribute):
                chain = chain.value
            if isinstance(chain, ast.Name) and chain.id in bound:
                found.append((node.lineno, f"{ast.unparse(node)} ({bound[chain.id]})"))
    return [f"{line}: {what}" for line, what in sorted(found)]


def test_the_private_name_finder() -> None:
    source = ("import rich._wrap\nfrom rich._wrap import divide_line\n"
              "from textual.keys import _character_to_key, Keys\nimport feedparser as fp\n"
              "import textual\nfrom reader.library import _title_for\nimport _thread\n"
              "from os import _exit\nfrom rich import text\n"
              "x = fp.mixin._FeedParserMixin\ny = text._private\nz = textual.__version__\n"
              "w = Keys._member_map_\nfrom pkg import __version__\n")
    assert private_names(source) == [
        "1: import rich._wrap",
        "2: from rich._wrap import ...",
        "3: from textual.keys import _character_to_key",
        "10: fp.mixin._FeedParserMixin (feedparser)",
        "11: text._private (rich.text)",
        "13: Keys._member_map_ (textual.keys.Keys)",
    ]


def test_private_names_of_other_packages_only_in_lowlevel() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == LOWLEVEL:
            continue
        where = path.relative_to(ROOT)
        found += [f"{where}:{use}" for use in private_names(path.read_text(encoding="utf-8"))]
    assert not found, _report(
        "Other packages' private names used outside reader/lowlevel.py (move them there, "
        "with a test in tests/test_lowlevel.py)", found)


# -- classes and screens -----------------------------------------------------------------------


def test_no_class_with_too_many_methods() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(_parsed(path)):
            if not isinstance(node, ast.ClassDef):
                continue
            own = [item for item in node.body
                   if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)]
            if len(own) > MAX_METHODS:
                found.append(f"{node.name} ({path.relative_to(ROOT)}:{node.lineno}) has "
                             f"{len(own)} methods of its own; at most {MAX_METHODS}")
    assert not found, _report("Classes too big to hold in mind", found)


def _ui_modules() -> Iterator[str]:
    ui = importlib.import_module("reader.ui")
    for info in pkgutil.walk_packages(ui.__path__, "reader.ui."):
        yield info.name


def test_screens_are_composed_not_inherited() -> None:
    from textual.screen import Screen

    found = []
    screens = 0
    for name in sorted(_ui_modules()):
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != name or not issubclass(cls, Screen):
                continue
            screens += 1
            ours = [base for base in cls.__mro__[1:] if base.__module__.startswith("reader.")]
            if ours:
                kinds = ", ".join(
                    f"{'the screen' if issubclass(b, Screen) else 'the mixin'} "
                    f"{b.__module__}.{b.__qualname__}" for b in ours)
                found.append(f"{name}.{cls.__qualname__} inherits from {kinds}")
    assert screens >= 3, "no screens were found"
    assert not found, _report("Screens that inherit behaviour from our own classes", found)


# -- tests share helpers, not each other -------------------------------------------------------


def test_no_file_imports_a_test_file() -> None:
    found = []
    for folder in ("tests", "scripts", "bench"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(_parsed(path)):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom):
                    modules = [node.module or ""]
                    if not node.module or node.level:
                        modules += [alias.name for alias in node.names]
                else:
                    continue
                if any(part.startswith("test_") for m in modules for part in m.split(".")):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} imports a test file")
    assert not found, _report(
        "Imports of test files (move what they share to tests/helpers/ or a conftest.py)", found)
