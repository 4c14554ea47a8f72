"""A parcel's photos as a strip of thumbnails: a larger view, attaching image files, and a camera where Qt sees one."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final

from scanstation.domain import Act, Actor
from scanstation.gui import qt
from scanstation.gui.bridge import in_words
from scanstation.gui.operations import OperationRunner, ThreadRunner
from scanstation.gui.plain import plain_label, plain_tooltip
from scanstation.gui.texts import local_time
from scanstation.gui.widgets import Retranslated
from scanstation.review.photos import KeptFile, PhotoInfo, Photos
from scanstation.store.connection import Store

log = logging.getLogger(__name__)

THUMB_PX: Final = 128
LARGE_PX: Final = 1200
CAMERA_READY_MS: Final = 10_000  # a camera not ready by then is said to have failed
JPEG_QUALITY: Final = 90


# ------------------------------------------------------------------------------------------------ cameras


class Camera(qt.QObject):
    """One opened camera: `capture()` answers with `captured(QImage)` or `failed(words)`; `close()` lets it go.

    An interface because a camera is one of the few things a test cannot have: tests give a fake one.
    """

    captured = qt.Signal(object)  # QImage
    failed = qt.Signal(str)

    def capture(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        return None


class Cameras:
    """Where cameras come from: the name of the one to use (None: there is none) and opening it."""

    def name(self) -> str | None:
        raise NotImplementedError

    def open(self, parent: qt.QObject) -> Camera:
        raise NotImplementedError


class QtCameras(Cameras):
    """The system's default camera through QtMultimedia; none when the module or a video input is missing."""

    def _device(self) -> qt.QCameraDevice | None:
        if qt.QMediaDevices is None or qt.QCamera is None or qt.QImageCapture is None:
            return None
        try:
            inputs = qt.QMediaDevices.videoInputs()
            if not inputs:
                return None
            default = qt.QMediaDevices.defaultVideoInput()
        except Exception:  # a broken multimedia backend is "no camera", never a broken screen
            log.exception("listing the cameras failed")
            return None
        return default if not default.isNull() else inputs[0]

    def name(self) -> str | None:
        device = self._device()
        return None if device is None else device.description() or "camera"

    def open(self, parent: qt.QObject) -> Camera:
        device = self._device()
        if device is None:
            raise RuntimeError("no camera")
        return _QtCamera(device, parent)


class _QtCamera(Camera):
    """QCamera -> QMediaCaptureSession -> QImageCapture; a capture asked before the camera is ready waits for it."""

    def __init__(self, device: qt.QCameraDevice, parent: qt.QObject) -> None:
        super().__init__(parent)
        self._camera = qt.QCamera(device, self)
        self._capture = qt.QImageCapture(self)
        self._session = qt.QMediaCaptureSession(self)
        self._session.setCamera(self._camera)
        self._session.setImageCapture(self._capture)
        self._wanted = False
        self._capture.imageCaptured.connect(lambda _id, image: self.captured.emit(image))
        self._capture.errorOccurred.connect(lambda _id, _error, words: self.failed.emit(words))
        self._camera.errorOccurred.connect(lambda _error, words: self.failed.emit(words))
        self._capture.readyForCaptureChanged.connect(self._ready)
        self._timer = qt.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(CAMERA_READY_MS)
        self._timer.timeout.connect(
            lambda: self.failed.emit(qt.QCoreApplication.translate("PhotoStrip", "the camera did not get ready"))
        )
        self._camera.start()

    def capture(self) -> None:
        if self._capture.isReadyForCapture():
            self._capture.capture()
        else:
            self._wanted = True
            self._timer.start()

    def _ready(self, ready: bool) -> None:
        if ready and self._wanted:
            self._wanted = False
            self._timer.stop()
            self._capture.capture()

    def close(self) -> None:
        self._timer.stop()
        self._camera.stop()
        self.deleteLater()


# ------------------------------------------------------------------------------------------------- images


def _scaled_image(path: Path, box: int) -> qt.QImage:
    """The image at `path` fit into box x box; decoded at that size where the format allows (JPEG)."""
    reader = qt.QImageReader(str(path))
    reader.setAutoTransform(True)  # a phone's portrait photo stands upright
    size = reader.size()
    if size.isValid() and (size.width() > box or size.height() > box):
        reader.setScaledSize(size.scaled(box, box, qt.Qt.AspectRatioMode.KeepAspectRatio))
    return reader.read()


def _jpeg(image: qt.QImage) -> bytes:
    data = qt.QByteArray()
    buffer = qt.QBuffer(data)
    buffer.open(qt.QIODevice.OpenModeFlag.WriteOnly)
    # PySide6's stubs say the format is bytes; the binding itself takes only a str.
    if not image.save(buffer, "JPG", JPEG_QUALITY):  # type: ignore[call-overload]
        raise ValueError("the camera's picture could not be encoded")
    buffer.close()
    return bytes(data.data())


