"""Dates as the article view and the headline list show them.

Month and day names are spelled out here rather than taken from `strftime("%a %b")`, which
follows the process locale: the same story must not read "Sa 28 Nov" in one shell and
"Sat 28 Nov" in another, and tests must not depend on the machine's locale. A timestamp that
cannot be a date (NaN, infinity, out of range) gives "" instead of an exception.
"""

from __future__ import annotations

import time
from datetime import datetime, tzinfo

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _moment(ts: float, tz: tzinfo | None) -> datetime | None:
    try:
        if tz is None:
            return datetime.fromtimestamp(ts).astimezone()
        return datetime.fromtimestamp(ts, tz)
    except (OverflowError, OSError, ValueError, TypeError):
        return None


def format_date(ts: float, *, now: float | None = None, tz: tzinfo | None = None,
                fmt: str = "") -> str:
    """The absolute date of a story, e.g. "Sat 28 Nov 2026 06:40"; local time unless `tz`.

    Always with the year and the time, so it never depends on the day it is read: `now` is
    accepted for symmetry with `format_list_date` and does not change the result. `fmt`
    is the user's `date_format` (strftime), one rule for the app and `newsreader show`.
    """
    moment = _moment(ts, tz)
    if moment is None:
        return ""
    if fmt:
        try:
            return moment.strftime(fmt)
        except (OverflowError, ValueError):
            return ""
    return (f"{_DAYS[moment.weekday()]} {moment.day} {_MONTHS[moment.month - 1]} "
            f"{moment.year} {moment.hour:02d}:{moment.minute:02d}")


def format_list_date(ts: float, *, now: float | None = None, tz: tzinfo | None = None) -> str:
    """A short date for the headline list: "06:40" today, "Nov 27" this year, else "2024-11-27".

    "Today" and "this year" are judged in the same time zone as the date itself.
    """
    moment = _moment(ts, tz)
    if moment is None:
        return ""
    today = _moment(time.time() if now is None else now, tz)
    if today is not None and moment.date() == today.date():
        return f"{moment.hour:02d}:{moment.minute:02d}"
    if today is not None and moment.year == today.year:
        return f"{_MONTHS[moment.month - 1]} {moment.day}"
    return f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
