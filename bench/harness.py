"""Shared pieces of the whole-path benchmarks: server processes, signed commands, answers.

- `Server`: a gunicorn process started in its own process group (master and workers are
  ended together, also on Ctrl-C), ready once /healthz answers 200; it reads the CPU time
  of its process tree (the kernel's per-process CPU clocks, nanoseconds, all threads, dead
  ones included), the resident memory of each worker (/proc/<pid>/status VmRSS, which
  counts pages shared with the master too) and the PSS of the whole tree (smaps_rollup).
- `Answers`: what arrived at the loopback Slack's response_urls, tagged per request.
- `send_command`: a signed slash command as Slack sends it; its status and ack latency.
- `python -m bench.harness bare`: the baseline, a bare Bolt app whose slash commands ack
  and post one fixed answer to the response_url, under the gunicorn settings Folio's
  `run_http` uses (bind, workers from WEB_CONCURRENCY, threads, timeout, access log, the
  app preloaded in the master) and the same WSGI layer (Flask, Bolt's SlackRequestHandler).
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import IO, Any
from urllib.parse import urlsplit

from console.loopback import Post
from tests.support.slack_requests import sign, slash_command_body

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
BARE_ANSWER = "Bare Bolt: a fixed answer."
CPUCLOCK_SCHED = 2  # Linux: a process's CPU clock id is ((~pid) << 3) | CPUCLOCK_SCHED

_started: list[Server] = []


# ---------------------------------------------------------------------- the machine


def machine() -> str:
    """Cores, CPU model and RAM, from /proc."""
    cores = os.cpu_count() or 0
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    ram_kb = _meminfo().get("MemTotal", 0)
    load = ""
    with contextlib.suppress(OSError):
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return (
        f"{cores} cores ({model or 'unknown CPU'}), {ram_kb / 1024 / 1024:.1f} GiB RAM, load {load}"
    )


def _meminfo() -> dict[str, int]:
    found: dict[str, int] = {}
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            name, _, rest = line.partition(":")
            parts = rest.split()
            if parts and parts[0].isdigit():
                found[name] = int(parts[0])
    return found


def clean_env(**extra: str) -> dict[str, str]:
    """The environment minus every Slack and Folio setting, plus `extra` (as the e2e tests)."""
    from tests.e2e.conftest import clean_env as e2e_clean_env

    return e2e_clean_env(**extra)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    from tests.e2e.conftest import free_port as e2e_free_port

    return e2e_free_port()


# ---------------------------------------------------------------------- processes


def cpu_seconds(pid: int) -> float:
    """The CPU time of one process (all its threads, living and ended), in seconds."""
    try:
        return time.clock_gettime(((~pid) << 3) | CPUCLOCK_SCHED)
    except OSError:  # gone
        return 0.0


def rss_kb(pid: int) -> int:
    """Resident memory of one process (VmRSS), in kB; 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def pss_kb(pid: int) -> int:
    """Proportional set size of one process (shared pages split among their sharers), kB."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid: int) -> list[int]:
    """The child processes of `pid` (gunicorn's workers of its master)."""
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        with contextlib.suppress(OSError):
            found.extend(int(c) for c in (task / "children").read_text().split())
    return sorted(set(found))


class HarnessError(RuntimeError):
    """The harness itself failed (a server that would not start, a request refused)."""


class Server:
    """A gunicorn server in its own process group: ready on /healthz, measurable, stoppable."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        *,
        env: Mapping[str, str],
        cwd: Path,
        log_path: Path,
        port: int,
        workers: int,
    ) -> None:
        self.name = name
        self.argv = argv
        self.env = dict(env)
        self.cwd = cwd
        self.log_path = log_path
        self.port = port
        self.workers = workers
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.ready_at = 0.0
        self._log: IO[bytes] | None = None

    @property
    def base(self) -> str:
        """The server's address on the loopback."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        """The gunicorn master's pid."""
        assert self.process is not None
        return self.process.pid

    def start(self, timeout: float = 90.0) -> float:
        """Start and wait for /healthz 200 with every worker up; the seconds it took."""
        self._log = self.log_path.open("wb")
        _started.append(self)
        self.started_at = time.perf_counter()
        self.process = subprocess.Popen(
            self.argv,
            cwd=self.cwd,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: master and workers end together
        )
        deadline = self.started_at + timeout
        while True:
            if self.process.poll() is not None:
                raise HarnessError(
                    f"{self.name} exited with {self.process.returncode}:\n{self.log()}"
                )
            if time.perf_counter() > deadline:
                raise HarnessError(f"{self.name} not ready after {timeout:.0f} s:\n{self.log()}")
            if self._healthy() and len(self.worker_pids()) >= self.workers:
                self.ready_at = time.perf_counter()
                return self.ready_at - self.started_at
            time.sleep(0.05)

    def _healthy(self) -> bool:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            connection.request("GET", "/healthz")
            return connection.getresponse().status == 200
        except OSError:
            return False
        finally:
            connection.close()

    def worker_pids(self) -> list[int]:
        """The gunicorn workers (children of the master)."""
        return children(self.pid) if self.process is not None else []

    def cpu(self) -> float:
        """CPU seconds of the master and its workers so far."""
        return sum(cpu_seconds(pid) for pid in (self.pid, *self.worker_pids()))

    def worker_rss(self) -> dict[int, int]:
        """Resident memory of each worker, in kB."""
        return {pid: rss_kb(pid) for pid in self.worker_pids()}

    def tree_pss(self) -> int:
        """PSS of the master and its workers, kB: what the server costs the machine in all."""
        return sum(pss_kb(pid) for pid in (self.pid, *self.worker_pids()))

    def log(self, tail: int = 4000) -> str:
        """The end of the server's output."""
        try:
            return self.log_path.read_text(errors="replace")[-tail:]
        except OSError:
            return ""

    def stop(self) -> None:
        """SIGTERM to the process group, SIGKILL if it lingers (idempotent)."""
        process, self.process = self.process, None
        if process is not None:
            _end_group(process)
        if self in _started:
            _started.remove(self)
        if self._log is not None:
            self._log.close()
            self._log = None


def _end_group(process: subprocess.Popen[bytes]) -> None:
    for sig, wait in ((signal.SIGTERM, 20.0), (signal.SIGKILL, 10.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
        # the master is gone; a worker it could not reap still gets the SIGKILL
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        return


def stop_all() -> None:
    """Stop every server this process started and has not stopped yet."""
    for server in list(reversed(_started)):
        server.stop()


@contextlib.contextmanager
def cleaned_up() -> Iterator[None]:
    """Run a block; whatever happens (an error, Ctrl-C, SIGTERM), stop every server after."""

    def terminate(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C doesn't skip the cleanup
        try:
            stop_all()
        finally:
            signal.signal(signal.SIGINT, signal.default_int_handler)
            signal.signal(signal.SIGTERM, previous)


# ---------------------------------------------------------------------- requests and answers


class Answers:
    """When each tagged response_url got its answer (the loopback Slack's on_post hook)."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.texts: dict[str, str] = {}
        self._changed = threading.Condition()

    def on_post(self, post: Post) -> None:
        """Record one visible effect (runs on the fake's server thread)."""
        now = time.perf_counter()
        tag = post.extra.get("message_ts") if post.kind == "response" else None
        if not (isinstance(tag, str) and tag.startswith("bench-")):
            return  # a DM, a file, an App Home: not an answer at a response_url
        with self._changed:
            self.arrived.setdefault(tag, now)
            self.texts.setdefault(tag, post.text)
            self._changed.notify_all()

    def wait(self, tags: list[str], deadline: float) -> None:
        """Wait until every tag has an answer or the deadline (perf_counter) passes."""
        with self._changed:
            while not all(tag in self.arrived for tag in tags):
                remaining = deadline - time.perf_counter()
                if remaining <= 0:
                    return
                self._changed.wait(remaining)

    def at(self, tag: str) -> float | None:
        """When the answer for `tag` arrived (perf_counter), or None."""
        with self._changed:
            return self.arrived.get(tag)


_tags = iter(range(1, 10**9))
_tag_lock = threading.Lock()


def new_tag() -> str:
    """A unique tag for one request's response_url."""
    with _tag_lock:
        return f"bench-{next(_tags)}"


@dataclass(frozen=True)
class Sent:
    """One command sent: its tag, when, the HTTP status (None: no answer) and ack latency."""

    tag: str
    sent_at: float
    status: int | None
    ack_seconds: float


def send_command(
    base: str,
    text: str,
    response_url: str,
    tag: str,
    *,
    team_id: str,
    user_id: str,
    channel_id: str,
    command: str = "/portfolio",
    timeout: float = 30.0,
) -> Sent:
    """POST a signed slash command to /slack/events on a new connection, as Slack does."""
    body = slash_command_body(
        command,
        text,
        team_id=team_id,
        user_id=user_id,
        channel_id=channel_id,
        response_url=response_url,
    )
    headers = sign(body)
    parts = urlsplit(base)
    started = time.perf_counter()
    connection = http.client.HTTPConnection(
        parts.hostname or "127.0.0.1", parts.port, timeout=timeout
    )
    status: int | None
    try:
        connection.request("POST", "/slack/events", body=body.encode(), headers=headers)
        response = connection.getresponse()
        response.read()
        status = response.status
    except OSError:
        status = None
    finally:
        connection.close()
    return Sent(tag, started, status, time.perf_counter() - started)


# ---------------------------------------------------------------------- the bare Bolt app


def bare_wsgi_app(signing_secret: str, token: str, api_url: str) -> Any:
    """A bare Bolt app in Flask: every slash command acks and posts a fixed answer."""
    from flask import Flask, request
    from slack_bolt import Ack, App, Respond
    from slack_bolt.adapter.flask import SlackRequestHandler
    from slack_sdk import WebClient

    app = App(signing_secret=signing_secret, client=WebClient(token=token, base_url=api_url))

    @app.command("/portfolio")
    def portfolio(ack: Ack, respond: Respond) -> None:
        ack()
        respond(text=BARE_ANSWER, response_type="ephemeral")

    flask_app = Flask("bare")
    handler = SlackRequestHandler(app)

    @flask_app.post("/slack/events")
    def slack_events() -> Any:
        return handler.handle(request)

    @flask_app.get("/healthz")
    def healthz() -> Any:
        return {"ok": True}

    return flask_app


def run_bare(env: Mapping[str, str]) -> None:
    """Serve the bare app with the gunicorn settings of bot.run_http."""
    from gunicorn.app.base import BaseApplication

    port = int(env.get("PORT", "3000"))
    workers = int(env.get("WEB_CONCURRENCY", "2"))
    signing_secret = env["SLACK_SIGNING_SECRET"]
    token = env["SLACK_BOT_TOKEN"]
    api_url = env["SLACK_API_URL"]
    logging.basicConfig(level="INFO", format="%(asctime)s %(levelname)s %(name)s %(message)s")

    class BareServer(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:  # as bot.run_http
            self.cfg.set("bind", f"0.0.0.0:{port}")  # as Folio binds
            self.cfg.set("workers", workers)
            self.cfg.set("threads", 4)
            self.cfg.set("timeout", 30)
            self.cfg.set("accesslog", "-")
            self.cfg.set("preload_app", True)  # as Folio: built in the master, workers fork

        def load(self) -> Any:
            return bare_wsgi_app(signing_secret, token, api_url)

    BareServer().run()


if __name__ == "__main__":
    if sys.argv[1:] != ["bare"]:
        sys.exit("usage: python -m bench.harness bare  (settings from the environment)")
    run_bare(os.environ)
