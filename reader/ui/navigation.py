"""Where `n` and `p` land, and how the current view is named in the header.

Plain functions over the store and models (no Textual): `find_unread` runs in a thread
worker of the main screen, and both are easy to test without an app.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from reader.models import Source, View
from reader.sanitize import clean_line
from reader.store import Store


def find_unread(store: Store, view: View, story_id: int | None,
                forward: bool = True) -> tuple[View, int | None]:
    """The next (or previous) unread story after `story_id` in `view`, and the view it is in.

    In a single-source view with no unread left, the search goes on in the following (or,
    backwards, preceding) sources in source-list order, and the view follows it there.
    """
    found = store.views.next_unread(view, story_id, forward)
    if found is not None or view.source_id is None:
        return view, found
    sources = store.sources()
    ids = [s.id for s in sources]
    here = ids.index(view.source_id) if view.source_id in ids else -1
    ahead = sources[here + 1:] if forward else list(reversed(sources[:max(here, 0)]))
    for source in ahead:
        if not source.unread:
            continue
        candidate = replace(view, source_id=source.id)
        found = store.views.next_unread(candidate, None, forward)
        if found is not None:
            return candidate, found
    return view, None


def describe(view: View, sources: Iterable[Source]) -> str:
    """The header's sub-title for `view`, e.g. "unread · BBC News"."""
    where = "all sources"
    if view.source_id is not None:
        where = next((clean_line(s.label) for s in sources if s.id == view.source_id),
                     "one source")
    elif view.folder:
        where = clean_line(view.folder)
    return f"{view.mode} · {where}"
