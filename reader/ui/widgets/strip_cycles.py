"""Strips freed when they are dropped, not at Python's next full garbage collection.

Textual's compositor cuts every line of every widget with `Strip.divide`; for a line drawn
whole (most of them) the answer is `[strip]`, which the strip keeps in its own cache: a
reference cycle. So every strip a frame shows (with its seven little caches and segments) is
freed only by the cycle collector once it is dropped, ~17 objects a line, and j made ~10,000
of them a second: a full collection every ~7 presses, 13-25 ms each in the middle of a key
(measured in a 120x40 pty over 100,000 stories). `install` makes `divide` give that one answer
without caching it: the same list, a cut fewer to look up, no cycle.

The other cycles of the same kind were ours: `LRUCache.clear()` leaves its ring of links, rows
and all, as garbage; the panes that clear their rows at every story use `FIFOCache`.
tests/test_key_latency_ui.py checks that Textual still makes the cycle (drop this when it does not).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from textual.strip import Strip

textual_divide = Strip.divide


def divide(strip: Strip, cuts: Iterable[int]) -> Sequence[Strip]:
    """`Strip.divide`, without keeping `[strip]` in the strip's own cache."""
    length = strip.cell_length
    kept = [cut for cut in cuts if cut <= length]  # as Textual's own does first
    if kept == [length]:
        return [strip]
    return textual_divide(strip, kept)


def install() -> None:
    """Use `divide` for every strip (idempotent)."""
    if Strip.divide is not divide:
        setattr(Strip, "divide", divide)  # noqa: B010 (mypy: a method is not assignable)
