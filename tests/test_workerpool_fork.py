"""A process with one thread forks its parser workers; any other starts them from a fork server.

Forked workers share the command's pages, and neither a fork server nor a resource tracker
runs beside them, but forking is only safe while no other thread could hold a lock. Each
case runs in a fresh interpreter of its own: pytest's process has threads (the feed servers')."""

# ruff: noqa: F811 - the feed_server fixture is imported and then used as an argument
from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from reader.refresh.parsing import HANDFUL
from reader.store import Store
from reader.workerpool import MOST_WORKERS, default_workers
from tests.feedserver import FeedServer, feed_server  # noqa: F401
from tests.helpers.processes import still_running
from tests.helpers.stories import subscribe

ROOT = Path(__file__).parent.parent

CHILDREN = """
def children():  # this process's children, as the kernel lists them
    import os
    found = []
    for task in os.listdir("/proc/self/task"):
        with open(f"/proc/self/task/{task}/children") as listed:
            found += [int(pid) for pid in listed.read().split()]
    return sorted(found)
"""


def _run(script: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", CHILDREN + script], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


def test_a_single_threaded_process_forks_its_workers_and_nothing_else() -> None:
    got = _run("""
import json, os, resource, signal
from reader.workerpool import ProcessPool
pool = ProcessPool(2, memory_limit=900 * 2**20)
forked = pool.start_forked()
executor = pool.executor()
asked = [executor.submit(os.getppid), executor.submit(resource.getrlimit, resource.RLIMIT_AS),
         executor.submit(signal.getsignal, signal.SIGINT)]
parent, limit, on_ctrl_c = (job.result() for job in asked)
print(json.dumps({"forked": forked, "method": pool.start_method, "parent": parent,
                  "me": os.getpid(), "children": len(children()), "limit": limit[0],
                  "ignores_ctrl_c": on_ctrl_c == signal.SIG_IGN,
                  "mine_still_raises": signal.getsignal(signal.SIGINT)
                                       is signal.default_int_handler}))
pool.shutdown()
""")
    assert got["forked"] is True
    assert got["method"] == "fork"
    assert got["parent"] == got["me"]  # not a fork server's child
    assert got["children"] == 2  # the two workers: no fork server, no resource tracker
    assert got["limit"] == 900 * 2**20
    assert got["ignores_ctrl_c"] is True
    assert got["mine_still_raises"] is True  # preloading here left this process's Ctrl-C alone


@pytest.mark.parametrize(("cores", "workers"), [(1, 1), (2, 2), (3, 3), (4, 4), (8, 4), (64, 4)])
def test_a_pool_runs_a_worker_per_core_up_to_a_few(cores: int, workers: int) -> None:
    """Past four workers the refresh's own thread is the longest path, and each worker that
    has parsed holds megabytes of its own: a 16-core machine gets four, not sixteen."""
    assert default_workers(cores) == workers
    assert MOST_WORKERS == 4


@pytest.mark.parametrize("case", ["one core", "all cores", "cap of one"])
def test_a_pool_forks_as_many_workers_as_its_cores_allow(case: str) -> None:
    """The default count, end to end: pinned to one core, a process forks one worker; on all
    of this machine's, `default_workers` of them; with the cap lowered to one (this machine
    has fewer cores than the real cap), one."""
    got = _run(f"""
import json, os
import reader.workerpool
from reader.workerpool import ProcessPool
if {case!r} == "one core":
    os.sched_setaffinity(0, {{min(os.sched_getaffinity(0))}})
if {case!r} == "cap of one":
    reader.workerpool.MOST_WORKERS = 1
pool = ProcessPool()
forked = pool.start_forked()
print(json.dumps({{"cores": len(os.sched_getaffinity(0)), "workers": pool.workers,
                  "forked": forked, "children": len(children())}}))
pool.shutdown()
""")
    assert got["forked"] is True
    cores = int(got["cores"])  # type: ignore[call-overload]
    expected = {"one core": 1, "all cores": default_workers(cores), "cap of one": 1}[case]
    if case == "one core":
        assert cores == 1
    assert got["workers"] == got["children"] == expected


def test_a_pool_started_again_from_a_thread_uses_the_fork_server() -> None:
    """As after a runaway parse: the forked pool is killed, and the refresh's loop thread
    asks for a pool again. The thread decides it: the process has two."""
    got = _run("""
import json, os, threading
from reader.workerpool import ProcessPool
pool = ProcessPool(1)
assert pool.start_forked()
pool.discard(pool.executor(), kill=True)  # as after a runaway parse
seen = {}
def start():  # the refresh's loop thread asks for the pool again
    seen["from_a_thread"] = pool.start_forked()
    seen["parent"] = pool.executor().submit(os.getppid).result()
thread = threading.Thread(target=start)
thread.start()
thread.join()
print(json.dumps({**seen, "method": pool.start_method, "me": os.getpid(),
                  "starts": pool.starts}))
pool.shutdown()
""")
    assert got["from_a_thread"] is False
    assert got["method"] == "forkserver"
    assert got["parent"] != got["me"]  # the fork server's child
    assert got["starts"] == 2


def test_a_pool_that_may_not_fork_uses_the_fork_server_even_alone() -> None:
    got = _run("""
import json
from reader.workerpool import ProcessPool
pool = ProcessPool(1, may_fork=False)
print(json.dumps({"forked": pool.start_forked(), "running": pool.running}))
""")
    assert got == {"forked": False, "running": False}


REFRESH = """
import json
from reader.service.pool import shared_pool
from reader.service.refresh import refresh
from reader.store import Store
from reader.workerpool import ProcessPool
{patch}
from tests.helpers import forkmark
outcomes = refresh(Store({db!r}))
pool = shared_pool()
network = ["httpx", "asyncio"]
print(json.dumps({{"method": pool.start_method, "starts": pool.starts,
                  "new": sorted(o.new for o in outcomes),
                  "errors": [o.error for o in outcomes if o.error],
                  "here": forkmark.loaded(network),
                  "in_a_worker": pool.running and pool.executor().submit(
                      forkmark.loaded, network).result()}}))
"""


@pytest.fixture
def new_feeds(tmp_path: Path, feed_server: FeedServer) -> tuple[Path, int]:
    """A cache subscribed to more feeds than a handful, none fetched yet: a first refresh."""
    db = tmp_path / "cache.sqlite3"
    store = Store(db)
    count = HANDFUL + 3
    for i in range(count):
        feed_server.route(f"/{i}.xml", body=(
            "<?xml version='1.0'?><rss version='2.0'><channel><title>Feed</title>"
            f"<item><guid>s{i}</guid><title>Story {i}</title>"
            "<description>The harbour reopened.</description></item></channel></rss>"),
            etag=f'"v{i}"')
        subscribe(store, feed_server, f"/{i}.xml")
    store.close()
    return db, count


def test_a_command_refresh_of_many_new_feeds_forks_its_workers(
        new_feeds: tuple[Path, int]) -> None:
    """The command's refresh (through the service, as `newsreader refresh` calls it) forks
    its pool once, before its threads start and before it loads the network code, which
    the workers then never hold; and it reads every feed."""
    db, count = new_feeds
    got = _run(REFRESH.format(patch="", db=str(db)))
    assert (got["method"], got["starts"]) == ("fork", 1)
    assert got["here"] == ["httpx", "asyncio"]
    assert got["in_a_worker"] == []
    assert got["errors"] == []
    assert got["new"] == [1] * count


def test_a_command_refresh_of_feeds_that_answer_not_modified_starts_no_worker(
        new_feeds: tuple[Path, int]) -> None:
    """The refresh cron runs every few minutes: every feed answers 304, and forking workers
    (and loading the parser to share with them) would be start-up spent for nothing."""
    db, count = new_feeds
    first = _run(REFRESH.format(patch="", db=str(db)))
    assert first["new"] == [1] * count  # each feed's ETag is kept
    again = _run(REFRESH.format(patch="", db=str(db)))
    assert again["starts"] == 0
    assert again["errors"] == []
    assert again["new"] == [0] * count


def test_where_no_process_can_start_a_command_refresh_goes_on_in_a_thread(
        new_feeds: tuple[Path, int]) -> None:
    """A sandbox that forbids processes: the early start fails quietly, and the parser's
    own fallback reads every feed in its thread, as it did before the early start."""
    db, count = new_feeds
    patch = ("def cannot_start(self):\n"
             "    raise PermissionError(1, 'Operation not permitted')\n"
             "ProcessPool.executor = cannot_start\n")
    got = _run(REFRESH.format(patch=patch, db=str(db)))
    assert got["starts"] == 0
    assert got["errors"] == []
    assert got["new"] == [1] * count


def test_a_fork_that_fails_halfway_leaves_no_worker_to_wait_for() -> None:
    """The second worker's fork fails (no memory, too many processes): the first, already
    forked, is stopped, so the program still exits (it waited on that worker forever)."""
    got = _run("""
import errno, json, os
from reader.workerpool import ProcessPool
real_fork, forks = os.fork, []
def fork():
    forks.append(1)
    if len(forks) == 2:
        raise OSError(errno.EAGAIN, "Resource temporarily unavailable")
    return real_fork()
os.fork = fork
pool = ProcessPool(2)
print(json.dumps({"forked": pool.start_forked(), "running": pool.running,
                  "forks": len(forks)}))
""")
    assert got == {"forked": False, "running": False, "forks": 2}


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_forked_workers_end_with_the_command_however_it_is_stopped(how: int) -> None:
    """kill -9, or the SIGTERM of `timeout` or systemd, ends the command at once: its workers
    must not stay behind, each waiting forever for a job on a queue that nobody writes."""
    script = CHILDREN + """
import sys
from reader.workerpool import ProcessPool
pool = ProcessPool(2)
assert pool.start_forked()
print(" ".join(str(pid) for pid in children()), flush=True)
sys.stdin.read()  # until the test stops this process
"""
    with subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True, cwd=ROOT) as command:
        assert command.stdout is not None
        workers = [int(pid) for pid in command.stdout.readline().split()]
        assert len(workers) == 2
        try:
            command.send_signal(how)
            command.wait(timeout=60)
            left = still_running(workers, timeout=60)
        finally:
            for pid in workers:
                with contextlib.suppress(ProcessLookupError):  # none left behind, pass or fail
                    os.kill(pid, signal.SIGKILL)
    assert left == []
