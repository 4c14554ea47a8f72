"""What a database error means for the station: a full disk, a busy database, told apart the same everywhere."""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from typing import Final

from sqlalchemy.exc import DBAPIError

# SQLite's fixed text for SQLITE_FULL; the OS's for ENOSPC; PostgreSQL's for SQLSTATE 53100.
_DISK_FULL_WORDS: Final = ("database or disk is full", "no space left", "disk full", "could not extend file")
_BUSY_WORDS: Final = ("database is locked", "database is busy")


def causes(err: BaseException) -> Iterator[BaseException]:
    """The error, what it wraps (SQLAlchemy's DBAPI error), and what caused it."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [err]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, DBAPIError):
            orig = current.orig
            pending.append(orig if isinstance(orig, BaseException) else None)
        pending += [current.__cause__, current.__context__]


def _full(err: BaseException) -> bool:
    if isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    text = str(err).lower()
    return any(words in text for words in _DISK_FULL_WORDS)


def is_disk_full(err: BaseException) -> bool:
    """Whether a failed write, or anything it wraps, means the disk (or the database's quota) is full."""
    return any(_full(cause) for cause in causes(err))


def is_busy(err: BaseException) -> bool:
    """Whether a failed write means another connection holds the database's lock (the driver says so)."""
    return any(
        isinstance(cause, sqlite3.OperationalError | DBAPIError) and any(w in str(cause).lower() for w in _BUSY_WORDS)
        for cause in causes(err)
    )
