"""Counts in words: one helper, and the messages that print counts use it."""

from __future__ import annotations

import pytest

from reader.models import Outcome
from reader.words import plural


@pytest.mark.parametrize(("count", "expected"), [
    (0, "0 stories"), (1, "1 story"), (2, "2 stories"), (1234, "1,234 stories"),
])
def test_plural_with_both_forms(count: int, expected: str) -> None:
    assert plural(count, "story", "stories") == expected


def test_plural_adds_s_by_default_and_keeps_adjectives() -> None:
    assert plural(1, "feed") == "1 feed" and plural(3, "feed") == "3 feeds"
    assert plural(1, "new story", "new stories") == "1 new story"


def test_the_refresh_summary_agrees_with_its_counts() -> None:
    from reader.ui.widgets.refresh_status import summarize

    one = [Outcome(1, "Only", new=1)]
    assert summarize(one)[0] == "Refreshed 1 source: 1 new story"
    two = [Outcome(1, "A", new=2), Outcome(2, "B", error="timed out")]
    text, anything_new, failed = summarize(two)
    assert text == "Refreshed 2 sources: 2 new stories; 1 failed: B (timed out)"
    assert anything_new and failed == 1
