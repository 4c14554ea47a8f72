"""Files and directories only the station's own user may read, whatever the umask it was started with."""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path
from typing import Final

FILE_MODE: Final = 0o600
DIR_MODE: Final = 0o700
# The station's files hold operators' PIN hashes and customers' names: nobody else on the machine reads them.
PROCESS_UMASK: Final = 0o077


def restrict_process_umask() -> None:
    """Every file and directory this process creates from now on is owner-only (SQLite's WAL/SHM, logs, ...)."""
    os.umask(PROCESS_UMASK)


def private_dir(path: Path) -> Path:
    """Create `path` (and missing parents) owner-only; an existing directory is left as its owner set it."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    for created in missing:
        with contextlib.suppress(OSError):
            os.chmod(created, DIR_MODE)  # mkdir's mode is masked by the umask; chmod is not
    return path


def private_file(path: Path) -> Path:
    """Make sure `path` exists and only its owner may read or write it (created empty when missing).

    SQLite gives a database's -wal and -shm files the mode of the database file, so a database created
    through this is owner-only with its journals. An existing file loses group and other access.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | getattr(os, "O_BINARY", 0), FILE_MODE)
    try:
        mode = stat.S_IMODE(os.fstat(fd).st_mode)
        if mode & 0o077 and hasattr(os, "fchmod"):
            os.fchmod(fd, mode & 0o700)
    finally:
        os.close(fd)
    return path


def tighten(path: Path) -> None:
    """Take group and other access away from an existing file (a no-op when it is missing)."""
    with contextlib.suppress(FileNotFoundError):
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            os.chmod(path, mode & 0o700)


def write_private_atomically(path: Path, data: bytes) -> None:
    """Write `path` owner-only so that it holds the old bytes or all the new ones, never a part.

    A temporary file in the same directory is written, flushed to disk and renamed over `path`.
    """
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, FILE_MODE)  # an earlier leftover of the same name kept its own mode
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    with contextlib.suppress(OSError):  # not every file system lets a directory be opened to fsync it
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
