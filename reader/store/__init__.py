"""The offline cache: one SQLite file holding sources, stories and their read/starred state.

`Store` is the handle the rest of the program holds. It writes and reads sources and stories
itself, and hands out its parts, which share its `Database` (one connection per thread, one
way to write, see `reader.store.db`):

* `store.views`: counting, paging and walking the headline list (`reader.store.views`);
* `store.smart`: saved searches ("smart feeds", `reader.store.smart`);
* `store.index`: the search index catching up after a refresh (`reader.store.search.index`);
* `store.search`: a search ranked and counted ahead (`reader.store.search.runner`).

Stories are upserted by `(source, key)`; re-reading a source updates content and never touches
`read` or `starred`. Unchanged stories cost no write at all. Retention, the bin (removing a
source with undo), health figures and sync state are modules of their own over the same
`Database`.

The names below are loaded at their first use (PEP 562 `__getattr__`), so importing a part of
the package does not import the rest: a parser process imports `reader.store.rows` (with
`bodies` and `errors`) to make the rows it hands the writer, and would otherwise load `Store`,
sqlite3, the search and the views into the fork server for nothing (13 modules, ~1.5 MB and
~5-7 ms of CPU before its first parse). `from reader.store import Store` works as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reader.store.errors import StoreError

if TYPE_CHECKING:  # what `__getattr__` hands out, as mypy and readers should see it
    from reader.store.handle import Store, UpsertResult
    from reader.store.schema import SCHEMA_VERSION, SchemaTooNew

__all__ = ["Store", "UpsertResult", "SchemaTooNew", "SCHEMA_VERSION", "StoreError"]

if not TYPE_CHECKING:  # (hidden from mypy, which would otherwise accept any name as found)
    def __getattr__(name: str) -> object:
        """One of `__all__`, imported from its module at first use and kept."""
        if name in ("Store", "UpsertResult"):
            from reader.store import handle as home
        elif name in ("SCHEMA_VERSION", "SchemaTooNew"):
            from reader.store import schema as home
        else:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(home, name)
        globals()[name] = value
        return value
