"""How well, and how fast, each candidate finds the article in a news page.

Why this exists: the extraction library was chosen by measuring, and ours must be at
least as good as the best library we could build on. The pages are `tests/fixtures/pages/`
(fourteen layouts written for this: live blog, comments, paywall, cookie banner, inline ads,
tables and code, an old table layout, a page where only the feed's summary says which of two
stories is meant ...), each with a hand-made ground truth of its article body.

Scoring is the one public extraction benchmarks use (e.g. the ScrapingHub article-extraction
benchmark, trafilatura's evaluation): lower-case word tokens, bag-of-words precision and
recall against the ground truth, F1 per page, averaged over pages. Time is the median of
`--repeat` runs per page, after one warm-up run (imports and caches are not counted).

    .venv/bin/python bench/extract_bench.py [--repeat 5] [--pages]

readability-lxml is compared when importable. It is not a dependency (it pulls in chardet,
which changes feedparser's encoding fallback), so install it aside and point PYTHONPATH at it:

    .venv/bin/pip install --no-deps --target /tmp/bench-extras readability-lxml chardet cssselect
    PYTHONPATH=/tmp/bench-extras .venv/bin/python bench/extract_bench.py
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reader.decode import decode_bytes  # noqa: E402
from reader.extract import extract_article, html_charset, html_to_text  # noqa: E402

PAGES = ROOT / "tests" / "fixtures" / "pages"
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Case:
    name: str
    html: bytes
    truth: str
    url: str
    title: str
    summary: str


def load_cases() -> list[Case]:
    meta = json.loads((PAGES / "cases.json").read_text(encoding="utf-8"))
    return [
        Case(name, (PAGES / f"{name}.html").read_bytes(),
             (PAGES / f"{name}.txt").read_text(encoding="utf-8"),
             info["url"], info["title"], info["summary"])
        for name, info in meta.items() if not name.startswith("_")
    ]


def tokens(text: str) -> Counter[str]:
    return Counter(_WORD.findall(text.casefold()))


def score(predicted: str, truth: str) -> tuple[float, float, float]:
    """Bag-of-words precision, recall and F1 of `predicted` against `truth`."""
    got, want = tokens(predicted), tokens(truth)
    common = sum((got & want).values())
    if not common:
        return 0.0, 0.0, 0.0
    precision = common / sum(got.values())
    recall = common / sum(want.values())
    return precision, recall, 2 * precision * recall / (precision + recall)


def text_of(fragment: str) -> str:
    """Visible text of an HTML fragment, blocks on their own lines (for scoring only)."""
    if not fragment.strip():
        return ""
    import lxml.html

    try:
        tree = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except Exception:  # noqa: BLE001 - unparseable output scores as its raw text
        return fragment
    for element in tree.iter("script", "style"):
        element.text = ""
    return "\n".join(t.strip() for t in tree.itertext() if t.strip())


# -- the candidates ----------------------------------------------------------------------------

def _decoded(case: Case) -> str:
    return decode_bytes(case.html, html_charset(case.html))


def baseline(case: Case) -> str:
    return html_to_text(_decoded(case))


def _trafilatura(**options: object) -> Callable[[Case], str]:
    import trafilatura

    def run(case: Case) -> str:
        return trafilatura.extract(case.html, url=case.url, **options) or ""  # type: ignore[arg-type]

    return run


def _readability() -> Callable[[Case], str] | None:
    try:
        from readability import Document
    except ImportError:
        return None

    def run(case: Case) -> str:
        return text_of(Document(_decoded(case), url=case.url).summary(html_partial=True))

    return run


def ours(case: Case) -> str:
    article = extract_article(case.html, url=case.url, title_hint=case.title,
                              summary_hint=case.summary)
    return text_of(article.body_html)


def ours_no_hints(case: Case) -> str:
    return text_of(extract_article(case.html, url=case.url).body_html)


def candidates() -> dict[str, Callable[[Case], str]]:
    found: dict[str, Callable[[Case], str]] = {
        "html_to_text (whole page)": baseline,
        "trafilatura defaults": _trafilatura(),
        "trafilatura, no comments": _trafilatura(include_comments=False),
        "trafilatura favor_precision": _trafilatura(include_comments=False, favor_precision=True),
        "trafilatura favor_recall": _trafilatura(include_comments=False, favor_recall=True),
    }
    readability = _readability()
    if readability is not None:
        found["readability-lxml 0.9"] = readability
    found["ours, no hints"] = ours_no_hints
    found["ours (extract_article + hints)"] = ours
    return found


# -- running -----------------------------------------------------------------------------------

@dataclass
class Row:
    name: str
    precision: float
    recall: float
    f1: float
    median_ms: float
    worst_ms: float
    per_page: dict[str, float]


def measure(name: str, run: Callable[[Case], str], cases: list[Case], repeat: int) -> Row:
    p_all, r_all, f_all, times = [], [], [], []
    per_page: dict[str, float] = {}
    for case in cases:
        output = run(case)  # warm-up, and the output that is scored
        spent = []
        for _ in range(repeat):
            start = time.perf_counter()
            run(case)
            spent.append(time.perf_counter() - start)
        times.append(statistics.median(spent) * 1000)
        p, r, f = score(output, case.truth)
        p_all.append(p)
        r_all.append(r)
        f_all.append(f)
        per_page[case.name] = f
    return Row(name, statistics.fmean(p_all), statistics.fmean(r_all), statistics.fmean(f_all),
               statistics.median(times), max(times), per_page)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per page")
    parser.add_argument("--pages", action="store_true", help="also print F1 per page")
    args = parser.parse_args()
    cases = load_cases()
    rows = [measure(name, run, cases, args.repeat) for name, run in candidates().items()]
    print(f"{len(cases)} pages in {PAGES.relative_to(ROOT)}; token F1 (bag of words), "
          f"time = median of {args.repeat} runs per page\n")
    width = max(len(r.name) for r in rows)
    print(f"| {'extractor':<{width}} | precision | recall |  F1   | median ms | worst ms |")
    print(f"|{'-' * (width + 2)}|-----------|--------|-------|-----------|----------|")
    for r in rows:
        print(f"| {r.name:<{width}} |   {r.precision:.3f}   | {r.recall:.3f}  | {r.f1:.3f} |"
              f" {r.median_ms:9.1f} | {r.worst_ms:8.1f} |")
    if args.pages:
        short = [r.name.split(" (")[0].replace("trafilatura", "traf")[:14] for r in rows]
        print("\nF1 per page\n")
        print("| page | " + " | ".join(short) + " |")
        print("|---" * (len(rows) + 1) + "|")
        for case in cases:
            print(f"| {case.name} | " + " | ".join(f"{r.per_page[case.name]:.2f}" for r in rows)
                  + " |")


if __name__ == "__main__":
    main()
