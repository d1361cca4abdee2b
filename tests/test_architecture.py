"""The data layer never imports Textual (STYLE.md habit 2), checked two ways.

A static check reads every module outside reader/ui/ for textual imports; a dynamic check
imports every such module in a fresh interpreter and looks at sys.modules, which also catches
an indirect import through another module.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "reader"
UI = PACKAGE / "ui"


def _data_layer_modules() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if UI in path.parents or path.name == "__main__.py":
            continue
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        names.append(".".join(parts))
    return names


def test_data_layer_has_modules_to_check() -> None:
    modules = _data_layer_modules()
    assert "reader.store" in modules and "reader.models" in modules
    assert not any(m.startswith("reader.ui") for m in modules)


def test_no_textual_import_statement_outside_ui() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if UI in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "textual" or n.startswith("textual.") for n in names):
                offenders.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    assert offenders == []


def test_importing_the_data_layer_loads_no_textual() -> None:
    modules = _data_layer_modules()
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'textual')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=PACKAGE.parent, check=True)
    assert json.loads(done.stdout) == []
