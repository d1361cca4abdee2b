"""Where newsreader keeps its files.

Locations are computed by functions, never at import time, so tests (and users) can point them
elsewhere with `--data-dir` or the `NEWSREADER_DATA_DIR` environment variable.
"""

from __future__ import annotations

import contextlib
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


def write_whole(path: Path, data: bytes) -> bool:
    """Write `data` to `path` whole or not at all: a fresh temporary file beside it (created
    exclusively, so a planted name is never followed), then renamed over it. False when it
    cannot be written (a read-only folder, a full disk): for the caches that use this, that
    only means slower next time. The folder must exist (it is not made here)."""
    import tempfile  # when something is written, after the first frame (~2 ms to import)

    temporary: str | None = None
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
        return True
    except OSError:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        return False
