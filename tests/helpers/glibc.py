"""glibc's `wcwidth`: how xterm, VTE, Konsole and tmux count a character's cells, the measure
the app's text widths are checked against."""

from __future__ import annotations

import ctypes
import locale
from collections.abc import Callable
from typing import cast

import pytest


def glibc_wcwidth() -> Callable[[str], int]:
    """`wcwidth` under the C.UTF-8 locale; the test skips, saying why, without glibc."""
    try:
        locale.setlocale(locale.LC_CTYPE, "C.UTF-8")
        wcwidth = ctypes.CDLL("libc.so.6").wcwidth
    except (OSError, locale.Error):
        pytest.skip("needs glibc and its C.UTF-8 locale, the measure being matched")
    wcwidth.argtypes = [ctypes.c_wchar]
    return cast(Callable[[str], int], wcwidth)
