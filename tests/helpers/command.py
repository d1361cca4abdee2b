"""The installed `newsreader` command, for the tests that run it in a real terminal."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest


def newsreader_command() -> str:
    """The `newsreader` script beside this interpreter (the venv's), else the one on PATH;
    the test fails, not skips, when neither is there: an end-to-end test must not pass by
    running nothing."""
    beside = Path(sys.executable).parent / "newsreader"
    found = str(beside) if beside.exists() else shutil.which("newsreader")
    if not found:
        pytest.fail("the newsreader command is not installed (pip install -e .)")
    return found
