"""The methods `dataclasses` generates, compiled once and kept beside the package's bytecode.

Python 3.11 compiles each method a dataclass generates (`__init__`, `__repr__`, `__eq__`,
a frozen class's `__setattr__` ...) from a text of its own as the class is made: a launch
of the app makes ~80 classes, ~250 compilations, ~20 ms of CPU, a third of what its imports
cost. A text depends only on the class's fields and options, and compiling the same text
gives the same code, so while `kept()` is on each compilation is kept in a file in the
package's bytecode cache (`__pycache__`, or under `PYTHONPYCACHEPREFIX`), read once a run:
a text seen before gets its code from there, a new one is compiled as always. The classes
are the dataclasses they were; only the compiler is skipped.

The file is trusted as far as the package's `.pyc` files beside it, which Python runs
anyway: it lives where they live, is read only when it starts with this Python's bytecode
magic number, and one that cannot be read is passed over and written again. It is written
as Python writes bytecode: atomically, and never under `PYTHONDONTWRITEBYTECODE`, except
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
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import CodeType
from typing import Any

LIMIT = 4000  # texts a file keeps: past it, a run that compiled writes only what it used
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

    def save(self) -> None:
        """Write the file again when this run compiled something new."""
        if not self.compiled or self.path is None or (
                sys.dont_write_bytecode and not self.always_write):
            return
        codes = self.codes
        if len(codes) > LIMIT:  # texts of classes long changed: keep this run's
            codes = {text: code for text, code in codes.items() if text in self.used}
        temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_bytes(_MAGIC + marshal.dumps(codes))
            os.replace(temporary, self.path)
        except OSError:  # a read-only install: compiled at each run, as before
            temporary.unlink(missing_ok=True)


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


def keep_all() -> int:
    """Make every class of the program (its modules imported) and write the file, whatever
    `PYTHONDONTWRITEBYTECODE` says: the install step, so that the first launch, and every
    launch where Python may not write bytecode, finds the methods compiled. Returns the
    number of texts compiled."""
    import pkgutil

    with kept() as active:
        active.always_write = True
        package = str(Path(__file__).parent)  # reader/ (importing `reader` here would be a cycle)
        for module in pkgutil.walk_packages([package], "reader."):
            if not module.name.endswith("__main__"):  # that one runs the command line
                importlib.import_module(module.name)
        return active.compiled


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
    from reader.dataclass_code import keep_all as _keep_all  # the module, not this __main__

    _keep_all()
