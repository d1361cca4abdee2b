"""The methods `dataclasses` generates, compiled once and kept beside the package's bytecode.

Python 3.11 compiles each method a dataclass generates (`__init__`, `__repr__`, `__eq__`,
a frozen class's `__setattr__` ...) from a text of its own as the class is made (3.13
compiles a class's methods from one text): a launch of the app made ~80 classes, ~250
compilations, ~20 ms of CPU, a third of what its imports cost. A text depends only on the
class's fields and options, and compiling the same text gives the same code, so while
`kept()` is on each compilation is kept in a file in the package's bytecode cache
(`__pycache__`, or under `PYTHONPYCACHEPREFIX`), read once a run: a text seen before gets
its code from there, a new one is compiled as always. The classes are the dataclasses they
were; only the compiler is skipped.

The file is trusted as the package's `.pyc` files beside it are, which Python runs anyway:
it lives where they live and only their writer can change it. It is read only when it
starts with this Python's bytecode magic number, and one whose layout is damaged is passed
over and written again (like a `.pyc`, code that loads but was tampered with is run). It is
written whole or not at all, and never under `PYTHONDONTWRITEBYTECODE`, except
by `python -m reader.dataclass_code`, the install step that writes it on purpose as
`compileall` writes bytecode (the README's install runs both). This
relies on `dataclasses` calling `exec` by its module-global name (3.8 to 3.13 do);
tests/test_import_cost.py notices when a Python stops.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import marshal
import sys
from collections.abc import Iterator
from pathlib import Path
from types import CodeType
from typing import Any

from reader.paths import write_whole

# Texts a file keeps (the whole program makes ~520, ~600 KB, read in ~1 ms): past it, a run
# that compiled writes only what it used, so that the file never costs what it saves.
LIMIT = 1200
_MAGIC = importlib.util.MAGIC_NUMBER


class Kept:
    """The compilations read from the file at `path`, and those made since, each kept
    marshalled until a class asks for it (a run uses only some of them)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.codes = _read(path) if path is not None else {}
        self.used: set[str] = set()
        self.compiled = 0  # texts compiled in this run (not found in the file)
        self.always_write = False  # an install step: written whatever PYTHONDONTWRITEBYTECODE says
        self.written = False

    def exec(self, source: Any, globals_: Any = None, locals_: Any = None) -> None:
        """`exec` as `dataclasses` calls it, with the text's code compiled once."""
        if not isinstance(source, str):
            exec(source, globals_, locals_)  # noqa: S102 - what dataclasses asked for
            return
        code = _code(self.codes.get(source))
        if code is None:
            # dont_inherit: compiled as `dataclasses` would, without this module's
            # `from __future__ import annotations` (annotations stay objects).
            code = compile(source, "<string>", "exec", dont_inherit=True)
            self.codes[source] = marshal.dumps(code)
            self.compiled += 1
        self.used.add(source)
        exec(code, globals_, locals_)  # noqa: S102 - the code of dataclasses' own text

    def save(self) -> bool:
        """Write the file again when this run compiled something new; False when it could
        not be written (a read-only install: compiled at each run, as before)."""
        if not self.compiled or self.path is None or (
                sys.dont_write_bytecode and not self.always_write):
            return False
        # Copies first: a thread may still be making a class while the command ends.
        codes, used = dict(self.codes), set(self.used)
        if len(codes) > LIMIT:  # texts of classes long changed: keep this run's
            codes = {text: code for text, code in codes.items() if text in used}
        with contextlib.suppress(OSError):  # `__pycache__`, or its place under a prefix
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.written = write_whole(self.path, _MAGIC + marshal.dumps(codes))
        return self.written


_active: Kept | None = None


@contextlib.contextmanager
def kept(path: Path | None = None) -> Iterator[Kept]:
    """While on, dataclasses made (by any thread) take their methods' code from the file
    (`path`, else `cache_path()`); at the end, the file is written again if a class was
    new. Nested: the outer one goes on."""
    global _active
    if _active is not None:
        yield _active
        return
    namespace = vars(dataclasses)
    _active = active = Kept(path or cache_path())
    namespace["exec"] = active.exec
    try:
        yield active
    finally:
        if namespace.get("exec") == active.exec:
            del namespace["exec"]
        _active = None
        active.save()


def cache_path() -> Path | None:
    """The file, beside this module's own bytecode (None: this Python keeps no bytecode)."""
    try:
        compiled = importlib.util.cache_from_source(__file__)
    except NotImplementedError:  # sys.implementation.cache_tag is None
        return None
    return Path(compiled).with_name(f"dataclass_code.{sys.implementation.cache_tag}.marshal")


def keep_all() -> Kept:
    """Make every class of the program (its modules imported, and the Markdown parser's
    classes made on first use) and write the file, whatever `PYTHONDONTWRITEBYTECODE` says:
    the install step, so that the first launch, and every launch where Python may not write
    bytecode, finds the methods compiled."""
    import pkgutil

    with kept() as active:
        active.always_write = True
        package = str(Path(__file__).parent)  # reader/ (importing `reader` here would be a cycle)
        for module in pkgutil.walk_packages([package], "reader."):
            if not module.name.endswith("__main__"):  # that one runs the command line
                importlib.import_module(module.name)
        from markdown_it import MarkdownIt

        MarkdownIt("commonmark").render("*a* [b](c)\n")
    return active


def _install() -> int:
    """`python -m reader.dataclass_code`: says what it kept, and fails where it could not."""
    active = keep_all()
    if active.written:
        print(f"kept {active.compiled} compiled dataclass methods in {active.path}")
    elif active.compiled == 0:
        print(f"the dataclass methods were already kept in {active.path}")
    else:
        print(f"could not write {active.path}: each start will compile the dataclass "
              "methods (~20 ms)", file=sys.stderr)
        return 1
    return 0


def _code(blob: bytes | None) -> CodeType | None:
    try:
        code = marshal.loads(blob) if blob is not None else None
    except (EOFError, ValueError, TypeError):
        return None
    return code if isinstance(code, CodeType) else None


def _read(path: Path) -> dict[str, bytes]:
    try:
        data = path.read_bytes()
        if not data.startswith(_MAGIC):  # another Python's, or no file of ours
            return {}
        codes = marshal.loads(data[len(_MAGIC):])
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if not isinstance(codes, dict):
        return {}
    return {text: blob for text, blob in codes.items()
            if isinstance(text, str) and isinstance(blob, bytes)}


if __name__ == "__main__":
    from reader.dataclass_code import _install as _install_once  # the module, not __main__

    sys.exit(_install_once())
