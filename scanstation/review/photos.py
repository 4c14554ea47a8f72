"""Photos kept with a parcel: image files copied under the data directory, listed, removed by a supervisor."""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import stat
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Row, delete, insert, select

from scanstation import paths
from scanstation.access.refusals import check
from scanstation.domain import Act, Actor, AuditKind, storable_text, utcnow
from scanstation.private import private_dir, write_private_atomically
from scanstation.store import audit
from scanstation.store.connection import Store
from scanstation.store.engine import write_transaction
from scanstation.store.models import Photo

__all__ = [
    "MAX_PHOTO_BYTES",
    "PHOTO_SERVICES",
    "KeptFile",
    "PhotoError",
    "PhotoInfo",
    "PhotoSource",
    "Photos",
    "image_suffix",
    "parcel_ref_of_registration",
]

log = logging.getLogger(__name__)

# A phone's or a webcam's photo is a few MB; more than this is not a parcel photo (or a disk being filled).
MAX_PHOTO_BYTES: Final = 20 * 1024 * 1024
# The services a customer pays for that the clerk answers with a photo (feed codes, see devserver/wire.py).
PHOTO_SERVICES: Final = ("photo", "photo_contents")
_NOTE_MAX: Final = 2_000
# registration:<id>, unknown:<uuid>, scan:<uuid>: the ids the feed and the station make, nothing a path could be.
_PARCEL_REF: Final = re.compile(r"(registration|unknown|scan):[A-Za-z0-9_.\-]{1,64}")
_FILE_NAME: Final = re.compile(r"[0-9a-f]{32}\.(jpg|png|webp|bmp)")


class PhotoSource(StrEnum):
    FILE = "file"
    CAMERA = "camera"


class PhotoError(ValueError):
    """A photo refused or not kept; its message says why in words (not an image, too big, the disk full)."""


@dataclass(frozen=True, slots=True)
class PhotoInfo:
    """One photo of a parcel as its row says, with where its file is."""

    id: str
    parcel_ref: str
    file_name: str
    path: Path
    taken_at: datetime
    taken_by: str
    source: PhotoSource
    note: str


@dataclass(frozen=True, slots=True)
class KeptFile:
    """An image written into the photos folder and not yet named in the database (Photos.record does that)."""

    parcel_ref: str
    file_name: str
    path: Path
    source: PhotoSource
    size: int

    @property
    def photo_id(self) -> str:
        return self.path.stem


def parcel_ref_of_registration(registration_id: str) -> str:
    """The parcel_ref of a registered parcel's photos."""
    return f"registration:{registration_id}"


def image_suffix(head: bytes) -> str | None:
    """The file suffix of the image these first bytes begin (JPEG, PNG, WebP, BMP), by their magic; else None."""
    if head.startswith(b"\xff\xd8\xff"):
        return ".jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return ".png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ".webp"
    if head.startswith(b"BM") and len(head) >= 26:
        return ".bmp"
    return None


