"""The fork server preloads what a parse uses, so the workers share those pages.

A module a worker imports on its first job is loaded once per worker, in memory of its own;
the same module loaded by the fork server is shared by every worker it forks. Each check runs
in a fresh interpreter, where nothing but the preload has been imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

FEEDS = Path(__file__).parent / "fixtures" / "feeds"

PARSE_AFTER_PRELOAD = """
import importlib, json, sys
from pathlib import Path
from reader.workerpool import PRELOAD
for name in PRELOAD:
    importlib.import_module(name)
before = set(sys.modules)
from reader.sources.parse_worker import parse_body
for path in sorted(Path(sys.argv[1]).iterdir()):
    try:
        parse_body(path.read_bytes(), "http://example.org/feed", "")
    except Exception:
        pass  # a hostile fixture may be refused: only its imports matter here
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def test_a_workers_first_parses_import_nothing_the_fork_server_could_share() -> None:
    done = subprocess.run([sys.executable, "-c", PARSE_AFTER_PRELOAD, str(FEEDS)],
                          capture_output=True, text=True, check=True)
    loaded = json.loads(done.stdout)
    # Codecs are looked up by name when a feed declares one: a few KB each, left to each worker.
    assert [name for name in loaded if not name.startswith("encodings.")] == []


def test_the_preload_leaves_out_the_http_client() -> None:
    """A parser process is handed bytes and never fetches: httpx (with httpcore, h11 and
    anyio) would cost the fork server ~1 MB and its start-up time for nothing."""
    script = ("import importlib, sys\n"
              "from reader.workerpool import PRELOAD\n"
              "for name in PRELOAD:\n"
              "    importlib.import_module(name)\n"
              "print(sorted(m for m in ('httpx', 'httpcore', 'h11', 'anyio') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


def test_a_new_worker_imports_nothing_to_start() -> None:
    """Reading the process object a worker is sent needs the executor's worker loop and
    queues: loaded by each worker, that was ~2-3 MB of its own memory (measured); loaded
    by the fork server, it is shared."""
    script = ("import json\n"
              "from reader.workerpool import PRELOAD, ProcessPool\n"
              "from tests.helpers import forkmark\n"
              "pool = ProcessPool(1, preload=('tests.helpers.forkmark', *PRELOAD),\n"
              "                   may_fork=False)  # the fork server's workers\n"
              "print(json.dumps(pool.executor().submit(forkmark.imported_since_fork).result()))\n"
              "pool.shutdown()\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, cwd=Path(__file__).parent.parent, timeout=60)
    assert json.loads(done.stdout) == []


def test_a_worker_started_from_a_script_does_not_run_the_script_again(tmp_path: Path) -> None:
    """The installed `newsreader` is a script: multiprocessing would import it again in each
    worker, and with it the command line (`reader.cli` and its imports), ~1 MB of each
    worker's own memory."""
    root = Path(__file__).parent.parent
    script = tmp_path / "newsreader"
    script.write_text(
        "import json\n"
        "from reader.cli import main  # as the installed command does\n"
        "from reader.workerpool import PRELOAD, ProcessPool\n"
        "from tests.helpers import forkmark\n"
        "if __name__ == '__main__':\n"
        "    pool = ProcessPool(1, preload=('tests.helpers.forkmark', *PRELOAD), may_fork=False)\n"
        "    print(json.dumps(pool.executor().submit(forkmark.imported_since_fork).result()))\n"
        "    pool.shutdown()\n"
        "    print(main.__module__, __spec__)\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          check=True, cwd=root, env={**os.environ, "PYTHONPATH": str(root)},
                          timeout=60)
    imported, after = done.stdout.splitlines()
    assert json.loads(imported) == []
    assert after == "reader.cli None"  # the script's own module is as it was


def test_the_fixtures_cover_each_road_a_parse_takes() -> None:
    names = {path.suffix for path in FEEDS.iterdir()}
    assert {".xml", ".rdf", ".json"} <= names


def test_the_preload_loads_of_the_store_only_what_makes_a_row() -> None:
    """A parser process makes the rows the writer inserts (`reader.store.rows`), and never
    opens the cache: sqlite3, `Store`, the search and the views in the fork server cost it
    ~1.5 MB and ~5-7 ms of CPU at its start, before the first feed is parsed."""
    script = ("import importlib, json, sys\n"
              "from reader.workerpool import PRELOAD\n"
              "for name in PRELOAD:\n"
              "    importlib.import_module(name)\n"
              "print(json.dumps(sorted(m for m in sys.modules\n"
              "                        if m == 'sqlite3' or m.startswith('reader.store'))))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, cwd=Path(__file__).parent.parent)
    assert json.loads(done.stdout) == ["reader.store", "reader.store.bodies",
                                       "reader.store.errors", "reader.store.rows"]


def test_the_store_package_still_hands_out_each_of_its_names() -> None:
    """The package loads `Store` and the schema's names at their first use; what a caller
    gets is the same, and a name it does not have is still an AttributeError."""
    import reader.store
    from reader.store import handle, schema

    got = {name: getattr(reader.store, name) for name in reader.store.__all__}
    assert got == {"Store": handle.Store, "UpsertResult": handle.UpsertResult,
                   "SCHEMA_VERSION": schema.SCHEMA_VERSION,
                   "SchemaTooNew": schema.SchemaTooNew,
                   "StoreError": reader.store.errors.StoreError}
    with pytest.raises(AttributeError, match="Stores"):
        reader.store.Stores  # type: ignore[attr-defined]  # noqa: B018 - the lookup is the test
