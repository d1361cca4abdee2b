"""The cycle collector's settings while the app runs: one place for both of its moments.

Textual's strips hold caches that refer back to them, so every frame leaves cyclic garbage.
Two settings keep the collector out of the way of frames and key presses:

* **A young generation of `YOUNG_OBJECTS`.** A frame makes ~5,000 objects (each strip has
  seven caches) and frees the last frame's, so at Python's 700 the collector ran ~15 young
  and ~1.5 middle passes (1.2 ms each) a key press, which promoted the strips and brought a
  full collection every ~8 presses; the first frame (~17,000 objects, nearly all kept) ran
  ~25 young passes, ~2.5 ms before the first headline. Few objects outlive a frame, so few
  passes are needed (see also reader/ui/widgets/strip_cycles.py). The command line sets it
  before the first frame (`young_generation`); `HeapFreeze.freeze` sets it for an app
  started any other way.
* **Start-up frozen** (`HeapFreeze`, once the first story is up): a full collection walked
  every object of the app (~85 ms at 100,000 stories, in the middle of whatever key was
  pressed); with the start-up objects frozen, ~30 ms.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG_OBJECTS = 20_000  # the collector's first threshold while the app runs


@contextmanager
def young_generation() -> Iterator[None]:
    """The app's young generation for the length of the block; Python's after it, however
    the block ends."""
    threshold = gc.get_threshold()
    gc.set_threshold(YOUNG_OBJECTS, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)


class HeapFreeze:
    """Start-up frozen once, after the frame that `ask()` was first answered True for;
    thawed when the app is gone (a program may run another after it)."""

    def __init__(self) -> None:
        self._asked = False
        self._before: tuple[int, int, int] | None = None  # the threshold to go back to

    def ask(self) -> bool:
        """True the first time: the caller then schedules `freeze`."""
        first, self._asked = not self._asked, True
        return first

    def freeze(self) -> None:
        """Keep what start-up built out of collection, and let the young generation grow."""
        if self._before is None:
            self._before = gc.get_threshold()
            gc.collect()  # nothing that is already garbage is frozen
            gc.freeze()
            gc.set_threshold(YOUNG_OBJECTS, *self._before[1:])

    def thaw(self) -> None:
        if self._before is not None:
            gc.unfreeze()
            gc.set_threshold(*self._before)
            self._before = None
