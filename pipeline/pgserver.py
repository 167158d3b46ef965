"""An embedded PostgreSQL cluster in a project-local folder, run with the system binaries.

Used by ``akhbar run`` when no ``AKHBAR_DATABASE_URL`` is set, and by the tests. ``initdb``
and ``pg_ctl`` refuse to run as root, so as root they run as the ``postgres`` system user.
The cluster is UTF-8 with the ``C.UTF-8`` locale: with another ctype pg_trgm and
full-text search silently fail on Arabic.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

log = logging.getLogger(__name__)

SEARCH_DIRS = ("/usr/lib/postgresql/{v}/bin",)


class EmbeddedServerError(RuntimeError):
    """The embedded server cannot be started; the message says why and what to do."""


class PostgresNotFound(EmbeddedServerError):
    """No PostgreSQL server binaries on this machine."""


def find_bindir() -> Path:
    """Locate ``initdb``/``pg_ctl``: ``$AKHBAR_PG_BINDIR``, the PATH, then Debian's layout."""
    explicit = os.environ.get("AKHBAR_PG_BINDIR")
    if explicit:
        return Path(explicit)
    for version in range(18, 12, -1):
        candidate = Path(SEARCH_DIRS[0].format(v=version))
        if (candidate / "pg_ctl").exists():
            return candidate
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    raise PostgresNotFound(
        "PostgreSQL server binaries (initdb, pg_ctl) not found: install the 'postgresql' "
        "package or set AKHBAR_PG_BINDIR, or point AKHBAR_DATABASE_URL at a server."
    )


def port_in_use(port: int) -> OSError | None:
    """The error binding 127.0.0.1:``port`` gives, or None when nothing listens there.

    The probe binds as PostgreSQL does, with SO_REUSEADDR: connections a server just
    stopped left in TIME_WAIT would otherwise read as a taken port for a minute after
    `make stop`, though the server itself starts there; a listening socket still counts."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            return exc
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# A night writes gigabytes of WAL (band keys, search entries, mentions). With the default
# 1 GB max_wal_size, a 1M-article dedup ran a checkpoint every 5 seconds, and after each one
# every b-tree page touched was logged whole again. It saves that I/O; with fsync off here,
# the 1M dedup ran no faster for it (README, "Performance"). docker-compose.yml sets the same.
NIGHT_SETTINGS = {"max_wal_size": "8GB", "checkpoint_timeout": "15min"}


@dataclass
class EmbeddedPostgres:
    """A cluster under ``datadir`` listening on 127.0.0.1:``port`` only (no unix socket)."""

    datadir: Path
    port: int
    user: str = "postgres"
    # Extra server settings (name -> value), e.g. a benchmark's shared_buffers; they
    # override NIGHT_SETTINGS.
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def _as_root(self) -> bool:
        return os.geteuid() == 0

    @property
    def password_file(self) -> Path:
        return self.datadir.parent / f"{self.datadir.name}.password"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [str(find_bindir() / args[0]), *args[1:]]
        if self._as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True)

    def _chown(self, path: Path) -> None:
        if self._as_root:
            pw = pwd.getpwnam("postgres")
            os.chown(path, pw.pw_uid, pw.pw_gid)

    def initialized(self) -> bool:
        return (self.datadir / "PG_VERSION").exists()

    def init(self) -> None:
        """Create the cluster (UTF-8, C.UTF-8) with a random password for ``user``."""
        self.datadir.parent.mkdir(parents=True, exist_ok=True)
        self.datadir.mkdir(mode=0o700, exist_ok=True)
        self._chown(self.datadir)
        password = secrets.token_urlsafe(18)
        self.password_file.write_text(password)
        self.password_file.chmod(0o600)
        with tempfile.TemporaryDirectory() as tmp:
            self._chown(Path(tmp))
            pwfile = Path(tmp) / "initdb.pw"
            pwfile.write_text(password)
            self._chown(pwfile)
            proc = self._run("initdb", "-D", str(self.datadir), "-U", self.user, "-E", "UTF8",
                             "--locale=C.UTF-8", "--auth=scram-sha-256", f"--pwfile={pwfile}",
                             check=False)
        if proc.returncode != 0:
            raise EmbeddedServerError(
                f"initdb failed: {proc.stderr.strip() or proc.stdout.strip()}")
        log.info("initialized PostgreSQL cluster in %s", self.datadir)

    def running(self) -> bool:
        return self._run("pg_ctl", "status", "-D", str(self.datadir), check=False).returncode == 0

    def start(self) -> None:
        """Start the server (initializing it first if needed) and wait until it accepts."""
        if not self.initialized():
            self.init()
        if self.running():
            running_on = self.running_port()
            if running_on not in (None, self.port):
                raise EmbeddedServerError(
                    f"the embedded PostgreSQL in {self.datadir} is running on port "
                    f"{running_on}, not {self.port}: set AKHBAR_PG_PORT={running_on}, or stop "
                    "it first (`akhbar db stop`)")
            return
        # Another checkout's embedded server (or any program) on the port would only show
        # as a failed start with the reason in the server log: say it here.
        exc = port_in_use(self.port)
        if exc is not None:
            raise EmbeddedServerError(
                f"port {self.port} on 127.0.0.1 is taken ({exc.strerror}): another "
                "checkout's embedded PostgreSQL or another program listens there. Stop "
                "it (`make stop` in that checkout) or set AKHBAR_PG_PORT to a free port."
            ) from exc
        logfile = self.datadir / "server.log"
        opts = (f"-c listen_addresses=127.0.0.1 -c port={self.port} "
                "-c unix_socket_directories='' -c fsync=off -c max_connections=100")
        settings = {**NIGHT_SETTINGS, **self.settings}
        opts += "".join(f" -c {name}={value}" for name, value in settings.items())
        proc = self._run("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.datadir),
                         "-l", str(logfile), "-o", opts, check=False)
        if proc.returncode != 0:
            raise EmbeddedServerError(f"PostgreSQL did not start: {proc.stderr.strip()} "
                                      f"(see {logfile})")
        self._wait()

    def _wait(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise EmbeddedServerError(f"PostgreSQL on port {self.port} did not come up")

    def running_port(self) -> int | None:
        """The port the running server listens on, from its ``postmaster.pid``."""
        try:
            lines = (self.datadir / "postmaster.pid").read_text().splitlines()
            return int(lines[3])
        except (OSError, IndexError, ValueError):
            return None

    def stop(self) -> None:
        if self.initialized() and self.running():
            self._run("pg_ctl", "stop", "-D", str(self.datadir), "-m", "fast", "-w")

    def url(self, dbname: str = "postgres") -> str:
        password = quote(self.password_file.read_text().strip(), safe="")
        return f"postgresql://{self.user}:{password}@127.0.0.1:{self.port}/{dbname}"

    def ensure_database(self, dbname: str) -> str:
        """Create ``dbname`` (UTF-8, C.UTF-8) if missing and return its URL."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.url(), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                  (dbname,)).fetchone()
            if not exists:
                conn.execute(sql.SQL(
                    "CREATE DATABASE {} ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' "
                    "LC_CTYPE 'C.UTF-8' TEMPLATE template0").format(sql.Identifier(dbname)))
        return self.url(dbname)


