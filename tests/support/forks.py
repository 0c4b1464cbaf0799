"""Run a name-giving function in a forked child, as gunicorn forks its workers."""

from __future__ import annotations

import os
from collections.abc import Callable


def names_in_a_fork(name: Callable[[], str]) -> tuple[str, str, int]:
    """The name twice in a forked child (space-free names), and the child's pid."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report its name, twice, to show it is stable there too
        try:
            os.write(write, f"{name()} {name()}".encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read) as pipe:
        first, second = pipe.read().split()
    return first, second, pid
