"""`SearchRunner`: the newest search wins, its answers are the store's, nothing is left running.

These tests check that what a search answers (and keeps for the list's later questions) is
what a cold store answers, that a newer search stops the one before (held up on purpose by a
`threading.Event`, never the clock), and that a search replaced before it began is not ranked.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from reader.models import Entry, View
from reader.store import Store
from reader.store.search.runner import Searches, SearchRunner

NOW = 1_732_700_000.0
WAIT = 30.0


class GatedStore(Store):
    """The real store; ranking a text in `gates` waits until the test opens its gate."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, clock=lambda: NOW)
        self.gates: dict[str, threading.Event] = {}
        self.reached: dict[str, threading.Event] = {}
        self.ranked: list[str] = []  # the texts whose ranking was carried out
        self.search = GatedSearches(self)


class GatedSearches(Searches):
    """The store's real searches, gated as `GatedStore` says."""

    def __init__(self, store: GatedStore) -> None:
        super().__init__(store.db, store.views)
        self.store = store

    def rank(self, view: View, should_stop: Any = None) -> bool:
        if view.search in self.store.gates:
            self.store.reached[view.search].set()
            assert self.store.gates[view.search].wait(WAIT)
        done = super().rank(view, should_stop)
        if done:
            self.store.ranked.append(view.search)
        return done


@pytest.fixture
def store(tmp_path: Path) -> GatedStore:
    store = GatedStore(tmp_path / "cache.sqlite3")
    source = store.add_source("feed", "https://w.example/feed", "Coast Weather")
    store.upsert_entries(source.id, [
        Entry(key=f"w{n}", title=f"Weather {n}", body_html=f"<p>{'storm ' * (n % 4 + 1)}</p>",
              lead="storm", published=NOW - n * 60) for n in range(40)])
    return store


def cold(store: Store, view: View) -> tuple[int, list[int]]:
    fresh = Store(store.path, clock=lambda: NOW)
    try:
        return fresh.views.count(view), [h.id for h in fresh.views.headlines(view, 0, 25)]
    finally:
        fresh.close()


@pytest.mark.parametrize("text", ["storm", "stor", "weather 1", "storm -weather", "zebra"])
def test_the_answer_is_the_stores(store: GatedStore, text: str) -> None:
    runner = SearchRunner(store.search, page_size=25)
    try:
        found = runner.submit(View(search=text)).result(WAIT)
        assert found is not None and found.view == View(search=text)
        assert (found.total, [h.id for h in found.rows]) == cold(store, View(search=text))
        # What the two threads kept answers the list's later questions the same way.
        assert store.views.count(View(search=text)) == found.total
    finally:
        runner.close()


def test_a_newer_search_stops_the_one_before_and_a_replaced_one_is_not_ranked(
        store: GatedStore) -> None:
    runner = SearchRunner(store.search, page_size=25)
    try:
        store.gates["storm"] = threading.Event()
        store.reached["storm"] = threading.Event()
        first = runner.submit(View(search="storm"))
        assert store.reached["storm"].wait(WAIT)  # "storm" is being ranked ...
        second = runner.submit(View(search="weather"))  # ... replaced before it is done
        third = runner.submit(View(search="weather 2"))
        found = third.result(WAIT)
        assert found is not None and found.total == cold(store, View(search="weather 2"))[0]
        store.gates["storm"].set()
        assert first.result(WAIT) is None  # told to stop: no answer
        assert second.result(WAIT) is None
        assert store.ranked == ["weather 2"]  # the replaced ones were not ranked
    finally:
        store.gates.get("storm", threading.Event()).set()
        runner.close()


def test_cancel_stops_the_search_in_hand(store: GatedStore) -> None:
    runner = SearchRunner(store.search, page_size=25)
    try:
        store.gates["storm"] = threading.Event()
        store.reached["storm"] = threading.Event()
        job = runner.submit(View(search="storm"))
        assert store.reached["storm"].wait(WAIT)
        runner.cancel()
        store.gates["storm"].set()
        assert job.result(WAIT) is None
    finally:
        runner.close()


def test_warming_up_leaves_the_answers_as_they_are(store: GatedStore) -> None:
    """`warm` (the bar opening) readies the threads' connections; it searches for nothing
    and changes nothing the searches answer."""
    runner = SearchRunner(store.search, page_size=25)
    try:
        runner.warm()
        found = runner.submit(View(search="storm")).result(WAIT)
        assert found is not None
        assert (found.total, [h.id for h in found.rows]) == cold(store, View(search="storm"))
        assert store.ranked == ["storm"]
    finally:
        runner.close()


def test_threads_asking_at_once_get_one_pool(
        store: GatedStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """The search threads are made at the first search or `warm`: callers on several
    threads at once share one pool. The first pool's making waits (a moment at most) for
    the other callers to find no pool yet, which only an unguarded check lets them do."""
    import concurrent.futures

    made: list[object] = []
    callers = 4
    found_none = threading.Semaphore(0)

    class Counted(concurrent.futures.ThreadPoolExecutor):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            made.append(self)
            if len(made) == 1:
                for _ in range(callers - 1):
                    found_none.acquire(timeout=0.2)
            super().__init__(*args, **kwargs)

    class Watched(SearchRunner):
        """Counts each look that finds no pool, from a thread other than the first maker's."""

        @property
        def _threads(self) -> Any:
            if self._kept is None and made:
                found_none.release()
            return self._kept

        @_threads.setter
        def _threads(self, value: Any) -> None:
            self._kept = value

    monkeypatch.setattr(concurrent.futures, "ThreadPoolExecutor", Counted)
    runner = Watched(store.search, page_size=25)
    threads = [threading.Thread(target=runner.warm) for _ in range(callers)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(WAIT)
        assert len(made) == 1
    finally:
        runner.close()