def project_server(home: Path, port: int) -> EmbeddedPostgres:
    """The embedded server of a checkout: ``<home>/pgdata``."""
    if not 1 <= port <= 65535:
        raise EmbeddedServerError(f"AKHBAR_PG_PORT={port} is no port (1 to 65535)")
    home = home.resolve()
    home.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        # The postgres user must be able to reach the data folder; where a parent folder
        # shuts it out, the cluster lives in a folder of its own under the temp dir.
        home.chmod(0o755)
        reachable = subprocess.run(["runuser", "-u", "postgres", "--", "test", "-x", str(home)],
                                   capture_output=True).returncode == 0
        if not reachable:
            digest = hashlib.sha1(str(home).encode()).hexdigest()[:10]
            fallback = Path(tempfile.gettempdir()) / f"akhbar-pg-{digest}"
            fallback.mkdir(mode=0o755, exist_ok=True)
            log.warning("postgres cannot reach %s; keeping the cluster in %s", home, fallback)
            home = fallback
    return EmbeddedPostgres(datadir=home / "pgdata", port=port)


def embedded_url(home: Path, port: int, dbname: str = "akhbar") -> str:
    """Start (or reuse) the checkout's embedded server and return the database URL."""
    server = project_server(home, port)
    server.start()
    return server.ensure_database(dbname)


@contextmanager
def throwaway_server(settings: dict[str, str] | None = None) -> Iterator[EmbeddedPostgres]:
    """A cluster in a fresh temporary folder, stopped and removed on exit (tests, benchmarks)."""
    base = Path(tempfile.mkdtemp(prefix="akhbar-pg-"))
    base.chmod(0o755)  # the postgres user (when running as root) must reach it
    server = EmbeddedPostgres(datadir=base / "data", port=free_port(),
                              settings=dict(settings or {}))
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)
