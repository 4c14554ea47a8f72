"""The photo strip as people use it: thumbnails, a larger view, attaching files, a camera (a fake one: none here)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from scanstation.domain import Actor, Role, Scan
from scanstation.gui import qt
from scanstation.gui.operations import OperationRunner
from scanstation.gui.photos import Camera, Cameras, PhotoStrip, QtCameras
from scanstation.review.photos import Photos, PhotoSource
from scanstation.store.connection import Store
from tests.review.test_photos import png_bytes

from .conftest import Station

pytestmark = pytest.mark.gui

CLERK = Actor("anna", Role.CLERK)
SUPERVISOR = Actor("boris", Role.SUPERVISOR)
REF = "registration:p_9"


class FakeCamera(Camera):
    """A camera that answers every capture with a 64 x 48 picture, a moment later (as a real one does)."""

    def __init__(self, parent: qt.QObject, owner: FakeCameras) -> None:
        super().__init__(parent)
        self._owner = owner

    def capture(self) -> None:
        image = qt.QImage(64, 48, qt.QImage.Format.Format_RGB32)
        image.fill(qt.QColor("#2e7d32"))
        qt.QTimer.singleShot(0, lambda: self.captured.emit(image))

    def close(self) -> None:
        self._owner.closed += 1


class FakeCameras(Cameras):
    def __init__(self) -> None:
        self.opened = 0
        self.closed = 0

    def name(self) -> str | None:
        return "Fake camera"

    def open(self, parent: qt.QObject) -> Camera:
        self.opened += 1
        return FakeCamera(parent, self)


class NoCameras(Cameras):
    def name(self) -> str | None:
        return None

    def open(self, parent: qt.QObject) -> Camera:
        raise AssertionError("there is no camera to open")


def _on_a_thread(work: Any) -> None:
    threading.Thread(target=work, name="photo-work").start()


@pytest.fixture
def runner() -> OperationRunner:
    return OperationRunner(_on_a_thread)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "photos"


def _strip(
    qtbot: Any, store: Store, runner: OperationRunner, folder: Path, actor: Actor, cameras: Cameras
) -> PhotoStrip:
    strip = PhotoStrip(store, lambda: actor, REF, runner, station="st-gui", folder=folder, cameras=cameras)
    qtbot.addWidget(strip)
    strip.show()
    qtbot.waitUntil(lambda: not strip.thumbnails.isHidden())
    return strip


def _wait_listed(qtbot: Any, strip: PhotoStrip, count: int) -> None:
    qtbot.waitUntil(lambda: strip.thumbnails.count() == count, timeout=10_000)


def test_the_strip_shows_a_thumbnail_of_each_photo_and_a_click_shows_it_larger(
    qtbot: Any, sqlite_engine: Store, runner: OperationRunner, folder: Path
) -> None:
    photos = Photos(sqlite_engine, folder)
    big = photos.add_capture(CLERK, REF, png_bytes(1600, 1000))
    photos.add_capture(CLERK, REF, png_bytes(20, 30))
    photos.add_capture(CLERK, "registration:other", png_bytes())
    strip = _strip(qtbot, sqlite_engine, runner, folder, CLERK, NoCameras())
    _wait_listed(qtbot, strip, 2)
    first = strip.thumbnails.item(0)
    icon = first.icon().pixmap(qt.QSize(256, 256))
    assert not icon.isNull() and max(icon.width(), icon.height()) == 128  # scaled to the strip, not the file
    assert "anna" in first.toolTip()
    rect = strip.thumbnails.visualItemRect(first)
    qtbot.mouseClick(strip.thumbnails.viewport(), qt.Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: bool(strip.views) and not strip.views[0].shown_size().isEmpty(), timeout=10_000)
    [view] = strip.views
    assert view.photo.id == big.id
    assert view.shown_size() == qt.QSize(1200, 750)  # larger, still fit to a screen
    assert view.remove_button.isHidden()  # a clerk may not remove it


def test_without_a_camera_the_button_is_disabled_and_says_so(
    qtbot: Any, sqlite_engine: Store, runner: OperationRunner, folder: Path
) -> None:
    # This machine has no video input: the real QtMultimedia lookup finds none, and nothing fails.
    assert QtCameras().name() is None
    strip = _strip(qtbot, sqlite_engine, runner, folder, CLERK, QtCameras())
    assert not strip.camera_button.isEnabled()
    assert strip.camera_button.text() == "Take photo: no camera"
    assert "No camera" in strip.camera_button.toolTip()
    assert strip.attach_button.isEnabled()


def test_a_camera_picture_is_kept_with_the_parcel(
    qtbot: Any, sqlite_engine: Store, runner: OperationRunner, folder: Path
) -> None:
    cameras = FakeCameras()
    strip = _strip(qtbot, sqlite_engine, runner, folder, CLERK, cameras)
    assert strip.camera_button.isEnabled() and strip.camera_button.text() == "Take photo"
    qtbot.mouseClick(strip.camera_button, qt.Qt.MouseButton.LeftButton)
    _wait_listed(qtbot, strip, 1)
    [photo] = Photos(sqlite_engine, folder).list_photos(REF)
    assert photo.source is PhotoSource.CAMERA and photo.taken_by == "anna"
    assert photo.path.read_bytes()[:3] == b"\xff\xd8\xff"  # encoded as JPEG
    assert qt.QImage(str(photo.path)).size() == qt.QSize(64, 48)
    assert (cameras.opened, cameras.closed) == (1, 1)  # the camera is let go after its picture
    assert strip.camera_button.isEnabled()


def test_files_chosen_in_the_dialog_are_attached_and_a_non_image_is_refused_in_words(
    qtbot: Any, sqlite_engine: Store, runner: OperationRunner, folder: Path, tmp_path: Path
) -> None:
    good = tmp_path / "box.png"
    good.write_bytes(png_bytes())
    bad = tmp_path / "invoice.png"
    bad.write_text("%PDF-1.7 not an image")
    strip = _strip(qtbot, sqlite_engine, runner, folder, CLERK, NoCameras())
    qtbot.mouseClick(strip.attach_button, qt.Qt.MouseButton.LeftButton)
    dialog = strip.file_dialog
    assert dialog is not None and dialog.isVisible()
    assert "*.png" in dialog.nameFilters()[0]
    with qtbot.waitSignal(strip.refused, timeout=10_000) as refused:
        dialog.filesSelected.emit([str(good), str(bad)])  # what the dialog says when two files are chosen
    assert "invoice.png is not a photo" in refused.args[0]
    _wait_listed(qtbot, strip, 1)
    assert "invoice.png is not a photo" in strip.message.text()
    assert [p.source for p in Photos(sqlite_engine, folder).list_photos(REF)] == [PhotoSource.FILE]


def test_a_supervisor_removes_a_photo_from_its_view(
    qtbot: Any, sqlite_engine: Store, runner: OperationRunner, folder: Path
) -> None:
    photo = Photos(sqlite_engine, folder).add_capture(CLERK, REF, png_bytes())
    strip = _strip(qtbot, sqlite_engine, runner, folder, SUPERVISOR, NoCameras())
    _wait_listed(qtbot, strip, 1)
    strip.open_view(strip.photos[0])
    [view] = strip.views
    assert view.remove_button.isVisible()
    qtbot.mouseClick(view.remove_button, qt.Qt.MouseButton.LeftButton)
    _wait_listed(qtbot, strip, 0)
    assert not photo.path.exists() and not view.isVisible()


def test_a_clerk_asking_to_remove_is_refused_by_the_core(
    qtbot: Any, sqlite_engine: Store, runner: OperationRunner, folder: Path
) -> None:
    Photos(sqlite_engine, folder).add_capture(CLERK, REF, png_bytes())
    strip = _strip(qtbot, sqlite_engine, runner, folder, CLERK, NoCameras())
    _wait_listed(qtbot, strip, 1)
    with qtbot.waitSignal(strip.refused, timeout=10_000) as refused:
        strip.remove(strip.photos[0].id)  # the button is hidden; the core says no all the same
    assert refused.args[0] == "anna is a clerk: removing a parcel's photo needs a supervisor"
    assert len(Photos(sqlite_engine, folder).list_photos(REF)) == 1


# --------------------------------------------------------------------------------- the clerk's screen


@pytest.fixture
def cameras() -> FakeCameras:
    return FakeCameras()


@pytest.fixture
def window_options(sqlite_engine: Store, cameras: FakeCameras) -> dict[str, Any]:
    return {"store": sqlite_engine, "cameras": cameras}


def test_the_clerk_takes_the_photo_a_customer_paid_for(station: Station, register: Any) -> None:
    paid = register("TBA000000000123", services=("remove_invoice", "photo"))
    register("TBA000000000456", services=("repack",))
    station.log_in()
    w = station.window
    station.type_number("TBA000000000456")
    assert not w.photo_door.button.isVisible()  # no photo paid for: no button
    station.type_number("TBA000000000123")
    assert w.photo_door.button.isVisible() and w.photo_door.button.text() == "Photo (F4)"
    station.qtbot.keyClick(w, qt.Qt.Key.Key_F4)
    dialog = w.photo_door.dialog
    assert dialog is not None
    assert dialog.windowTitle() == "Photo for suite UN-1234: TBA000000000123"
    strip = dialog.strip
    assert strip.parcel_ref == f"registration:{paid.id}"
    station.qtbot.mouseClick(strip.camera_button, qt.Qt.MouseButton.LeftButton)
    station.qtbot.waitUntil(lambda: strip.thumbnails.count() == 1, timeout=10_000)
    [photo] = Photos(station.engine).list_photos(f"registration:{paid.id}")
    assert photo.taken_by == "anna" and photo.source is PhotoSource.CAMERA and photo.path.exists()
    # A scanner's unreadable read meanwhile: the button goes, the photo window stays.
    station.wait_banner(lambda: w.submit(Scan(raw="hello", scanner="dock-1")))
    assert not w.photo_door.button.isVisible() and w.photo_door.dialog is dialog
    w.log_out()
    assert w.photo_door.dialog is None  # nothing of the clerk's stays open for the next one


def test_the_status_bar_says_how_many_wait_for_a_supervisor(station: Station, register: Any) -> None:
    w = station.window
    label = w.status_bar.supervisor_label
    station.qtbot.waitUntil(lambda: label.isVisible(), timeout=10_000)
    assert label.text() == "waiting for a supervisor: 0"
    station.log_in()
    station.type_number("TBA000000000777")  # nobody registered it: unknown
    station.qtbot.waitUntil(lambda: label.text() == "waiting for a supervisor: 1", timeout=10_000)
    station.window.toggle_language()
    assert label.text() == "ждут супервайзера: 1"


def test_without_qtmultimedia_there_is_no_camera_and_nothing_fails(
    qtbot: Any, sqlite_engine: Store, runner: OperationRunner, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What gui/qt.py leaves when importing PySide6.QtMultimedia failed: the camera's classes are None.
    for name in ("QCamera", "QImageCapture", "QMediaCaptureSession", "QMediaDevices"):
        monkeypatch.setattr(qt, name, None)
    assert QtCameras().name() is None
    strip = _strip(qtbot, sqlite_engine, runner, folder, CLERK, QtCameras())
    assert not strip.camera_button.isEnabled() and strip.camera_button.text() == "Take photo: no camera"
    strip.take_photo()  # asked anyway (a shortcut): nothing happens
    assert strip.message.text() == ""
