"""What every command shares: the error it raises, the one way to write to stderr, clean
text for the terminal, and the configuration in force."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from reader.cli.parser import Options

if TYPE_CHECKING:
    from reader.config import Config, ConfigProblem


class CliError(Exception):
    """A command failed for a reason the user should read; printed to stderr, exit 1."""


def warn(message: object) -> None:
    """One line on stderr. Messages name files and URLs that strangers chose (a file called
    ESC]52;… in a downloaded folder): cleaned, so no escape sequence reaches the terminal."""
    from reader.sanitize import clean_line

    print(f"newsreader: {clean_line(str(message))}", file=sys.stderr)


def one_line(text: str) -> str:
    """Text a stranger chose (a title, a URL), cleaned for stdout as `warn` cleans it."""
    from reader.sanitize import clean_line

    return clean_line(text)


def load_user_config(opts: Options, *, create: bool = False
                     ) -> tuple[Config, list[ConfigProblem]]:
    """The configuration in force (`--config FILE`, else the default file). With `create`,
    a missing file is first written with every setting commented out (only the app and
    `newsreader config` create it)."""
    from reader.config import default_path, load_config

    path = default_path(getattr(opts, "config", None))
    if create and not path.exists():
        from reader.config_text import ensure_config_file
        from reader.ui.catalogue import ACTIONS

        ensure_config_file(path, ACTIONS)
    return load_config(path)
