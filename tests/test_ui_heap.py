"""The collector's settings while the app runs are put back as they were, however it ends."""

from __future__ import annotations

import gc

import pytest

from reader.ui.heap import YOUNG_OBJECTS, HeapFreeze, young_generation


def test_young_generation_is_undone_even_when_the_block_fails() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), young_generation():
        assert gc.get_threshold()[0] == YOUNG_OBJECTS
        raise RuntimeError("the app crashed")
    assert gc.get_threshold() == before


def test_start_up_is_frozen_once_and_thawed_when_the_app_is_gone() -> None:
    before, frozen_before = gc.get_threshold(), gc.get_freeze_count()
    heap = HeapFreeze()
    assert heap.ask() and not heap.ask()  # the freeze is scheduled once
    try:
        heap.thaw()  # never frozen: nothing to undo
        assert gc.get_threshold() == before
        heap.freeze()
        assert gc.get_threshold()[0] == YOUNG_OBJECTS
        assert gc.get_freeze_count() > frozen_before
        heap.freeze()  # a second freeze keeps the first one's threshold to go back to
        heap.thaw()
        assert gc.get_threshold() == before and gc.get_freeze_count() == 0
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
