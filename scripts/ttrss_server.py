"""A real Tiny Tiny RSS on 127.0.0.1, for the sync tests and by hand.

    python scripts/ttrss_server.py up [--port 8181] [--db nr_ttrss] [--dir /tmp/nr-ttrss]
    python scripts/ttrss_server.py down [--dir /tmp/nr-ttrss]

What it needs is the Debian package (`apt-get install --no-install-recommends tt-rss
dbconfig-no-thanks php-pgsql php-curl`) and a PostgreSQL it may start (`service postgresql
start`) and create a role and a database in (as the `postgres` user, so run it as root). It
never touches the package's own configuration in /etc: it copies the web root (8 MB) into
`--dir` with a config.php of its own naming the database, so several servers (one per test
worker, each with its own port and database) run side by side. The database is made fresh
from the package's schema; the user `admin`/`password` exists, with API access off, as the
package ships it. PHP's built-in server serves it; `down` stops that server and drops the
database.

`TtrssServer` is the same thing for Python callers (tests/sync/conftest.py): `missing()` says
in words what is not installed, `start()`/`stop()`/`kill()` run the web server, `sql()` runs
SQL in its database (tests put feeds and stories there: TT-RSS will not fetch feeds from
loopback addresses, and its updater refuses to run as root).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

WWW = Path("/usr/share/tt-rss/www")
SCHEMA = Path("/usr/share/tt-rss/schema/ttrss_schema_pgsql.sql")
PACKAGE_CONFIG = Path("/etc/tt-rss/config.php")
ROLE = "nr_ttrss"
ROLE_PASSWORD = "nr_ttrss"  # a throw-away role on a loopback database made for tests
INSTALL = ("apt-get install --no-install-recommends tt-rss dbconfig-no-thanks php-pgsql "
           "php-curl")
_LOCK = Path("/tmp/newsreader-ttrss-setup.lock")


class ServerError(RuntimeError):
    """The server could not be brought up; the message says why in words."""


def missing() -> str | None:
    """What stops a server from running here, in words (naming the package), or None."""
    if not WWW.is_dir() or not SCHEMA.is_file() or not PACKAGE_CONFIG.is_file():
        return f"the Debian package tt-rss is not installed ({INSTALL})"
    if shutil.which("php") is None:
        return "PHP is not installed (the Debian package php-cli, which tt-rss brings)"
    modules = subprocess.run(["php", "-m"], capture_output=True, text=True, timeout=30).stdout
    if "pdo_pgsql" not in modules:
        return "PHP's PostgreSQL driver is not installed (the Debian package php-pgsql)"
    if shutil.which("psql") is None or shutil.which("pg_isready") is None:
        return "PostgreSQL is not installed (the Debian package postgresql)"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class TtrssServer:
    """One TT-RSS web server on 127.0.0.1:`port` over its own database `db`."""

    def __init__(self, directory: Path, *, port: int | None = None, db: str = "nr_ttrss") -> None:
        self.dir = Path(directory)
        self.port = port or free_port()
        self.db = db
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    # -- the database ------------------------------------------------------------------------
    def prepare(self) -> None:
        """PostgreSQL running, the role, a fresh database with the schema, the web root."""
        problem = missing()
        if problem:
            raise ServerError(problem)
        with _locked():
            _ensure_postgres()
            _as_postgres(f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = "
                         f"'{ROLE}') THEN CREATE ROLE {ROLE} LOGIN PASSWORD '{ROLE_PASSWORD}'; "
                         "END IF; END $$;")
            _as_postgres(f'DROP DATABASE IF EXISTS "{self.db}" WITH (FORCE)')
            _as_postgres(f'CREATE DATABASE "{self.db}" OWNER {ROLE} ENCODING \'UTF8\' '
                         "TEMPLATE template0")
        self.sql(SCHEMA.read_text(encoding="utf-8"))
        self._web_root()

    def sql(self, statements: str) -> str:
        """Run SQL in the server's database; returns psql's unaligned output (rows by line,
        columns by "|")."""
        done = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", ROLE, "-d", self.db, "-v", "ON_ERROR_STOP=1",
             "-q", "-A", "-t", "-X"], input=statements, capture_output=True, text=True,
            timeout=60, env={**os.environ, "PGPASSWORD": ROLE_PASSWORD})
        if done.returncode:
            raise ServerError(f"psql failed: {done.stderr.strip()}")
        return done.stdout

    def drop(self) -> None:
        with contextlib.suppress(ServerError, OSError, subprocess.SubprocessError):
            _as_postgres(f'DROP DATABASE IF EXISTS "{self.db}" WITH (FORCE)')
        shutil.rmtree(self.dir, ignore_errors=True)

    def _web_root(self) -> None:
        www = self.dir / "www"
        shutil.rmtree(www, ignore_errors=True)
        shutil.copytree(WWW, www, symlinks=True)
        for link in [p for p in www.rglob("*") if p.is_symlink()]:
            # The package links to its libraries relatively (lib/gettext -> ../../../php/...):
            # point the copies at the same places.
            target = (WWW / link.relative_to(www)).resolve()
            link.unlink()
            link.symlink_to(target)
        (www / "config.php").unlink()
        for sub in ("lock", "cache/images", "cache/upload", "cache/export", "cache/feeds"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
        text = PACKAGE_CONFIG.read_text(encoding="utf-8")
        names = (f"$dbtype = 'pgsql'; $dbserver = '127.0.0.1'; $dbport = '5432'; "
                 f"$dbuser = '{ROLE}'; $dbname = '{self.db}'; $dbpass = '{ROLE_PASSWORD}';")
        text = text.replace("include_once('/etc/tt-rss/database.php');", names)
        text = text.replace("%SELF_URL_PATH", self.url)
        text = text.replace("'/var/lib/tt-rss'", repr(str(self.dir / "lock")))
        text = text.replace("'/var/cache/tt-rss'", repr(str(self.dir / "cache")))
        text = text.replace("define('LOG_DESTINATION', 'syslog');",
                            "define('LOG_DESTINATION', 'sql');")
        (www / "config.php").write_text(text, encoding="utf-8")

    # -- the web server ----------------------------------------------------------------------
    def start(self, timeout: float = 20.0) -> None:
        """Serve on the port; returns once the API answers."""
        if self.process is not None and self.process.poll() is None:
            return
        deadline = time.monotonic() + timeout
        self.process = self._launch()
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                # Just after a kill the port may not be free yet: php -S then exits at once.
                self.process = self._launch()
            with contextlib.suppress(OSError), socket.create_connection(
                    ("127.0.0.1", self.port), timeout=1):
                if self.process.poll() is None:
                    return
            time.sleep(0.05)  # polling for the port to open, not waiting for work
        log = (self.dir / "php.log").read_text(errors="replace")[-500:]
        raise ServerError(f"TT-RSS did not answer on port {self.port} within {timeout:g} s: "
                          f"{log}")

    def _launch(self) -> subprocess.Popen[bytes]:
        with open(self.dir / "php.log", "ab") as log:
            return subprocess.Popen(
                ["php", "-d", "display_errors=0", "-d", "log_errors=1", "-d",
                 "opcache.enable_cli=1", "-S", f"127.0.0.1:{self.port}", "-t",
                 str(self.dir / "www")],
                stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def kill(self) -> None:
        """SIGKILL: the server goes away mid-answer, as a crash or a pulled cable would."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None

    # -- users -------------------------------------------------------------------------------
    def add_user(self, login: str, *, api: bool = True) -> int:
        """A user whose password is "password" (the hash the schema gives admin)."""
        uid = self.sql(
            f"INSERT INTO ttrss_users (login, pwd_hash, access_level) VALUES ('{login}', "
            "'SHA1:5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8', 0) RETURNING id;").split()[0]
        self.set_api(int(uid), api)
        return int(uid)

    def set_api(self, uid: int, enabled: bool) -> None:
        self.sql(f"DELETE FROM ttrss_user_prefs WHERE owner_uid = {uid} "
                 "AND pref_name = 'ENABLE_API_ACCESS';"
                 "INSERT INTO ttrss_user_prefs (owner_uid, pref_name, value) "
                 f"VALUES ({uid}, 'ENABLE_API_ACCESS', '{'true' if enabled else 'false'}');")


