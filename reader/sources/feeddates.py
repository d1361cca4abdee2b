"""feedparser's date parsing, sooner for the two shapes nearly every feed uses.

A cold refresh parses one or two dates per story, and feedparser's handlers cost more than
the rest of reading an entry's text: they lower-case, split and re-split the string, build a
datetime and a timedelta and convert back. `date` recognises RFC 822 ("Tue, 14 Nov 2023
22:13:20 GMT") and W3DTF ("2023-11-14T22:13:20Z") exactly where feedparser's first handlers
would read them, checks the fields as `datetime` would, and computes the same UTC time tuple
in integer arithmetic; anything else, or any doubt, goes to feedparser's own date chain
(`reader.lowlevel.feedparser_date`). tests/test_directfeed_parts.py compares the two on
generated and benchmark dates. `timegm` is `calendar.timegm` in integer arithmetic for the
usual fields.
"""

from __future__ import annotations

import calendar
import re
import time
from typing import Any

# The two date shapes nearly every feed uses, exactly as feedparser's first handlers read
# them: W3DTF (its first handler) takes the ISO one; it gives up on the RFC 822 one (the
# first word, "mon," or "fri, 13 oc", is no year), which its RFC 822 handler then reads.
_W3DTF = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})"
                    r"(Z|[+-][0-9]{2}:[0-9]{2})\Z")
_MONTHS = {"Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "May": 5, "Jun": 6, "Jul": 7, "Aug": 8,
           "Sep": 9, "Oct": 10, "Nov": 11, "Dec": 12}
_RFC822 = re.compile(r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), ([0-9]{1,2}) (" + "|".join(_MONTHS)
                     + r") ([0-9]{4}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) (GMT|UT|Z|[+-][0-9]{4})\Z")


def date(value: str) -> Any:
    """feedparser's reading of `value`. For the two usual shapes its handler builds a
    datetime, subtracts the zone's offset and returns the UTC time tuple; for valid fields
    (anything else goes through its whole chain) that is `time.gmtime` of this epoch."""
    found = _W3DTF.match(value)
    if found:
        year, month, day, hour, minute, second, zone = found.groups()
        offset = 0 if zone == "Z" else int(zone[1:3]) * 60 + int(zone[4:])
    else:
        found = _RFC822.match(value)
        if found is None:
            return _chain(value)
        day, name, year, hour, minute, second, zone = found.groups()
        month = _MONTHS[name]
        offset = 0 if zone[0] not in "+-" else int(zone[1:3]) * 60 + int(zone[3:])
    y, m, d = int(year), int(month), int(day)
    h, mi, sec = int(hour), int(minute), int(second)
    # What datetime() accepts, away from the ends of its range (where the offset could
    # overflow it and the handler would give up).
    if (1900 <= y <= 9000 and 1 <= m <= 12 and 1 <= d <= _month_days(y, m)
            and h < 24 and mi < 60 and sec < 60):
        if zone[0] == "-":
            offset = -offset
        return time.gmtime(epoch_day(y, m, d) * 86400 + h * 3600 + mi * 60 + sec - offset * 60)
    return _chain(value)


def _chain(value: str) -> Any:
    """feedparser's whole date chain. Imported here, not at the top, for start-up speed:
    `timegm` is part of every launch (through `feedfile`), feedparser (~60 ms) is not."""
    from reader.lowlevel import feedparser_date

    return feedparser_date(value)


_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _month_days(year: int, month: int) -> int:
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _DAYS[month - 1]


def epoch_day(year: int, month: int, day: int) -> int:
    """Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil);
    `day` may run past its month, as in `calendar.timegm`."""
    year -= month <= 2
    era = year // 400
    of_era = year - era * 400
    of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    return era * 146097 + of_era * 365 + of_era // 4 - of_era // 100 + of_year - 719468


def timegm(value: tuple[Any, ...]) -> int:
    """`calendar.timegm(value)`, in integer arithmetic for int fields, a month 1-12 and a
    year 1-9999 (what it accepts); anything else is left to it."""
    year, month, day, hour, minute, second = value[:6]
    if (type(year) is int and type(month) is int and type(day) is int and type(hour) is int
            and type(minute) is int and type(second) is int and 1 <= month <= 12
            and 1 <= year <= 9999):
        return ((epoch_day(year, month, 1) + day - 1) * 24 + hour) * 3600 + minute * 60 + second
    return calendar.timegm(value)
