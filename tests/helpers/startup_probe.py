"""The app the start-up cost tests launch: a real cache in tmp_path holding one source of
five stories, shared by the test_startup_cost modules.
"""

from __future__ import annotations

from pathlib import Path

from tests.helpers.pilot import RecordingApp
from tests.helpers.stories import add_source, make_store, numbered


def app_with_stories(tmp_path: Path) -> RecordingApp:
    store = make_store(tmp_path)
    add_source(store, "Daily", numbered("daily", 5))
    return RecordingApp(store)