def _size_words(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


class Photos:
    """The photos of parcels in one folder (default `<data dir>/photos`) and the `photos` table of `store`.

    Attaching needs only a logged-in operator (the clerk takes the photo a customer paid for); removing
    needs a supervisor, checked here through access.refusals (a refusal is audited). Every photo added or
    removed is audited in the transaction that writes its row.
    """

    def __init__(self, store: Store, folder: Path | None = None, *, station: str = "") -> None:
        self.store = store
        self.folder = folder if folder is not None else paths.photos_dir()
        self.station = station

    # ----- adding -----------------------------------------------------------------------------------------

    def attach_file(self, actor: Actor, parcel_ref: str, source: Path, note: str = "") -> PhotoInfo:
        """Copy the image file `source` into the photos folder for `parcel_ref`; PhotoError says why not."""
        return self.record(actor, self.keep_file(parcel_ref, source), note)

    def add_capture(self, actor: Actor, parcel_ref: str, data: bytes, note: str = "") -> PhotoInfo:
        """Keep a camera's image (encoded bytes) for `parcel_ref`, checked as a file is."""
        return self.record(actor, self.keep_capture(parcel_ref, data), note)

    # The two halves of adding, for a caller that keeps the file work off the thread that writes the database:
    # keeping touches only the photos folder, recording only the database.

    def keep_file(self, parcel_ref: str, source: Path) -> KeptFile:
        """Check `source` is an image and write its copy into the photos folder; PhotoError says why not."""
        _check_ref(parcel_ref)
        return self._keep(parcel_ref, _read_image_file(source), PhotoSource.FILE)

    def keep_capture(self, parcel_ref: str, data: bytes) -> KeptFile:
        """Check a camera's bytes are an image and write them into the photos folder; PhotoError says why not."""
        _check_ref(parcel_ref)
        if len(data) > MAX_PHOTO_BYTES:
            raise PhotoError(f"the photo is {_size_words(len(data))}: at most {_size_words(MAX_PHOTO_BYTES)}")
        return self._keep(parcel_ref, data, PhotoSource.CAMERA)

    def _keep(self, parcel_ref: str, data: bytes, source: PhotoSource) -> KeptFile:
        suffix = image_suffix(data[:32])
        if suffix is None:
            raise PhotoError("not a photo: the file is none of JPEG, PNG, WebP or BMP")
        file_name = uuid.uuid4().hex + suffix
        try:
            folder = private_dir(self.folder)
        except OSError as err:
            raise PhotoError(f"the photos folder {self.folder} cannot be made: {_os_words(err)}") from None
        target = folder / file_name
        try:
            # A temporary file beside it, fsync, rename: a full disk or a crash leaves no half photo.
            write_private_atomically(target, data)
        except OSError as err:
            raise PhotoError(f"the photo was not kept: {_os_words(err)}") from None
        return KeptFile(parcel_ref, file_name, target, source, len(data))

    def record(self, actor: Actor, kept: KeptFile, note: str = "") -> PhotoInfo:
        """Name a kept file in the database for its parcel, audited; when that fails the file is removed."""
        photo_id, parcel_ref, file_name, source = kept.photo_id, kept.parcel_ref, kept.file_name, kept.source
        taken_at = utcnow()
        note = storable_text(note, _NOTE_MAX)
        try:
            with write_transaction(self.store) as conn:
                conn.execute(
                    insert(Photo).values(
                        id=photo_id,
                        parcel_ref=parcel_ref,
                        file_name=file_name,
                        taken_at=taken_at,
                        taken_by=actor.name,
                        source=source.value,
                        note=note,
                    )
                )
                audit.append(
                    conn,
                    station=self.station,
                    actor=actor,
                    kind=AuditKind.PHOTO_ADDED,
                    target=parcel_ref,
                    after={"photo": photo_id, "file": file_name, "source": source.value, "bytes": kept.size},
                    detail=f"photo {file_name} ({source.value}, {kept.size} bytes) kept with {parcel_ref}",
                    at=taken_at,
                )
        except BaseException:
            # No row, no file: a photo the database does not name would never be shown nor removed.
            with contextlib.suppress(OSError):
                kept.path.unlink()
            raise
        return PhotoInfo(photo_id, parcel_ref, file_name, kept.path, taken_at, actor.name, source, note)

    # ----- reading ----------------------------------------------------------------------------------------

    def list_photos(self, parcel_ref: str) -> list[PhotoInfo]:
        """The photos of `parcel_ref`, oldest first (ix_photos_parcel_ref); no role needed to see them."""
        _check_ref(parcel_ref)
        with self.store.connect() as conn:
            rows = conn.execute(
                select(Photo.__table__).where(Photo.parcel_ref == parcel_ref).order_by(Photo.taken_at, Photo.id)
            ).all()
        return [self._info(row) for row in rows if _FILE_NAME.fullmatch(row.file_name)]

    def _info(self, row: Row[Any]) -> PhotoInfo:
        return PhotoInfo(
            id=row.id,
            parcel_ref=row.parcel_ref,
            file_name=row.file_name,
            path=self.folder / row.file_name,
            taken_at=row.taken_at,
            taken_by=row.taken_by,
            source=PhotoSource(row.source),
            note=row.note,
        )

    # ----- removing ---------------------------------------------------------------------------------------

    def remove(self, actor: Actor, photo_id: str, note: str = "") -> PhotoInfo:
        """Remove one photo (its row, audited, then its file); supervisors and up; PhotoError when there is none."""
        check(self.store, actor, Act.REMOVE_PHOTO, station=self.station)
        with write_transaction(self.store) as conn:
            row = conn.execute(select(Photo.__table__).where(Photo.id == photo_id)).first()
            if row is None:
                raise PhotoError(f"no photo {photo_id!r}: removed already?")
            conn.execute(delete(Photo).where(Photo.id == photo_id))
            audit.append(
                conn,
                station=self.station,
                actor=actor,
                kind=AuditKind.PHOTO_REMOVED,
                target=row.parcel_ref,
                before={"photo": row.id, "file": row.file_name, "source": row.source, "taken_by": row.taken_by},
                detail=storable_text(f"photo {row.file_name} removed from {row.parcel_ref}: {note}".rstrip(": ")),
            )
        info = self._info(row)
        # Only a name this module makes is ever unlinked: a row edited by hand cannot point outside the folder.
        if _FILE_NAME.fullmatch(info.file_name):
            try:
                info.path.unlink(missing_ok=True)
            except OSError as err:  # the row is gone, so the photo is; the file is only space now
                log.warning("photo %s removed, its file %s stays: %s", info.id, info.path, err)
        return info


def _check_ref(parcel_ref: str) -> None:
    if not _PARCEL_REF.fullmatch(parcel_ref):
        raise PhotoError(f"{parcel_ref!r} names no parcel (registration:<id>, unknown:<id> or scan:<id>)")


def _os_words(err: OSError) -> str:
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        return "the disk is full; free some space or call the administrator"
    return err.strerror or str(err)


def _read_image_file(source: Path) -> bytes:
    """The bytes of a regular image file of at most MAX_PHOTO_BYTES; PhotoError in words for anything else."""
    # O_NONBLOCK: a FIFO or a device opened by mistake is refused by fstat, never waited on.
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(source, flags)
    except FileNotFoundError:
        raise PhotoError(f"{source.name}: no such file") from None
    except IsADirectoryError:
        raise PhotoError(f"{source.name} is a folder, not a photo") from None
    except OSError as err:
        raise PhotoError(f"{source.name} cannot be read: {_os_words(err)}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise PhotoError(f"{source.name} is a folder, not a photo")
        if not stat.S_ISREG(info.st_mode):
            raise PhotoError(f"{source.name} is not a file (a device or a pipe?)")
        if info.st_size > MAX_PHOTO_BYTES:
            raise PhotoError(
                f"{source.name} is {_size_words(info.st_size)}: a photo may be at most {_size_words(MAX_PHOTO_BYTES)}"
            )
        head = os.read(fd, 32)
        if image_suffix(head) is None:
            raise PhotoError(f"{source.name} is not a photo: none of JPEG, PNG, WebP or BMP")
        chunks = [head]
        total = len(head)
        while total <= MAX_PHOTO_BYTES:  # the file may grow while it is read: never more than the limit
            chunk = os.read(fd, 1024 * 1024)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > MAX_PHOTO_BYTES:
            raise PhotoError(f"{source.name} is over {_size_words(MAX_PHOTO_BYTES)}: a photo may be at most that")
        return b"".join(chunks)
    except OSError as err:
        raise PhotoError(f"{source.name} cannot be read: {_os_words(err)}") from None
    finally:
        os.close(fd)
