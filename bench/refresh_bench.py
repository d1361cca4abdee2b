"""Cold and warm `newsreader refresh` on a generated corpus, side by side with newsboat.

Run:  .venv/bin/python bench/refresh_bench.py [--feeds N] [--latency MS] [--no-newsboat]

What it does, and why it is built this way:

* It generates N feeds (60% RSS 2.0, 40% Atom; 20-100 entries each; 0.5-8 KB HTML bodies)
  from a fixed seed, so two runs measure the same bytes.
* It serves them from this process on loopback with ETag and Last-Modified (and gzip when the
  client asks), spread over up to 50 addresses 127.0.0.x: real subscriptions live on many
  hosts, and a per-host connection limit must not turn the benchmark into a one-host test.
  `--latency` adds a delay to every answer, like a real network.
* `newsreader` runs as a subprocess against a temporary data directory, exactly as cron would
  run it: `import FILE.opml` (untimed), then `refresh` twice: cold (empty cache, every feed
  downloaded and parsed) and warm (every feed answers 304).
* newsboat, when it is on PATH, reads the same corpus with its defaults and with
  `reload-threads 8`. Its first reload forgets the ETags, so its warm figure is the third reload.
* Reported: wall time, stories/s (cold), peak RSS of the main process (wait4) and the peak of
  the whole process tree (sampled from /proc every 20 ms: our parser workers count too), and
  the CPU seconds of the whole tree: on a machine shared with other jobs the wall times grow
  with their load, the CPU times hardly do. `--rounds N` repeats everything back to back and
  ends with the spread of the cold ratios.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.feedserver import FeedServer  # noqa: E402

# -- the corpus --------------------------------------------------------------------------------

_SYLLABLES = ["ka", "lo", "mi", "ne", "ra", "to", "su", "vi", "den", "mar", "tel", "bor", "qui",
              "sta", "pre", "con", "ver", "al", "in", "ex", "por", "ta", "ge", "shi", "on"]


@dataclass
class Feed:
    path: str
    kind: str  # "rss" | "atom"
    title: str
    body: bytes
    entries: int


class Corpus:
    def __init__(self, seed: int) -> None:
        rng = random.Random(seed)
        self.rng = rng
        self.words = ["".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 4)))
                      for _ in range(3000)]
        self.sentences = [self._sentence() for _ in range(6000)]

    def _sentence(self) -> str:
        words = self.rng.choices(self.words, k=self.rng.randint(6, 22))
        words[0] = words[0].capitalize()
        return " ".join(words) + self.rng.choice([".", ".", ".", "?", "!"])

    def _paragraph(self) -> str:
        text = " ".join(self.rng.choices(self.sentences, k=self.rng.randint(2, 6)))
        roll = self.rng.random()
        if roll < 0.3:
            word = self.rng.choice(self.words)
            text += f' See <a href="https://example.com/{word}/{self.rng.randint(1, 99999)}">' \
                    f"{word}</a>."
        elif roll < 0.45:
            text = f"<strong>{self.rng.choice(self.words)}</strong> " + text
        elif roll < 0.55:
            text += f" <em>{self.rng.choice(self.sentences)}</em>"
        return f"<p>{text}</p>"

    def body(self) -> str:
        target = self.rng.randint(500, 8000)
        parts: list[str] = []
        size = 0
        while size < target:
            roll = self.rng.random()
            if roll < 0.08:
                part = ("<ul>" + "".join(f"<li>{self.rng.choice(self.sentences)}</li>"
                                         for _ in range(self.rng.randint(2, 5))) + "</ul>")
            elif roll < 0.12:
                part = f"<blockquote><p>{self.rng.choice(self.sentences)}</p></blockquote>"
            elif roll < 0.16:
                part = (f'<p><img src="https://img.example.com/{self.rng.randint(1, 10**6)}.jpg"'
                        f' alt="{self.rng.choice(self.words)}"></p>')
            else:
                part = self._paragraph()
            parts.append(part)
            size += len(part)
        return "\n".join(parts)[: max(target, 500)]

    def title(self) -> str:
        return " ".join(self.rng.choices(self.words, k=self.rng.randint(4, 11))).capitalize()

    def feed(self, index: int, base_time: float) -> Feed:
        kind = "rss" if self.rng.random() < 0.6 else "atom"
        count = self.rng.randint(20, 100)
        name = f"{self.title()} {index}"
        site = f"https://site{index}.example.com"
        items: list[str] = []
        for n in range(count):
            when = base_time - n * 3600 - self.rng.randint(0, 3000)
            title = escape(self.title())
            link = f"{site}/{2024 - n // 200}/{index}-{n}.html"
            author = " ".join(self.rng.choices(self.words, k=2)).title()
            body = self.body()
            if kind == "rss":
                content = (f"<description><![CDATA[{body}]]></description>"
                           if self.rng.random() < 0.5 else
                           f"<description>{escape(body[:200])}</description>"
                           f"<content:encoded><![CDATA[{body}]]></content:encoded>")
                items.append(
                    f"<item><title>{title}</title><link>{link}</link>"
                    f'<guid isPermaLink="true">{link}</guid>'
                    f"<pubDate>{formatdate(when, usegmt=True)}</pubDate>"
                    f"<dc:creator>{escape(author)}</dc:creator>"
                    f"<category>{self.rng.choice(self.words)}</category>{content}</item>")
            else:
                stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(when))
                items.append(
                    f"<entry><title>{title}</title><link rel=\"alternate\" href=\"{link}\"/>"
                    f"<id>tag:site{index}.example.com,2024:{n}</id>"
                    f"<published>{stamp}</published><updated>{stamp}</updated>"
                    f"<author><name>{escape(author)}</name></author>"
                    f'<content type="html">{escape(body)}</content></entry>')
        if kind == "rss":
            text = ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
                    'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
                    'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
                    f"<title>{escape(name)}</title><link>{site}/</link>"
                    f"<description>{escape(self.title())}</description>"
                    + "".join(items) + "</channel></rss>")
        else:
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(base_time))
            text = ('<?xml version="1.0" encoding="utf-8"?>\n'
                    '<feed xmlns="http://www.w3.org/2005/Atom">'
                    f"<title>{escape(name)}</title><link href=\"{site}/\"/>"
                    f"<id>tag:site{index}.example.com,2024:feed</id><updated>{stamp}</updated>"
                    + "".join(items) + "</feed>")
        return Feed(f"/feeds/{index}.{'xml' if kind == 'rss' else 'atom'}", kind, name,
                    text.encode("utf-8"), count)


# -- serving -----------------------------------------------------------------------------------

def serve(feeds: list[Feed], hosts: int, latency: float) -> tuple[list[FeedServer], list[str]]:
    servers = [FeedServer(f"127.0.0.{i + 1}", latency=latency).start() for i in range(hosts)]
    urls: list[str] = []
    stamp = formatdate(time.time() - 86400, usegmt=True)
    for index, feed in enumerate(feeds):
        server = servers[index % hosts]
        ctype = "application/rss+xml" if feed.kind == "rss" else "application/atom+xml"
        route = server.route(feed.path, feed.body, content_type=f"{ctype}; charset=utf-8",
                             etag=f'"{index}-{len(feed.body)}"', last_modified=stamp,
                             auto_gzip=True)
        route.wire()
        route.gzipped()  # compress now, not while the clock runs
        urls.append(server.url(feed.path))
    return servers, urls


def opml(feeds: list[Feed], urls: list[str]) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<opml version="2.0"><head>'
             "<title>bench</title></head><body>"]
    for feed, url in zip(feeds, urls, strict=True):
        lines.append(f"<outline type=\"rss\" text={quoteattr(feed.title)} "
                     f"xmlUrl={quoteattr(url)}/>")
    lines.append("</body></opml>")
    return "\n".join(lines)


# -- measuring ---------------------------------------------------------------------------------

@dataclass
class Run:
    wall: float
    main_rss_mb: float
    tree_rss_mb: float
    cpu: float  # user + system seconds of the whole process tree
    status: int
    output: str


# A small launcher between us and the measured command. Linux starts a child's ru_maxrss at
# its parent's RSS (fork copies the counters, exec keeps the maximum), so measuring straight
# from this process, which holds the whole corpus, would report our size, not the command's.
# The launcher is ~10 MB, forks the command, and reports its wall time and exact peak RSS.
_LAUNCHER = """
import os, sys, time
out = sys.argv[1]
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - started
with open(out, "w") as handle:
    handle.write(f"{wall} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""


def _tree_rss(root: int, skip: int, cpu: dict[int, int] | None = None) -> int:
    """Resident bytes of `root`'s descendants (not `skip`), from /proc. Their CPU ticks so
    far go into `cpu` (pid -> the most seen: a process's last sample before it exits)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2:].split()
        parents[int(entry.name)] = int(fields[1])
        rss[int(entry.name)] = int(fields[21])
        ticks[int(entry.name)] = int(fields[11]) + int(fields[12])
    total = 0
    for pid in rss:
        current = pid
        while current and current != root:
            current = parents.get(current, 0)
        if current == root and pid not in (root, skip):
            total += rss[pid]
            if cpu is not None:
                cpu[pid] = max(cpu.get(pid, 0), ticks[pid])
    return total * os.sysconf("SC_PAGE_SIZE")


def measure(command: list[str], env: dict[str, str] | None = None) -> Run:
    with tempfile.NamedTemporaryFile("r", suffix=".txt") as report:
        launcher = subprocess.Popen([sys.executable, "-S", "-c", _LAUNCHER, report.name,
                                     *command], stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        peak = 0
        done = threading.Event()
        ticks: dict[int, int] = {}

        def sample() -> None:
            nonlocal peak
            while not done.wait(0.02):
                peak = max(peak, _tree_rss(launcher.pid, launcher.pid, ticks))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        assert launcher.stdout is not None
        output = launcher.stdout.read().decode("utf-8", "replace")
        launcher.wait()
        done.set()
        sampler.join()
        wall, maxrss, status = report.read().split()
    # Each process's own CPU time, as last seen: parser workers are children of a fork server
    # that nobody waits for, so wait4 would not count them. On a shared machine this, unlike
    # the wall time, does not grow with the other jobs' load.
    cpu = sum(ticks.values()) / os.sysconf("SC_CLK_TCK")
    return Run(float(wall), int(maxrss) / 1024, peak / 2**20, cpu, int(status), output)


def newsreader_command() -> list[str]:
    found = shutil.which("newsreader")
    return [found] if found else [sys.executable, "-m", "reader"]


def run_newsreader(workdir: Path, opml_file: Path) -> tuple[Run, Run, int]:
    data = workdir / "newsreader-data"
    base = newsreader_command() + ["--data-dir", str(data)]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    imported = subprocess.run(base + ["import", str(opml_file)], capture_output=True,
                              text=True, env=env, cwd=ROOT)
    if imported.returncode:
        raise SystemExit(f"newsreader import failed:\n{imported.stdout}{imported.stderr}")
    cold = measure(base + ["refresh"], env)
    warm = measure(base + ["refresh"], env)
    for name, run in (("cold", cold), ("warm", warm)):
        if run.status:
            print(f"newsreader {name} refresh exited {run.status}:\n{run.output[-2000:]}")
    with sqlite3.connect(data / "newsreader.sqlite3") as conn:
        stories = conn.execute("SELECT COUNT(*) FROM stories").fetchone()[0]
    return cold, warm, stories


def run_newsboat(workdir: Path, urls: list[str], threads: int | None) -> tuple[Run, Run, int]:
    home = workdir / f"newsboat-{threads or 'default'}"
    home.mkdir()
    (home / "urls").write_text("\n".join(urls) + "\n")
    (home / "config").write_text(f"reload-threads {threads}\n" if threads else "")
    command = ["newsboat", "-x", "reload", "-u", str(home / "urls"), "-c",
               str(home / "cache.db"), "-C", str(home / "config")]
    env = dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(home), XDG_DATA_HOME=str(home))
    cold = measure(command, env)
    measure(command, env)  # the second reload downloads everything again (ETags lost)
    warm = measure(command, env)
    with sqlite3.connect(home / "cache.db") as conn:
        stories = conn.execute("SELECT COUNT(*) FROM rss_item").fetchone()[0]
    return cold, warm, stories


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", "-n", type=int, default=50, help="number of feeds (50)")
    parser.add_argument("--latency", type=float, default=0.0, help="ms added to each answer")
    parser.add_argument("--hosts", type=int, default=50, help="loopback addresses used (50)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-newsboat", action="store_true", help="skip newsboat")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--rounds", type=int, default=1,
                        help="measure everything this many times, back to back (1)")
    parser.add_argument("--newsboat-configs", default="defaults,8",
                        help="newsboat runs: 'defaults' and/or reload-threads counts "
                             "(defaults,8); at 1,000 feeds each takes minutes")
    opts = parser.parse_args()

    started = time.perf_counter()
    corpus = Corpus(opts.seed)
    base_time = 1_700_000_000.0
    feeds = [corpus.feed(i, base_time) for i in range(opts.feeds)]
    entries = sum(f.entries for f in feeds)
    size = sum(len(f.body) for f in feeds)
    hosts = max(1, min(opts.hosts, opts.feeds))
    servers, urls = serve(feeds, hosts, opts.latency / 1000)
    rss = sum(f.kind == "rss" for f in feeds)
    print(f"corpus: {len(feeds)} feeds ({rss} RSS, {len(feeds) - rss} Atom), {entries:,} "
          f"entries, {size / 2**20:.1f} MB on {hosts} loopback hosts, latency "
          f"{opts.latency:g} ms (made in {time.perf_counter() - started:.1f} s)")
    workdir = Path(tempfile.mkdtemp(prefix="refresh-bench-"))
    ratios: list[tuple[float, float]] = []
    try:
        (workdir / "feeds.opml").write_text(opml(feeds, urls), encoding="utf-8")
        for round_ in range(1, opts.rounds + 1):
            rundir = workdir / f"round-{round_}"
            rundir.mkdir()
            rows: list[tuple[str, Run, Run, int]] = []
            cold, warm, stories = run_newsreader(rundir, workdir / "feeds.opml")
            rows.append(("newsreader", cold, warm, stories))
            if not opts.no_newsboat and shutil.which("newsboat"):
                for threads in [None if c == "defaults" else int(c)
                                for c in opts.newsboat_configs.split(",")]:
                    label = f"newsboat ({f'reload-threads {threads}' if threads else 'defaults'})"
                    rows.append((label, *run_newsboat(rundir, urls, threads)))
            elif not opts.no_newsboat:
                print("newsboat is not on PATH (apt-get install newsboat): ours only")
            if opts.rounds > 1:
                print(f"\nround {round_} of {opts.rounds}, load average {os.getloadavg()[0]:.1f}")
            report(rows, entries)
            if len(rows) > 1:
                ratios.append((rows[-1][1].wall / cold.wall, rows[-1][1].cpu / cold.cpu))
        if len(ratios) > 1:
            walls, cpus = sorted(r[0] for r in ratios), sorted(r[1] for r in ratios)
            print(f"\n{rows[-1][0]} / newsreader over {len(ratios)} rounds, cold: "
                  f"wall {', '.join(f'{r:.2f}' for r in walls)} (median "
                  f"{walls[len(walls) // 2]:.2f}x); CPU median {cpus[len(cpus) // 2]:.2f}x")
    finally:
        for server in servers:
            server.stop()
        if opts.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


def report(rows: list[tuple[str, Run, Run, int]], entries: int) -> None:
    print(f"\n{'':28}{'cold':>9}{'warm':>9}{'stories/s':>11}{'stories':>9}"
          f"{'RSS main':>10}{'RSS tree':>10}{'CPU cold':>10}{'CPU warm':>10}")
    for label, cold, warm, stories in rows:
        print(f"{label:28}{cold.wall:>8.2f}s{warm.wall:>8.2f}s{stories / cold.wall:>11,.0f}"
              f"{stories:>9,}{cold.main_rss_mb:>8.0f}MB{cold.tree_rss_mb:>8.0f}MB"
              f"{cold.cpu:>9.2f}s{warm.cpu:>9.2f}s")
    ours = rows[0]
    for label, cold, warm, _ in rows[1:]:
        print(f"{label} / newsreader: cold {cold.wall / ours[1].wall:.2f}x "
              f"(CPU {cold.cpu / ours[1].cpu:.2f}x), warm {warm.wall / ours[2].wall:.2f}x "
              f"(CPU {warm.cpu / ours[2].cpu:.2f}x)  (above 1: newsreader is faster)")
    if ours[3] != entries:
        print(f"note: newsreader stored {ours[3]:,} stories of {entries:,} entries")


if __name__ == "__main__":
    raise SystemExit(main())
