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
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reader.models import Story  # noqa: E402
from reader.render import render_body, render_story  # noqa: E402

# A long article: mostly prose with inline links and emphasis, now and then a list, a
# figure, a quote, code, and (rarely) a table.
PARAGRAPH = """<p>The <a href="https://example.org/council/{n}">city council</a> met on
<em>Tuesday</em> to discuss the budget for the coming year, which according to the minutes
grew by four per cent compared with last year &mdash; a rise that officials called
&ldquo;modest&rdquo; and that opposition members described as
<strong>unsustainable</strong> given the state of the roads, the schools and the
libraries. Residents who spoke at the meeting asked for the spending data to be published
as <a href="https://example.org/data">open data</a>, and for the minutes to include the
names of those who voted, which the mayor promised for the next session in
September.</p>
"""
EXTRAS = (
    """<ul><li>Roads: resurfacing of the ring road</li><li>Schools: two new buildings</li>
<li>Libraries: longer opening hours</li></ul>
""",
    """<figure><img src="https://example.org/img/{n}.jpg" alt="The council chamber">
<figcaption>The council chamber on Tuesday.</figcaption></figure>
""",
    """<blockquote><p>We will publish everything online, as soon as the accounts are
audited, said the mayor.</p></blockquote>
""",
    """<pre>total = sum(items)
for item in items:
    print(item)</pre>
""",
    """<table><caption>Budget</caption><thead><tr><th>Item</th><th>2025</th><th>2026</th></tr>
</thead><tbody><tr><td>Roads</td><td>1,200</td><td>1,300</td></tr>
<tr><td>Schools</td><td>3,400</td><td>3,550</td></tr></tbody></table>
""",
)

# A stress case: every kind of element in every 1.2 KB.
DENSE = """
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


def make_article(size: int) -> str:
    parts: list[str] = []
    total = n = 0
    while total < size:
        piece = f"<h2>Part {n}</h2>\n" + PARAGRAPH.format(n=n) * 4
        piece += EXTRAS[n % len(EXTRAS)].format(n=n) if n % 2 else ""
        parts.append(piece)
        total += len(piece)
        n += 1
    return "".join(parts)


def make_dense(size: int) -> str:
    parts: list[str] = []
    total = n = 0
    while total < size:
        piece = DENSE.format(n=n)
        parts.append(piece)
        total += len(piece)
        n += 1
    return "".join(parts)


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median and best CPU milliseconds (CPU time: the machine may be shared)."""
    times = []
    for _ in range(runs):
        start = time.process_time()
        fn()
        times.append((time.process_time() - start) * 1000)
    return statistics.median(times), min(times)


def main() -> None:
    size = int(sys.argv[1]) * 1024 if len(sys.argv) > 1 else 200 * 1024
    for name, body in (("article", make_article(size)), ("dense", make_dense(size))):
        story = Story(id=1, source_id=1, source_title="Bench", key="k", title="Bench story",
                      link="https://example.org/", author="A. Writer", published=1.8e9,
                      body_html=body, lead="", teasers=(), read=False, starred=False)
        rendered = render_body(body)  # also warms up imports and caches
        print(f"{name}: {len(body) / 1024:.0f} KB of HTML, {body.count('<')} tags -> "
              f"{len(rendered.plain) / 1024:.0f} KB of text, "
              f"{rendered.plain.count(chr(10)) + 1} lines, {len(rendered.text.spans)} spans, "
              f"{len(rendered.links)} links")
        for label, fn in (
            ("render_body", lambda: render_body(body)),  # noqa: B023
            ("render_body width=80", lambda: render_body(body, width=80)),  # noqa: B023
            ("render_story", lambda: render_story(story)),  # noqa: B023
        ):
            median, best = timed(fn, 9)
            print(f"  {label:22} median {median:6.1f} ms   best {best:6.1f} ms (CPU)")


if __name__ == "__main__":
    main()