# -------------------------------------------------------------------------------------------------- strip

_IMAGE_FILTER_SUFFIXES: Final = "*.jpg *.jpeg *.png *.webp *.bmp *.JPG *.JPEG *.PNG *.WEBP *.BMP"


class PhotoStrip(Retranslated, qt.QWidget):
    """The photos of one parcel: thumbnails (a click shows it larger), "Attach file…" and "Take photo".

    Every core call (review.photos) is made as the acting operator `actor()`: the database's writes through
    `runner` (the receiving thread's), the file work (an image read, checked and copied; thumbnails
    decoded; the list read) on a thread of the strip's own, so neither the GUI thread nor a scan waits on
    a 20 MB copy. The role to remove a photo is checked again by the core.
    """

    changed = qt.Signal()  # the photos were listed again (after a start, an attach, a capture, a removal)
    refused = qt.Signal(str)  # an attach, capture or removal said no, in words

    def __init__(
        self,
        store: Store,
        actor: Callable[[], Actor | None],
        parcel_ref: str,
        runner: OperationRunner,
        *,
        station: str = "",
        folder: Path | None = None,
        cameras: Cameras | None = None,
        parent: qt.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("photoStrip")
        self._photos = Photos(store, folder, station=station)
        self._actor = actor
        self.parcel_ref = parcel_ref
        self._runner = runner
        self._files = ThreadRunner("photo-files")
        self._cameras = cameras if cameras is not None else QtCameras()
        self._camera: Camera | None = None
        self._camera_name: str | None = None
        self._shown: list[PhotoInfo] = []
        self._views: list[PhotoView] = []
        self._file_dialog: qt.QFileDialog | None = None

        layout = qt.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.thumbnails = qt.QListWidget()
        self.thumbnails.setObjectName("photoThumbnails")
        self.thumbnails.setViewMode(qt.QListWidget.ViewMode.IconMode)
        self.thumbnails.setIconSize(qt.QSize(THUMB_PX, THUMB_PX))
        self.thumbnails.setResizeMode(qt.QListWidget.ResizeMode.Adjust)
        self.thumbnails.setMovement(qt.QListWidget.Movement.Static)
        self.thumbnails.setSpacing(6)
        self.thumbnails.setMinimumHeight(THUMB_PX + 40)
        self.thumbnails.itemActivated.connect(self._open_item)
        self.thumbnails.itemClicked.connect(self._open_item)
        layout.addWidget(self.thumbnails, 1)
        buttons = qt.QHBoxLayout()
        self.attach_button = qt.QPushButton()
        self.attach_button.setObjectName("attachPhoto")
        self.camera_button = qt.QPushButton()
        self.camera_button.setObjectName("takePhoto")
        buttons.addWidget(self.attach_button)
        buttons.addWidget(self.camera_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        # The core's words (a refusal, "not a photo", a full disk) and the camera's state: plain text.
        self.message = plain_label()
        self.message.setObjectName("photoMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.attach_button.clicked.connect(self.choose_files)
        self.camera_button.clicked.connect(self.take_photo)
        self._find_camera()
        self.retranslate()
        self.refresh()

    # ----- texts ------------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.attach_button.setText(self.tr("Attach file…"))
        self._update_camera_button()

    def _update_camera_button(self) -> None:
        if self._camera_name is None:
            self.camera_button.setText(self.tr("Take photo: no camera"))
            self.camera_button.setToolTip(self.tr("No camera is connected to this computer; attach a file instead."))
            self.camera_button.setEnabled(False)
        elif self._camera is not None:
            self.camera_button.setText(self.tr("Taking the photo…"))
            self.camera_button.setEnabled(False)
        else:
            self.camera_button.setText(self.tr("Take photo"))
            self.camera_button.setToolTip(self._camera_name)
            self.camera_button.setEnabled(True)

    def _find_camera(self) -> None:
        try:
            self._camera_name = self._cameras.name()
        except Exception:  # a camera must never break the screen it sits on
            log.exception("looking for a camera failed")
            self._camera_name = None

    # ----- listing ----------------------------------------------------------------------------------------

    @property
    def photos(self) -> list[PhotoInfo]:
        """The photos on show, oldest first."""
        return list(self._shown)

    def refresh(self) -> None:
        """List the parcel's photos again and decode their thumbnails, off the GUI thread."""
        photos = self._photos
        ref = self.parcel_ref

        def work() -> list[tuple[PhotoInfo, qt.QImage]]:
            return [(info, _scaled_image(info.path, THUMB_PX)) for info in photos.list_photos(ref)]

        self._files.op(work).success(self._show).failure(self._failed).run_in_background()

    def _show(self, listed: list[tuple[PhotoInfo, qt.QImage]]) -> None:
        self._shown = [info for info, _ in listed]
        self.thumbnails.clear()
        for info, image in listed:
            item = qt.QListWidgetItem()
            if not image.isNull():
                item.setIcon(qt.QIcon(qt.QPixmap.fromImage(image)))
            else:
                item.setText(self.tr("(file missing)"))
            # Who took it and when: Qt guesses a tooltip's format, so the operator's name goes through plain_tooltip.
            item.setToolTip(plain_tooltip([f"{local_time(info.taken_at)} · {info.taken_by}"]))
            item.setData(qt.Qt.ItemDataRole.UserRole, info.id)
            self.thumbnails.addItem(item)
        self.changed.emit()

    def _failed(self, exc: Exception) -> None:
        words = in_words(exc)
        self.message.setText(words)
        self.refused.emit(words)

    # ----- attaching ----------------------------------------------------------------------------------------

    def choose_files(self) -> None:
        """The "Attach file…" button: a file dialog for images; the files chosen are attached."""
        dialog = qt.QFileDialog(self, self.tr("Attach photos"))
        dialog.setObjectName("attachPhotoDialog")
        dialog.setFileMode(qt.QFileDialog.FileMode.ExistingFiles)
        dialog.setNameFilter(self.tr("Images (%1)").replace("%1", _IMAGE_FILTER_SUFFIXES))
        dialog.filesSelected.connect(lambda files: self.attach_files([Path(f) for f in files]))
        self._file_dialog = dialog
        dialog.open()

    @property
    def file_dialog(self) -> qt.QFileDialog | None:
        """The file dialog "Attach file…" opened last (tests choose files in it)."""
        return self._file_dialog

    def attach_files(self, files: Sequence[Path]) -> None:
        """Attach these image files as the acting operator; the core's refusal of one is said, the rest go on."""
        actor = self._actor()
        if actor is None or not files:
            return
        photos, ref, chosen = self._photos, self.parcel_ref, list(files)

        def keep() -> tuple[list[KeptFile], list[str]]:
            kept, problems = [], []
            for path in chosen:
                try:  # every file is tried; each refusal is said
                    kept.append(photos.keep_file(ref, path))
                except Exception as exc:
                    problems.append(in_words(exc))
            return kept, problems

        self.message.setText(self.tr("Attaching…"))
        self._files.op(keep).success(lambda answer: self._record(actor, *answer)).failure(
            self._failed
        ).run_in_background()

    def _record(self, actor: Actor, kept: list[KeptFile], problems: list[str]) -> None:
        """Name the files kept in the database, on the receiving thread; then list the photos again."""
        photos = self._photos

        def work() -> list[str]:
            said = list(problems)
            for one in kept:
                try:  # said in words; record removed the file
                    photos.record(actor, one)
                except Exception as exc:
                    said.append(in_words(exc))
            return said

        self._runner.op(work).success(self._attached).failure(self._failed).run_in_background()

    def _attached(self, problems: list[str]) -> None:
        self.message.setText("\n".join(problems))
        if problems:
            self.refused.emit("\n".join(problems))
        self.refresh()

    # ----- the camera -------------------------------------------------------------------------------------

    def take_photo(self) -> None:
        """The "Take photo" button: the camera takes one picture, which is kept with the parcel."""
        if self._camera is not None or self._camera_name is None or self._actor() is None:
            return
        try:
            camera = self._cameras.open(self)
        except Exception as exc:
            log.exception("opening the camera failed")
            self._failed(exc)
            return
        self._camera = camera
        camera.captured.connect(self._captured)
        camera.failed.connect(self._camera_failed)
        self.message.setText(self.tr("Taking the photo…"))
        self._update_camera_button()
        camera.capture()

    def _release_camera(self) -> None:
        camera, self._camera = self._camera, None
        if camera is not None:
            camera.captured.disconnect(self._captured)
            camera.failed.disconnect(self._camera_failed)
            camera.close()
        self._update_camera_button()

    def _camera_failed(self, words: str) -> None:
        self._release_camera()
        self._failed(RuntimeError(self.tr("The camera failed: %1").replace("%1", words)))

    def _captured(self, image: object) -> None:
        self._release_camera()
        actor = self._actor()
        if not isinstance(image, qt.QImage) or image.isNull() or actor is None:
            self._failed(RuntimeError(self.tr("The camera gave no picture")))
            return
        photos, ref, picture = self._photos, self.parcel_ref, qt.QImage(image)

        def keep() -> tuple[list[KeptFile], list[str]]:
            # Encoded off the GUI thread: QImage is reentrant, and a camera's picture takes a while to compress.
            return [photos.keep_capture(ref, _jpeg(picture))], []

        self._files.op(keep).success(lambda answer: self._record(actor, *answer)).failure(
            self._failed
        ).run_in_background()

    # ----- the larger view and removing -------------------------------------------------------------------

    def _open_item(self, item: qt.QListWidgetItem) -> None:
        photo_id = item.data(qt.Qt.ItemDataRole.UserRole)
        for info in self._shown:
            if info.id == photo_id:
                self.open_view(info)
                return

    def open_view(self, info: PhotoInfo) -> None:
        """The photo larger, in a window of its own; a supervisor sees a Remove button there."""
        actor = self._actor()
        view = PhotoView(info, removable=actor is not None and actor.may(Act.REMOVE_PHOTO), parent=self)
        view.remove_requested.connect(self.remove)
        self._views = [v for v in self._views if v.isVisible()] + [view]
        view.show()

        def work() -> qt.QImage:
            return _scaled_image(info.path, LARGE_PX)

        self._files.op(work).success(view.show_image).failure(self._failed).run_in_background()

    @property
    def views(self) -> list[PhotoView]:
        """The larger views open now."""
        return [v for v in self._views if v.isVisible()]

    def remove(self, photo_id: str) -> None:
        """Remove a photo as the acting operator (the core refuses a clerk, and audits it)."""
        actor = self._actor()
        if actor is None:
            return
        photos = self._photos

        def work() -> PhotoInfo:
            return photos.remove(actor, photo_id)

        def done(_: PhotoInfo) -> None:
            for view in self.views:
                if view.photo.id == photo_id:
                    view.close()
            self._attached([])

        self._runner.op(work).success(done).failure(self._failed).run_in_background()

    def closeEvent(self, event: qt.QCloseEvent) -> None:  # noqa: N802 - Qt override
        self._release_camera()
        for view in self.views:
            view.close()
        super().closeEvent(event)


class PhotoView(qt.QDialog):
    """One photo, larger; the Remove button is shown to supervisors (the core checks again)."""

    remove_requested = qt.Signal(str)  # the photo's id

    def __init__(self, info: PhotoInfo, *, removable: bool, parent: qt.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("photoView")
        self.photo = info
        self.setWindowTitle(self.tr("Photo of %1").replace("%1", info.parcel_ref))
        layout = qt.QVBoxLayout(self)
        self.image_label = plain_label()
        self.image_label.setAlignment(qt.Qt.AlignmentFlag.AlignCenter)
        self.image_label.setMinimumSize(320, 240)
        layout.addWidget(self.image_label, 1)
        caption = f"{local_time(info.taken_at)} · {info.taken_by}" + (f" · {info.note}" if info.note else "")
        self.caption = plain_label(caption)
        self.caption.setWordWrap(True)
        layout.addWidget(self.caption)
        row = qt.QHBoxLayout()
        self.remove_button = qt.QPushButton(self.tr("Remove this photo"))
        self.remove_button.setObjectName("removePhoto")
        self.remove_button.setVisible(removable)
        self.remove_button.clicked.connect(lambda: self.remove_requested.emit(info.id))
        close = qt.QPushButton(self.tr("Close"))
        close.clicked.connect(self.close)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        row.addWidget(close)
        layout.addLayout(row)

    def show_image(self, image: qt.QImage) -> None:
        if image.isNull():
            self.image_label.setText(self.tr("The photo's file cannot be read."))
            return
        self.image_label.setPixmap(qt.QPixmap.fromImage(image))

    def shown_size(self) -> qt.QSize:
        """The size of the picture on show (an empty size before it is loaded)."""
        pixmap = self.image_label.pixmap()
        return pixmap.size() if pixmap is not None and not pixmap.isNull() else qt.QSize()


class PhotoDialog(qt.QDialog):
    """The strip in a window of its own (the clerk's "Photo" button): titled with the parcel it is for."""

    def __init__(self, strip: PhotoStrip, title: str, parent: qt.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("photoDialog")
        self.strip = strip
        self.setWindowTitle(title)
        layout = qt.QVBoxLayout(self)
        heading = plain_label(title)
        heading.setObjectName("photoDialogTitle")
        layout.addWidget(heading)
        layout.addWidget(strip, 1)
        close = qt.QPushButton(self.tr("Done"))
        close.clicked.connect(self.close)
        layout.addWidget(close, 0, qt.Qt.AlignmentFlag.AlignRight)
        self.resize(720, 420)

    def closeEvent(self, event: qt.QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.strip.close()
        super().closeEvent(event)


__all__ = ["Camera", "Cameras", "PhotoDialog", "PhotoStrip", "PhotoView", "QtCameras"]
