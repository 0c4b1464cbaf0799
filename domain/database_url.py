"""Database URLs: the driver Folio uses, the password the log filter hides, the URL shown."""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError


def normalise_db_url(url: str) -> str:
    """Use psycopg 3 for postgres:// and postgresql:// URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def database_password(url: str) -> str | None:
    """The password in a database URL (for the log filter), if it has one."""
    try:
        password = make_url(url).password
    except (ArgumentError, ValueError):
        return None
    return str(password) if password else None


def shown_url(url: str) -> str:
    """A database URL without its password, for logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "(an unreadable URL)"
