"""A throwaway PostgreSQL server for the test suite, or an external one named by the environment.

PostgreSQL refuses to run as root, so when the tests run as root (as CI does) initdb and pg_ctl
run as the `postgres` system user through `runuser`.
"""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

URL_ENV = "FOLIO_TEST_POSTGRES_URL"
REQUIRE_ENV = "FOLIO_REQUIRE_POSTGRES"
DATABASE = "folio_test"
SUPERUSER = "postgres"
SYSTEM_USER = "postgres"
DEBIAN_VERSIONS_DIR = Path("/usr/lib/postgresql")
READY_TIMEOUT_SECONDS = 30
PORT_ATTEMPTS = 3
NOT_FOUND_REASON = (
    "no PostgreSQL server binaries (initdb, pg_ctl) on PATH or in /usr/lib/postgresql/*/bin; "
    f"install the `postgresql` package or set {URL_ENV} to a server's SQLAlchemy URL"
)
# A Unix socket path must fit in sun_path (108 bytes) together with "/.s.PGSQL.NNNNN".
_MAX_SOCKET_DIR_LENGTH = 90

_SERVER_SETTINGS = """
# Folio test settings: throwaway data, so durability is traded for speed.
listen_addresses = '127.0.0.1'
unix_socket_directories = '{socket_dir}'
fsync = off
synchronous_commit = off
full_page_writes = off
timezone = 'UTC'
"""


class PostgresStartError(RuntimeError):
    """PostgreSQL binaries were found but no server could be started; the message says why."""


@dataclass
class PostgresServer:
    """A PostgreSQL server for tests; `url` is a SQLAlchemy URL for its `folio_test` database.

    `cluster_dir` holds the data, socket and log of a server started here (None if external).
    """

    url: str
    cluster_dir: Path | None = None
    _bin_dir: Path | None = field(default=None, repr=False)
    _run_as: str | None = field(default=None, repr=False)
    _stopped: bool = field(default=False, repr=False)

    def stop(self) -> None:
        """Stop the server at once and delete its files; a no-op for an external server."""
        if self._stopped:
            return
        self._stopped = True
        atexit.unregister(self.stop)
        if self._bin_dir is None or self.cluster_dir is None:
            return
        try:
            data_dir = self.cluster_dir / "data"
            if (data_dir / "postmaster.pid").exists():
                _run(
                    [str(self._bin_dir / "pg_ctl"), "stop", "-D", str(data_dir), "-m", "immediate"],
                    run_as=self._run_as,
                    cwd=self.cluster_dir,
                )
        finally:
            shutil.rmtree(self.cluster_dir, ignore_errors=True)


def postgres_required() -> bool:
    """Whether a missing PostgreSQL server is an error (CI, or FOLIO_REQUIRE_POSTGRES=1)."""
    ci = os.environ.get("CI", "").strip().lower()
    return ci in {"true", "1"} or os.environ.get(REQUIRE_ENV, "").strip() == "1"


def find_postgres_bin_dir() -> Path | None:
    """The directory with initdb, pg_ctl and postgres: PATH first, then the newest Debian one."""
    on_path = shutil.which("initdb")
    if on_path is not None:
        bin_dir = Path(on_path).resolve().parent
        if _is_server_bin_dir(bin_dir):
            return bin_dir
    candidates = [d for d in DEBIAN_VERSIONS_DIR.glob("*/bin") if _is_server_bin_dir(d)]
    if not candidates:
        return None
    return max(candidates, key=lambda d: _version_key(d.parent.name))


def start_postgres(base_dir: Path) -> PostgresServer | None:
    """Start a throwaway server with a `folio_test` database under base_dir; None without binaries.

    When FOLIO_TEST_POSTGRES_URL is set, that server is used and nothing is started.
    """
    external = os.environ.get(URL_ENV, "").strip()
    if external:
        return PostgresServer(url=external)
    bin_dir = find_postgres_bin_dir()
    if bin_dir is None:
        return None
    run_as = _service_user() if os.geteuid() == 0 else None
    cluster_dir = _make_cluster_dir(base_dir, run_as)
    server = PostgresServer(url="", _bin_dir=bin_dir, cluster_dir=cluster_dir, _run_as=run_as)
    atexit.register(server.stop)
    try:
        _init_cluster(bin_dir, cluster_dir, run_as)
        port = _start_on_free_port(bin_dir, cluster_dir, run_as)
        _create_database(port)
    except BaseException:
        server.stop()
        raise
    server.url = f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{port}/{DATABASE}"
    return server


def _is_server_bin_dir(directory: Path) -> bool:
    return all(os.access(directory / name, os.X_OK) for name in ("initdb", "pg_ctl", "postgres"))


def _version_key(name: str) -> tuple[int, ...]:
    parts = name.split(".")
    return tuple(int(p) for p in parts) if all(p.isdigit() for p in parts) else (-1,)


