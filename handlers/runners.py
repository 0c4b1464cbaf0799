"""A runner's name: who holds a claim (inbox rows, digest postings) in this process."""

from __future__ import annotations

import os
import socket
import uuid


class RunnerName:
    """The name given, else `host:pid:random`, made in the process that claims.

    gunicorn's workers fork from the master that built the app: workers sharing the
    master's name would each renew and settle claims another holds, and a takeover would
    go unnoticed. So the name is made (once) in each process that asks for it.
    """

    def __init__(self, given: str | None = None) -> None:
        self._given = given
        self._named: tuple[int, str] | None = None  # (pid, name) when the name is made here

    def get(self) -> str:
        """This process's name (stable within it)."""
        if self._given:
            return self._given
        pid = os.getpid()
        if self._named is None or self._named[0] != pid:
            self._named = (pid, f"{socket.gethostname()}:{pid}:{uuid.uuid4().hex[:8]}")
        return self._named[1]
