"""A refresh's network half (`Pipeline`) driven in a test the way the writer drives it."""

from __future__ import annotations

from reader.refresh.pipeline import Fetched, Pipeline


def drained(pipeline: Pipeline) -> list[Fetched]:
    """Start `pipeline` and take every item it hands over, each released as the writer
    releases a stored feed (which makes room for another body); stopped however it ends."""
    pipeline.start()
    items: list[Fetched] = []
    try:
        for item in pipeline.results():
            items.append(item)
            pipeline.release(item)
    finally:
        pipeline.stop()
    return items
