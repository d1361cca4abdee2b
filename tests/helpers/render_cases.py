"""Pieces shared by the renderer tests (test_render, test_render_hostile): a fixed clock,
a story with every field filled in, and the plain text of a rendered body."""

from __future__ import annotations

from datetime import UTC, datetime

from reader.models import Story
from reader.render import render_body

# Sat 28 Nov 2026 06:40:00 UTC
NOW = datetime(2026, 11, 28, 6, 40, tzinfo=UTC).timestamp()


def plain(html: str) -> str:
    return render_body(html).plain


def story(**fields: object) -> Story:
    values: dict[str, object] = dict(
        id=1, source_id=1, source_title="Example News", key="k", title="Headline",
        link="https://example.org/story", author="Jane Doe", published=NOW,
        body_html="<p>Body.</p>", lead="", teasers=(), read=False, starred=False)
    values.update(fields)
    return Story(**values)  # type: ignore[arg-type]
