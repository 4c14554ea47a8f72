"""A real small filesystem for disk-full tests: a size-limited tmpfs mounted as root, filled and freed at will."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import pytest

from scanstation.store.connection import Store, close_store, open_store

__all__ = [
    "FILLER_NAME",
    "STORE_DISK_SIZE",
    "fill",
    "free",
    "free_bytes",
    "small_disk",
    "small_disk_store",
    "small_filesystem",
]

FILLER_NAME: Final = "filler.bin"
DEFAULT_SIZE: Final = 4 * 1024 * 1024
STORE_DISK_SIZE: Final = 8 * 1024 * 1024
_CHUNKS: Final = (1024 * 1024, 64 * 1024, 4096, 512, 1)  # large first, then down to the last byte


def _cannot_mount(reason: str) -> None:
    """Skip where a filesystem cannot be mounted; in CI (root, where it must work) fail instead."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI is set, so the disk-full tests must run, not skip", pytrace=False)
    pytest.skip(reason)


@contextlib.contextmanager
def small_filesystem(size_bytes: int = DEFAULT_SIZE) -> Iterator[Path]:
    """Mount a tmpfs of `size_bytes` (rounded up to pages by the kernel) and yield its mount point.

    Needs root (or CAP_SYS_ADMIN): skips with the reason otherwise, fails under CI. Unmounted at the
    end even when something still holds a file open there (a lazy unmount), and the directory removed.
    """
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        _cannot_mount("mounting a small tmpfs needs root")
    mount = shutil.which("mount")
    umount = shutil.which("umount")
    if mount is None or umount is None:
        _cannot_mount("no mount/umount command on this machine")
    assert mount is not None and umount is not None
    point = Path(tempfile.mkdtemp(prefix="scanstation-small-disk-"))
    done = subprocess.run(
        [mount, "-t", "tmpfs", "-o", f"size={size_bytes},mode=0700", "tmpfs", str(point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        point.rmdir()
        _cannot_mount(f"mounting a tmpfs is not permitted here: {done.stderr.strip() or done.returncode}")
    try:
        yield point
    finally:
        if subprocess.run([umount, str(point)], capture_output=True, check=False).returncode != 0:
            subprocess.run([umount, "-l", str(point)], capture_output=True, check=False)
        with contextlib.suppress(OSError):
            point.rmdir()


def fill(path: Path) -> Path:
    """Fill the filesystem holding directory `path` to the last byte with `path/filler.bin`; returns the file.

    Afterwards a write of any size there fails with ENOSPC (an existing filler is grown, not replaced).
    """
    filler = path / FILLER_NAME
    with filler.open("ab", buffering=0) as handle:
        for size in _CHUNKS:
            block = b"\0" * size
            while True:
                try:
                    written = handle.write(block)
                except OSError as err:
                    if err.errno not in (errno.ENOSPC, errno.EDQUOT):
                        raise
                    break
                if not written:
                    break
        with contextlib.suppress(OSError):
            os.fsync(handle.fileno())
    return filler


def free(path: Path) -> None:
    """Give back what `fill(path)` took: remove the filler file (nothing else in `path` is touched)."""
    (path / FILLER_NAME).unlink(missing_ok=True)


def free_bytes(path: Path) -> int:
    """Bytes an unprivileged writer may still write on the filesystem holding `path`."""
    stats = os.statvfs(path)
    return stats.f_bavail * stats.f_frsize


@pytest.fixture
def small_disk() -> Iterator[Path]:
    """An 8 MiB tmpfs for one test (use `fill` / `free` on it): room for a migrated station and its feed."""
    with small_filesystem(STORE_DISK_SIZE) as point:
        yield point


@pytest.fixture
def small_disk_store(small_disk: Path) -> Iterator[Store]:
    """A migrated station, its database and feed files on `small_disk`."""
    store = open_store(f"sqlite:///{small_disk / 'station.db'}")
    try:
        yield store
    finally:
        close_store(store)