def _runuser() -> str | None:
    """runuser's path: on PATH, or in sbin, which a root CI shell may leave off PATH."""
    found = shutil.which("runuser")
    if found is not None:
        return found
    for candidate in ("/usr/sbin/runuser", "/sbin/runuser"):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def _service_user() -> str:
    if _runuser() is None:
        raise PostgresStartError("running as root, but `runuser` is missing (package util-linux)")
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        raise PostgresStartError(
            f"running as root, but there is no `{SYSTEM_USER}` system user to run PostgreSQL as "
            "(the Debian `postgresql` package creates it)"
        ) from None
    return SYSTEM_USER


def _make_cluster_dir(base_dir: Path, run_as: str | None) -> Path:
    """A new private directory for the cluster: in base_dir if run_as can reach it, else in /tmp."""
    base_dir.mkdir(parents=True, exist_ok=True)
    if run_as is None:
        return Path(tempfile.mkdtemp(prefix="postgres-", dir=base_dir))
    account = pwd.getpwnam(run_as)
    # pytest's temporary directories sit under a 0700 root-owned directory the service user
    # cannot traverse; the system temporary directory is the fallback.
    for parent in (base_dir, Path(tempfile.gettempdir())):
        cluster_dir = Path(tempfile.mkdtemp(prefix="folio-postgres-", dir=parent))
        os.chown(cluster_dir, account.pw_uid, account.pw_gid)
        if _run(["test", "-w", str(cluster_dir)], run_as=run_as, cwd=None).returncode == 0:
            return cluster_dir
        shutil.rmtree(cluster_dir, ignore_errors=True)
    raise PostgresStartError(f"user `{run_as}` can write neither under {base_dir} nor in /tmp")


def _init_cluster(bin_dir: Path, cluster_dir: Path, run_as: str | None) -> None:
    data_dir = cluster_dir / "data"
    _check(
        _run(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data_dir),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ],
            run_as=run_as,
            cwd=cluster_dir,
            timeout=120,
        ),
        "initdb",
    )
    socket_dir = cluster_dir / "socket"
    if len(str(socket_dir)) > _MAX_SOCKET_DIR_LENGTH:
        socket_setting = ""  # TCP only: the path would not fit in a Unix socket address
    else:
        socket_dir.mkdir()
        if run_as is not None:
            account = pwd.getpwnam(run_as)
            os.chown(socket_dir, account.pw_uid, account.pw_gid)
        socket_setting = str(socket_dir)
    with (data_dir / "postgresql.conf").open("a", encoding="utf-8") as conf:
        conf.write(_SERVER_SETTINGS.format(socket_dir=socket_setting))


def _start_on_free_port(bin_dir: Path, cluster_dir: Path, run_as: str | None) -> int:
    """Start the server on a free loopback port (retrying if another process takes it first)."""
    log = cluster_dir / "server.log"
    for _ in range(PORT_ATTEMPTS):
        port = _free_port()
        result = _run(
            [
                str(bin_dir / "pg_ctl"),
                "start",
                "-D",
                str(cluster_dir / "data"),
                "-l",
                str(log),
                "-o",
                f"-p {port}",
                "-w",
                "-t",
                str(READY_TIMEOUT_SECONDS),
            ],
            run_as=run_as,
            cwd=cluster_dir,
            timeout=READY_TIMEOUT_SECONDS + 10,
        )
        if result.returncode == 0:
            return port
        server_log = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
        if "could not bind" not in server_log:
            raise PostgresStartError(
                f"pg_ctl start failed (exit {result.returncode}):\n{result.stdout}\n{server_log}"
            )
    raise PostgresStartError(f"no free port after {PORT_ATTEMPTS} attempts; see {log}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _create_database(port: int) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while True:
        try:
            with psycopg.connect(
                host="127.0.0.1",
                port=port,
                user=SUPERUSER,
                dbname="postgres",
                connect_timeout=5,
                autocommit=True,
            ) as connection:
                connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
            return
        except psycopg.OperationalError as error:
            if time.monotonic() > deadline:
                raise PostgresStartError(
                    f"server on port {port} never accepted: {error}"
                ) from error
            time.sleep(0.1)


def _run(
    args: list[str], *, run_as: str | None, cwd: Path | None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run a command (as run_as when given) with output in a file, not a pipe.

    A pipe would be inherited by the postmaster that pg_ctl leaves running and never reach EOF.
    """
    command = args if run_as is None else [_runuser() or "runuser", "-u", run_as, "--", *args]
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as output:
        completed = subprocess.run(
            command,
            cwd=cwd,
            env=_clean_env(),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=False,
        )
        output.seek(0)
        return subprocess.CompletedProcess(command, completed.returncode, output.read(), "")


def _check(result: subprocess.CompletedProcess[str], what: str) -> None:
    if result.returncode != 0:
        raise PostgresStartError(f"{what} failed (exit {result.returncode}):\n{result.stdout}")


def _clean_env() -> dict[str, str]:
    """The environment without libpq's PG* variables, with untranslated C-locale messages."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"
    return env
