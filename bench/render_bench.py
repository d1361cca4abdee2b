"""How long the article renderer takes on a large body; prints figures.

Run: .venv/bin/python bench/render_bench.py [size_kb]

The body is generated (no network, no fixtures): paragraphs with emphasis and links, lists,
a quote, code, a data table and images, repeated to the requested size, the mix a long
feed article or a saved page has. Reported: the median and best of several runs for
`render_body` without and with a width, and for `render_story`.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reader.models import Story  # noqa: E402
from reader.render import render_body, render_story  # noqa: E402

SECTION = """
<h2>Section {n}: what happened</h2>
<p>The <strong>council</strong> met on <em>Tuesday</em> to discuss the budget, which
according to <a href="https://example.org/news/{n}">the published minutes</a> grew by 4%
compared with last year &mdash; a rise that <a href="https://example.org/report">the
report</a> calls &ldquo;modest&rdquo;. Residents asked for <code>open data</code>.</p>
<p>Second paragraph with a longer run of ordinary text that wraps over several lines in a
narrow pane, mentioning H<sub>2</sub>O, x<sup>2</sup> and <mark>highlighted</mark> words,
<u>underlined</u> and <s>struck</s> ones, and an image <img src="https://example.org/{n}.jpg"
alt="Council chamber">.</p>
<ul><li>First point about roads</li><li>Second point about schools
<ol start="3"><li>nested three</li><li>nested four</li></ol></li><li>Third point</li></ul>
<blockquote><p>We will publish everything online, said the mayor.</p></blockquote>
<pre>total = sum(items)
for item in items:
    print(item)</pre>
<table><caption>Budget</caption><thead><tr><th>Item</th><th>2025</th><th>2026</th></tr>
</thead><tbody><tr><td>Roads</td><td>1,200</td><td>1,300</td></tr>
<tr><td>Schools</td><td>3,400</td><td>3,550</td></tr></tbody></table>
"""


def make_body(size: int) -> str:
    parts: list[str] = []
    total = 0
    n = 0
    while total < size:
        piece = SECTION.format(n=n)
        parts.append(piece)
        total += len(piece)
        n += 1
    return "".join(parts)


def timed(fn, runs: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times)


def main() -> None:
    size = int(sys.argv[1]) * 1024 if len(sys.argv) > 1 else 200 * 1024
    body = make_body(size)
    story = Story(id=1, source_id=1, source_title="Bench", key="k", title="Bench story",
                  link="https://example.org/", author="A. Writer", published=1.8e9,
                  body_html=body, lead="", teasers=(), read=False, starred=False)
    render_body(body)  # warm up imports and caches
    rendered = render_body(body)
    print(f"body: {len(body) / 1024:.0f} KB of HTML, {body.count('<')} tags -> "
          f"{len(rendered.plain) / 1024:.0f} KB of text, {rendered.plain.count(chr(10)) + 1} "
          f"lines, {len(rendered.text.spans)} spans, {len(rendered.links)} links")
    for label, fn in (
        ("render_body", lambda: render_body(body)),
        ("render_body width=80", lambda: render_body(body, width=80)),
        ("render_story", lambda: render_story(story)),
    ):
        median, best = timed(fn, 7)
        print(f"{label:24} median {median:6.1f} ms   best {best:6.1f} ms")


if __name__ == "__main__":
    main()