@contextlib.contextmanager
def _locked():  # type: ignore[no-untyped-def]
    """Test workers set up their databases one at a time (CREATE ROLE races otherwise)."""
    with open(_LOCK, "a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _ensure_postgres() -> None:
    if _postgres_ready():
        return
    started = subprocess.run(["service", "postgresql", "start"], capture_output=True,
                             text=True, timeout=120)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if _postgres_ready():
            return
        time.sleep(0.2)  # polling for PostgreSQL to accept connections
    raise ServerError("PostgreSQL is not running and `service postgresql start` did not start "
                      f"it: {(started.stderr or started.stdout).strip()[:300]}")


def _postgres_ready() -> bool:
    return subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1"],
                          timeout=30).returncode == 0


def _as_postgres(statement: str) -> None:
    command = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", "postgres", "-c", statement]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if done.returncode:
        raise ServerError("cannot administer PostgreSQL as the postgres user (run as root): "
                          f"{done.stderr.strip()[:300]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("up", "down"))
    parser.add_argument("--port", type=int, default=8181)
    parser.add_argument("--db", default="nr_ttrss")
    parser.add_argument("--dir", default="/tmp/nr-ttrss")
    opts = parser.parse_args(argv)
    server = TtrssServer(Path(opts.dir), port=opts.port, db=opts.db)
    pidfile = Path(opts.dir) / "php.pid"
    if opts.action == "down":
        with contextlib.suppress(OSError, ValueError, ProcessLookupError):
            os.killpg(int(pidfile.read_text()), signal.SIGTERM)
        server.drop()
        return 0
    try:
        server.prepare()
        server.start()
    except ServerError as exc:
        print(f"ttrss_server: {exc}", file=sys.stderr)
        return 1
    assert server.process is not None
    pidfile.write_text(str(server.process.pid))
    print(f"TT-RSS at {server.url} (user admin, password password; API access is off until "
          f"ENABLE_API_ACCESS is true); stop it with: {sys.argv[0]} down --dir {opts.dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
