"""What Folio's logs would hold: a handler with the same format and filter as bot.py's."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from handlers.log_safety import SafeLogs

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"  # bot.configure_logging's


@contextmanager
def safe_logs(secrets: Sequence[str] = (), level: int = logging.DEBUG) -> Iterator[io.StringIO]:
    """Everything logged meanwhile at `level`, formatted and filtered as in production."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(SafeLogs(secrets))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(level)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
