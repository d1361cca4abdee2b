"""The fork server preloads what a parse uses, so the workers share those pages.

A module a worker imports on its first job is loaded once per worker, in memory of its own;
the same module loaded by the fork server is shared by every worker it forks. Each check runs
in a fresh interpreter, where nothing but the preload has been imported.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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


def test_the_fixtures_cover_each_road_a_parse_takes() -> None:
    names = {path.suffix for path in FEEDS.iterdir()}
    assert {".xml", ".rdf", ".json"} <= names
