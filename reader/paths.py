"""Where newsreader keeps its files.

Locations are computed by functions, never at import time, so tests (and users) can point them
elsewhere with `--data-dir` or the `NEWSREADER_DATA_DIR` environment variable.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "newsreader"
DB_NAME = "newsreader.sqlite3"
# Beside the cache: the copy of the subscriptions, the one thing in it that cannot be fetched
# again (written by reader.service.subscriptions, named by the cache's recovery).
SUBSCRIPTIONS_NAME = "subscriptions.opml"


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The data directory: the explicit override, else $NEWSREADER_DATA_DIR, else platformdirs."""
    if override:
        return Path(override).expanduser()
    env = os.environ.get("NEWSREADER_DATA_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME))


def db_path(override: str | os.PathLike[str] | None = None) -> Path:
    return data_dir(override) / DB_NAME


def config_dir(override: str | os.PathLike[str] | None = None) -> Path:
    if override:
        return Path(override).expanduser()
    env = os.environ.get("NEWSREADER_CONFIG_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME))
