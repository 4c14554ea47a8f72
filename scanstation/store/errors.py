"""Database errors sorted in one place: the environment's fault (told in words, retried) or a bug."""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Final

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError, StatementError

__all__ = ["KnownError", "StoreError", "Trouble", "causes", "is_busy", "is_disk_full", "known_error", "refused_values"]


class StoreError(Exception):
    """The database cannot be used for a reason that is the environment's, not a bug: say it in words."""


class Trouble(Enum):
    """What in the environment stops the database; the value is the cause in the clerk's words."""

    DISK_FULL = "the disk is full"
    BUSY = "the database is busy (another program holds it)"
    READ_ONLY = "the database cannot be written (read-only disk or permissions)"
    CONNECTION_LOST = "the connection to the database server is lost"
    # Any other operational failure (an I/O error, a file that cannot be opened): PEP 249's
    # OperationalError is for errors "not necessarily under the control of the programmer".
    REFUSED = "the database refuses writes"


@dataclass(frozen=True, slots=True)
class KnownError:
    """A database error that is the environment's fault: waiting, or an administrator, mends it."""

    trouble: Trouble
    detail: str  # the first line of what the driver or the OS said

    @property
    def words(self) -> str:
        """The cause, in words a status line shows."""
        if self.trouble is Trouble.REFUSED:
            return f"{self.trouble.value} ({self.detail[:160]})"
        words: str = self.trouble.value
        return words


# SQLite's fixed text for SQLITE_FULL; the OS's for ENOSPC; PostgreSQL's for SQLSTATE 53100.
_DISK_FULL_WORDS: Final = ("database or disk is full", "no space left", "disk full", "could not extend file")
# SQLITE_BUSY, SQLITE_LOCKED; PostgreSQL's lock_timeout (SQLSTATE 55P03).
_BUSY_WORDS: Final = ("database is locked", "database is busy", "database table is locked", "lock timeout")
# SQLITE_READONLY (and its file-permission variants); PostgreSQL's read-only transaction (25006).
_READ_ONLY_WORDS: Final = ("readonly", "read-only")
# psycopg's words when the server goes away or cannot be reached.
_CONNECTION_WORDS: Final = (
    "server closed the connection",
    "terminating connection",
    "connection refused",
    "could not connect",
    "connection is closed",
    "consuming input failed",
    "connection timeout expired",
)
# SQLite says a broken schema with an OperationalError too; waiting does not mend that: a bug.
_BROKEN_SCHEMA_WORDS: Final = ("no such table", "no such column", "syntax error")


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


def _database_error(err: BaseException) -> bool:
    """SQLAlchemy's wrapper or a driver's own error (sqlite3's or psycopg's, by PEP 249's name)."""
    return isinstance(err, DBAPIError | sqlite3.Error) or any(
        cls.__name__ == "Error" and cls.__module__.startswith("psycopg") for cls in type(err).__mro__
    )


def _says(err: BaseException, words: tuple[str, ...]) -> bool:
    return any(_database_error(cause) and any(w in str(cause).lower() for w in words) for cause in causes(err))


def _operational(err: BaseException) -> bool:
    """An OperationalError (SQLAlchemy's, or a driver's own) that is not a broken schema."""
    text = str(err).lower()
    if any(words in text for words in _BROKEN_SCHEMA_WORDS):
        return False
    return isinstance(err, OperationalError | sqlite3.OperationalError) or (
        type(err).__name__ == "OperationalError" and type(err).__module__.startswith("psycopg")
    )


def _first_line(err: BaseException) -> str:
    return (str(err).splitlines() or [type(err).__name__])[0]


def known_error(err: BaseException) -> KnownError | None:
    """The environment's fault that `err` is, or None: a bug, to be logged with its traceback.

    Every part of the station that touches the database sorts its failures here, so a full disk or a
    locked file is told (and retried) the same way by the receiving worker and the sync loop.
    """
    detail = _first_line(err)
    if is_disk_full(err):
        return KnownError(Trouble.DISK_FULL, detail)
    if is_busy(err):
        return KnownError(Trouble.BUSY, detail)
    if _says(err, _READ_ONLY_WORDS):
        return KnownError(Trouble.READ_ONLY, detail)
    if (isinstance(err, DBAPIError) and err.connection_invalidated) or _says(err, _CONNECTION_WORDS):
        return KnownError(Trouble.CONNECTION_LOST, detail)
    if _operational(err) or isinstance(err, OSError):
        return KnownError(Trouble.REFUSED, detail)
    return None


def is_disk_full(err: BaseException) -> bool:
    """Whether a failed write, or anything it wraps, means the disk (or the database's quota) is full."""
    return any(_full(cause) for cause in causes(err))


def is_busy(err: BaseException) -> bool:
    """Whether a failed write means another connection holds the database's lock (the driver says so)."""
    return _says(err, _BUSY_WORDS)


# PostgreSQL's SQLSTATE for a value past a limit of the server's own, e.g. an index entry over ~2700 bytes.
_PROGRAM_LIMIT_EXCEEDED: Final = "54000"


def refused_values(err: BaseException) -> bool:
    """Whether the database refused a record's values, not the write itself.

    Values: too long, a character or number it cannot hold, past an index's size limit, a driver that
    cannot bind them. Not the record's fault, and never set aside: a full disk, a lock, a lost connection.
    """
    if isinstance(err, DataError | IntegrityError):
        return True
    if isinstance(err, StatementError) and not isinstance(err, DBAPIError):
        return True  # raised while binding a value, before the database saw the statement
    if isinstance(err, OperationalError):
        import psycopg  # only a PostgreSQL station gets here with a psycopg error

        return isinstance(err.orig, psycopg.Error) and err.orig.sqlstate == _PROGRAM_LIMIT_EXCEEDED
    return isinstance(err, UnicodeError | ValueError | OverflowError)
