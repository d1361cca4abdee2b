"""No two modules of reader/sources import each other, directly or around a loop, even from
inside a function: a cycle hides an import order that works only by luck, and it is how a
"shared helper" ends up living in whichever module was written first."""

from __future__ import annotations

import ast
from pathlib import Path

SOURCES = Path(__file__).resolve().parent.parent / "reader" / "sources"


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module == "reader.sources":
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "reader.sources."):
            found.add(str(node.module).split(".")[2])
        elif isinstance(node, ast.Import):
            found |= {alias.name.split(".")[2] for alias in node.names
                      if alias.name.startswith("reader.sources.")}
    return found


def test_no_import_cycles_in_sources() -> None:
    graph = {path.stem: imports_of(path) for path in SOURCES.glob("*.py")}
    assert "feedfile" in graph and graph["feedfile"], "the graph was not read"
    for start in graph:
        seen: set[str] = set()
        todo = list(graph[start])
        while todo:
            name = todo.pop()
            assert name != start, f"reader.sources.{start} is in an import cycle"
            if name not in seen:
                seen.add(name)
                todo.extend(graph.get(name, ()))
