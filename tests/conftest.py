"""Test-wide safety: no test reads or writes the real user's configuration.

Every test (and every `newsreader` it starts in a subprocess, which inherits the environment)
gets an empty configuration directory of its own, so a developer's config.toml (a theme, a
rebound key) can never change what a test sees, and running the tests never creates one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reader.store import Store


@pytest.fixture(autouse=True)
def _private_config_dir(tmp_path_factory: pytest.TempPathFactory,
                        monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("config")
    monkeypatch.setenv("NEWSREADER_CONFIG_DIR", str(folder))
    yield folder


@pytest.fixture
def dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`tmp_path`, holding the data (`data/`) and configuration (`config/`) folders of a
    `newsreader` run from the test, neither of them made yet."""
    monkeypatch.setenv("NEWSREADER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NEWSREADER_CONFIG_DIR", str(tmp_path / "config"))
    return tmp_path


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A cache in a real SQLite file of the test's own (a module may define its own)."""
    db = Store(tmp_path / "cache.sqlite3")
    yield db
    db.close()


@pytest.fixture
def in_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """For the tests that launch the app in-process with `App.run` replaced: pytest's captured
    streams are no terminal, and the launch would stop there (`terminal_problem`). What it
    does without one is tested end to end, in a real pseudo-terminal and through pipes."""
    import reader.cli.app

    monkeypatch.setattr(reader.cli.app, "terminal_problem", lambda: None)
