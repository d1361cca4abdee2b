"""The refresh benchmark's feed server, in a process of its own.

Why a process of its own: served from the benchmark's process, the server's threads (and
its GIL) compete with the benchmark's memory sampler, and the benchmark's ~100 MB corpus sits
in the same address space. As a separate process it answers every measured command alike.

Run by `refresh_bench.py`: `python bench/feed_serve.py DIR [--hosts N] [--latency MS]`
serves the feeds listed in DIR/manifest.json (written by `write_manifest`), writes their
URLs, in order, to DIR/urls.json, prints "ready", and stops when its stdin closes.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Sequence
from email.utils import formatdate
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.feedcorpus import Feed  # noqa: E402
from tests.feedserver import FeedServer  # noqa: E402


def write_manifest(directory: Path, feeds: Sequence[Feed]) -> None:
    """Write each feed's body and what to serve it with, for `serve`."""
    (directory / "bodies").mkdir(parents=True, exist_ok=True)
    manifest = []
    for index, feed in enumerate(feeds):
        name = f"bodies/{index}"
        (directory / name).write_bytes(feed.body)
        manifest.append({"path": feed.path, "file": name, "content_type": feed.content_type,
                         "etag": f'"{index}-{len(feed.body)}"'})
    (directory / "manifest.json").write_text(json.dumps(manifest))


def serve(directory: Path, hosts: int, latency: float) -> list[FeedServer]:
    manifest = json.loads((directory / "manifest.json").read_text())
    hosts = max(1, min(hosts, len(manifest)))
    servers = [FeedServer(f"127.0.0.{i + 1}", latency=latency).start() for i in range(hosts)]
    stamp = formatdate(time.time() - 86400, usegmt=True)
    urls = []
    for index, item in enumerate(manifest):
        server = servers[index % hosts]
        route = server.route(item["path"], (directory / item["file"]).read_bytes(),
                             content_type=item["content_type"], etag=item["etag"],
                             last_modified=stamp, auto_gzip=True)
        route.wire()
        route.gzipped()  # compress now, not while a measured command waits
        urls.append(server.url(item["path"]))
    (directory / "urls.json").write_text(json.dumps(urls))
    return servers


class ServerProcess:
    """Start the server process on `directory` and wait for it; `stop()` ends it."""

    def __init__(self, directory: Path, hosts: int, latency_ms: float) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, str(directory), "--hosts", str(hosts),
             "--latency", str(latency_ms)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if line.strip() != "ready":
            self.stop()
            raise SystemExit(f"the feed server did not start: {line!r}")
        self.urls: list[str] = json.loads((directory / "urls.json").read_text())
        self.pid = self.proc.pid

    def stop(self) -> None:
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.0, help="ms added to each answer")
    opts = parser.parse_args()
    servers = serve(opts.directory, opts.hosts, opts.latency / 1000)
    print("ready", flush=True)
    sys.stdin.read()  # until the benchmark closes our stdin (or exits)
    for server in servers:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
