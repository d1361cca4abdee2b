"""The command line read without argparse gives what argparse gives, or is left to it.

`read_command_line` reads the common command lines itself (start-up: argparse is not
imported for them). For any list of words, what it reads alone must be exactly argparse's
result, and whatever it does not read (help, abbreviations, `--pick`, "--", a value that
looks like an option, a usage error) must reach argparse, its messages and its exits."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.cli.parser import Options, _read_plainly, build_parser, read_command_line

ROOT = Path(__file__).resolve().parent.parent
WORDS = ["--offline", "--no-teasers", "--config", "--data-dir", "--config=c.toml",
         "--data-dir=/d", "--data-dir=", "--config==x", "--pick", "2", "x", "--", "-", "-h",
         "--help", "--version", "--off", "--data", "--no", "-1", "--offline=1", "show",
         "refresh", "story.txt", "a b", "=x", "", "~/news/", "--Offline", "-x"]


def fields(options: Options) -> dict[str, object]:
    return {name: getattr(options, name) for name in Options.__slots__}


def by_argparse(argv: list[str]) -> dict[str, object] | None:
    """argparse's reading of `argv`, or None when it exits (an error, help, version)."""
    try:
        return dict(vars(build_parser().parse_intermixed_args(argv)))
    except SystemExit:
        return None


@settings(max_examples=400)
@given(st.lists(st.sampled_from(WORDS) | st.text(max_size=6), max_size=6))
def test_what_is_read_without_argparse_is_what_argparse_reads(argv: list[str]) -> None:
    plain = _read_plainly(argv)
    if plain is not None:
        assert fields(plain) == by_argparse(argv), argv


@pytest.mark.parametrize("argv", [
    [], ["--offline"], ["--data-dir", "/tmp/nr", "--offline"], ["--data-dir=/tmp/nr"],
    ["story.txt", "folder/"], ["--config", "c.toml", "show", "BBC", "--no-teasers"],
    ["refresh", "3", "BBC"], ["list"], ["--offline", "a story.txt", "--data-dir", "d"],
])
def test_the_common_command_lines_are_read_without_argparse(argv: list[str]) -> None:
    plain = _read_plainly(argv)
    assert plain is not None
    assert fields(plain) == by_argparse(argv)


@pytest.mark.parametrize("argv", [
    ["--help"], ["-h"], ["--version"], ["add", "--pick", "2", "u"], ["--off"],
    ["--data-dir"], ["--data-dir", "--offline"], ["--", "-file"], ["--offline=1"], ["-"],
])
def test_the_rest_is_left_to_argparse(argv: list[str]) -> None:
    assert _read_plainly(argv) is None


def test_argparse_still_reads_what_is_left_to_it() -> None:
    assert read_command_line(["add", "--pick", "2", "u"]).pick == 2
    assert read_command_line(["--off"]).offline is True  # an abbreviation
    assert read_command_line(["--", "story.txt"]).args == ["story.txt"]
    with pytest.raises(SystemExit) as usage:
        read_command_line(["--data-dir"])
    assert usage.value.code == 2


def test_a_plain_command_line_does_not_import_argparse(tmp_path: Path) -> None:
    code = ("import sys\nfrom reader.cli import main\nimport reader.ui.app\n"
            f"status = main(['--offline', '--data-dir', {str(tmp_path)!r}, 'list'])\n"
            "print(status, sorted(m for m in ('argparse', 'gettext') if m in sys.modules))\n"
            f"main(['--off', '--data-dir', {str(tmp_path)!r}, 'list'])\n"
            "print(sorted(m for m in ('argparse', 'gettext') if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=ROOT, env=dict(os.environ), timeout=120)
    lines = [line for line in done.stdout.splitlines() if line.startswith(("0 ", "["))]
    assert lines == ["0 []", "['argparse', 'gettext']"]
