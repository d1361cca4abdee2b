"""Running another copy of the `reader` package beside this one (`--against DIR`), fairly.

Two things make such a comparison say "no difference" or a false one, so both are handled
here, for every benchmark that compares trees:

* Which package runs: this repository is installed in editable mode, and the import hook
  that install adds to `site` finds our own `reader/` before any path (`tree_command`).
* Whether it runs compiled: where the environment sets `PYTHONDONTWRITEBYTECODE`, a copied
  tree (or a module edited since the last `compileall`) is compiled at every launch, a few
  ms a module (`compile_trees`).
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path


def tree_command(tree: str) -> tuple[str, list[str]]:
    """PYTHONPATH and command that run the package copied in `tree` (`tree/reader`).

    Not just `PYTHONPATH=tree`: with `-S` there is no `site` (nor the editable install's
    hook); the dependencies come from the interpreter's site-packages on the path; `-P`: not
    the working folder's `reader/`. Checked before use, since a wrong answer here looks like
    "no difference"."""
    paths = sysconfig.get_paths()
    path = os.pathsep.join(dict.fromkeys([tree, paths["purelib"], paths["platlib"]]))
    program = [sys.executable, "-S", "-P"]
    found = subprocess.run([*program, "-c", "import reader; print(reader.__file__)"],
                           env={**os.environ, "PYTHONPATH": path}, capture_output=True,
                           text=True, check=True).stdout.strip()
    if Path(found).resolve() != (Path(tree) / "reader" / "__init__.py").resolve():
        raise SystemExit(f"--against {tree}: Python imports {found} instead")
    return path, [*program, "-m", "reader"]


def compile_trees(*trees: str | None) -> None:
    """Compile each tree's `reader` where it lies (only what is missing or stale) and keep
    its dataclass code beside it, as the README's install does: every launch then reads
    compiled code, as an installed package does, whatever the environment says about
    writing bytecode. None (no `--against`) is passed over."""
    for tree in filter(None, trees):
        path, command = tree_command(tree)
        python = command[:-2]  # the interpreter and its flags, without `-m reader`
        for step in (["-m", "compileall", "-q", str(Path(tree) / "reader")],
                     ["-m", "reader.dataclass_code"]):
            subprocess.run([*python, *step], env=dict(os.environ, PYTHONPATH=path), check=True,
                           stdout=subprocess.DEVNULL)
