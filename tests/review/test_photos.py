"""Photos: real image files copied under a folder, refused in words when not photos, removed by a supervisor."""

from __future__ import annotations

import os
import stat
import struct
import zlib
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from scanstation.domain import AuditKind, NotAllowedError
from scanstation.review.photos import MAX_PHOTO_BYTES, PhotoError, Photos, PhotoSource, image_suffix
from scanstation.store.audit import AuditFilter, read
from scanstation.store.connection import Store
from scanstation.store.models import Photo
from tests.diskfull import fill, small_filesystem

from .conftest import CLERK, SUPERVISOR

REF = "registration:p_1"


def png_bytes(width: int = 4, height: int = 3, padding: int = 0) -> bytes:
    """A real PNG (decodable by any viewer), with `padding` bytes of an ancillary chunk to make it bigger."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = b"".join(b"\0" + bytes([200, 40, 40]) * width for _ in range(height))
    header = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    extra = chunk(b"tEXt", b"c\0" + b"x" * padding) if padding else b""
    return b"\x89PNG\r\n\x1a\n" + header + extra + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@pytest.fixture
def photos(sqlite_engine: Store, tmp_path: Path) -> Photos:
    return Photos(sqlite_engine, tmp_path / "data" / "photos", station="st-test")


def _rows(store: Store) -> int:
    with store.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(Photo)).scalar_one())


def test_magic_bytes_tell_the_image_kinds() -> None:
    assert image_suffix(png_bytes()) == ".png"
    assert image_suffix(b"\xff\xd8\xff\xe0\0\x10JFIF") == ".jpg"
    assert image_suffix(b"RIFF\0\0\0\0WEBPVP8 ") == ".webp"
    assert image_suffix(b"BM" + b"\0" * 30) == ".bmp"
    for other in (b"", b"GIF89a", b"%PDF-1.7", b"<svg xmlns=", b"MZ\x90\0"):
        assert image_suffix(other) is None


def test_a_file_is_copied_owner_only_listed_and_audited(engine: Store, tmp_path: Path) -> None:
    photos = Photos(engine, tmp_path / "photos", station="st-test")
    source = tmp_path / "IMG 0001 (1).PNG"
    source.write_bytes(png_bytes())
    info = photos.attach_file(CLERK, REF, source, note="dented corner")
    assert info.path.parent == tmp_path / "photos"
    assert info.file_name == info.id + ".png"  # a new name: nothing of the source's name is used
    assert info.path.read_bytes() == source.read_bytes()
    assert stat.S_IMODE(info.path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "photos").stat().st_mode) == 0o700
    assert [p.name for p in (tmp_path / "photos").iterdir()] == [info.file_name]  # no temporary file left
    captured = photos.add_capture(CLERK, REF, png_bytes(8, 8))
    [other] = [photos.add_capture(SUPERVISOR, "unknown:0a1b", png_bytes())]
    listed = photos.list_photos(REF)
    assert [p.id for p in listed] == [info.id, captured.id]
    assert [p.source for p in listed] == [PhotoSource.FILE, PhotoSource.CAMERA]
    assert listed[0].note == "dented corner" and listed[0].taken_by == CLERK.name
    assert [p.id for p in photos.list_photos("unknown:0a1b")] == [other.id]
    added = read(engine, AuditFilter(kinds=(AuditKind.PHOTO_ADDED.value,)))
    assert [(e.actor, e.target) for e in reversed(added)] == [
        (CLERK.name, REF),
        (CLERK.name, REF),
        (SUPERVISOR.name, "unknown:0a1b"),
    ]
    assert added[-1].after == {"photo": info.id, "file": info.file_name, "source": "file", "bytes": len(png_bytes())}


def test_what_is_not_a_photo_is_refused_with_words(photos: Photos, tmp_path: Path) -> None:
    text = tmp_path / "photo.jpg"
    text.write_text("not really a jpeg")
    cases: list[tuple[Path, str]] = [
        (text, "is not a photo"),
        (tmp_path / "missing.png", "no such file"),
        (tmp_path, "is a folder"),
        (Path("/dev/null"), "is not a file"),
    ]
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    cases.append((fifo, "is not a file"))  # refused at once, never waited on
    big = tmp_path / "huge.png"
    big.write_bytes(png_bytes(padding=MAX_PHOTO_BYTES))
    cases.append((big, "at most 20.0 MB"))
    for path, words in cases:
        with pytest.raises(PhotoError, match=words):
            photos.attach_file(CLERK, REF, path)
    with pytest.raises(PhotoError, match="not a photo"):
        photos.add_capture(CLERK, REF, b"GIF89a....")
    with pytest.raises(PhotoError, match="at most"):
        photos.add_capture(CLERK, REF, b"\xff\xd8\xff" + b"\0" * MAX_PHOTO_BYTES)
    assert _rows(photos.store) == 0
    assert not photos.folder.exists() or list(photos.folder.iterdir()) == []


def test_path_tricks_name_no_parcel_and_reach_no_file(photos: Photos, tmp_path: Path) -> None:
    source = tmp_path / "ok.png"
    source.write_bytes(png_bytes())
    for ref in ("registration:../../etc", "registration:", "scan:a/b", "parcel:1", "registration:p_1\n", "../x"):
        with pytest.raises(PhotoError, match="names no parcel"):
            photos.attach_file(CLERK, ref, source)
    # A link to a system file is read as what it points to, and that is no photo.
    link = tmp_path / "passwd.png"
    link.symlink_to("/etc/passwd")
    with pytest.raises(PhotoError, match="is not a photo"):
        photos.attach_file(CLERK, REF, link)
    info = photos.attach_file(CLERK, REF, source)
    # A row edited by hand to point outside the folder is neither listed nor unlinked.
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    with photos.store.engine.begin() as conn:
        conn.execute(update(Photo).where(Photo.id == info.id).values(file_name="../../victim.txt"))
    assert photos.list_photos(REF) == []
    photos.remove(SUPERVISOR, info.id)
    assert victim.read_text() == "keep me"


def test_removing_needs_a_supervisor_and_is_audited(photos: Photos, tmp_path: Path) -> None:
    info = photos.add_capture(CLERK, REF, png_bytes())
    with pytest.raises(NotAllowedError, match="removing a parcel's photo needs a supervisor"):
        photos.remove(CLERK, info.id)
    assert info.path.exists() and _rows(photos.store) == 1
    [refused] = read(photos.store, AuditFilter(kinds=(AuditKind.REFUSED.value,)))
    assert refused.actor == CLERK.name and refused.target == "photos.remove"
    photos.remove(SUPERVISOR, info.id, "wrong parcel")
    assert not info.path.exists() and photos.list_photos(REF) == []
    [removed] = read(photos.store, AuditFilter(kinds=(AuditKind.PHOTO_REMOVED.value,)))
    assert removed.actor == SUPERVISOR.name and removed.target == REF
    assert removed.before == {"photo": info.id, "file": info.file_name, "source": "camera", "taken_by": CLERK.name}
    assert "wrong parcel" in removed.detail
    with pytest.raises(PhotoError, match="removed already"):
        photos.remove(SUPERVISOR, info.id)


def test_a_full_disk_is_said_in_words_and_leaves_no_partial_file(sqlite_engine: Store, tmp_path: Path) -> None:
    source = tmp_path / "big.png"
    source.write_bytes(png_bytes(padding=600_000))
    with small_filesystem(1024 * 1024) as disk:
        photos = Photos(sqlite_engine, disk / "photos", station="st-test")
        first = photos.attach_file(CLERK, REF, source)  # there is room for one
        fill(disk)
        with pytest.raises(PhotoError, match="the disk is full"):
            photos.attach_file(CLERK, REF, source)
        assert [p.name for p in photos.folder.iterdir()] == [first.file_name]
        assert [p.id for p in photos.list_photos(REF)] == [first.id]


def test_keeping_and_recording_are_apart_and_a_refused_record_leaves_no_file(photos: Photos) -> None:
    kept = photos.keep_capture(REF, png_bytes())  # the file work: no database touched
    assert kept.path.exists() and _rows(photos.store) == 0 and photos.list_photos(REF) == []
    info = photos.record(CLERK, kept)
    assert info.id == kept.photo_id and [p.id for p in photos.list_photos(REF)] == [info.id]
    with photos.store.engine.begin() as conn:  # a database that refuses the row (a real trigger)
        conn.exec_driver_sql(
            "CREATE TRIGGER no_photos BEFORE INSERT ON photos BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
        )
    refused = photos.keep_capture(REF, png_bytes())
    with pytest.raises(IntegrityError, match="disk I/O error"):
        photos.record(CLERK, refused)
    assert not refused.path.exists(), "a file no row names would never be shown nor removed"
    assert [p.name for p in photos.folder.iterdir()] == [info.file_name]
