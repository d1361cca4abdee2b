"""The words a search matched, marked in the article the reader opens from its results.

The match positions come from `reader.store.search.query.match_spans` (whole words, prefixes
for a trailing "*", case and accents folded the way the index folds them), and are laid over the
rendered `Text` as spans: the story's text is never re-parsed, so nothing in it can turn into
markup. Reverse video reads in every theme without naming a colour.
"""

from __future__ import annotations

from rich.style import Style

from reader.render import Rendered
from reader.store.search.query import match_spans

MATCH = Style(reverse=True, bold=True)


def highlight(rendered: Rendered, terms: tuple[str, ...]) -> Rendered:
    """`rendered` with every occurrence of `terms` marked (unchanged when none occur)."""
    spans = match_spans(rendered.text.plain, terms)
    if not spans:
        return rendered
    text = rendered.text.copy()
    for start, end in spans:
        text.stylize(MATCH, start, end)
    return Rendered(text=text, plain=rendered.plain, links=rendered.links)

