"""Printing an operator's badge: a small interface, and the real one on a Qt printer or a PDF file."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from scanstation.gui import qt
from scanstation.labels.badge import badge_svg

log = logging.getLogger(__name__)

# An ID-1 card (a bank card's size), the size badge holders and card printers take.
BADGE_WIDTH_MM = 85.6
BADGE_HEIGHT_MM = 54.0
_MARGIN_MM = 4.0

# Asks where a PDF goes: (parent, suggested file name) -> the path, or None when the admin cancelled.
ChooseFile = Callable[[qt.QWidget | None, str], Path | None]
# Lets the admin pick and set up a printer: (printer, parent) -> False when they cancelled.
ChoosePrinter = Callable[[qt.QPrinter, qt.QWidget | None], bool]


class BadgePrintError(RuntimeError):
    """A badge could not be printed or saved; the message says why, in words (never the secret)."""


class BadgePrinter(Protocol):
    """Puts a badge on paper or into a file; each answers what happened in words, or None when cancelled."""

    def print_badge(self, display_name: str, secret: str, parent: qt.QWidget | None) -> str | None: ...

    def save_pdf(self, display_name: str, secret: str, parent: qt.QWidget | None) -> str | None: ...


def badge_renderer(display_name: str, secret: str) -> qt.QSvgRenderer:
    """The badge's barcode (the secret) with the name under it, ready to paint."""
    renderer = qt.QSvgRenderer(qt.QByteArray(badge_svg(display_name, secret)))
    if not renderer.isValid():
        raise BadgePrintError("the badge's barcode could not be drawn")
    return renderer


def fitted(renderer: qt.QSvgRenderer, area: qt.QRectF) -> qt.QRectF:
    """The largest rectangle of the barcode's own proportions centred in `area` (bars must not be stretched)."""
    size = renderer.defaultSize()
    if size.width() <= 0 or size.height() <= 0:
        return area
    scale = min(area.width() / size.width(), area.height() / size.height())
    width, height = size.width() * scale, size.height() * scale
    return qt.QRectF(area.x() + (area.width() - width) / 2, area.y() + (area.height() - height) / 2, width, height)


def badge_pixmap(display_name: str, secret: str, width_px: int) -> qt.QPixmap:
    """The badge as a picture for the screen: bars and the name, never the secret as text."""
    renderer = badge_renderer(display_name, secret)
    size = renderer.defaultSize()
    height_px = max(1, round(width_px * size.height() / max(1, size.width())))
    image = qt.QImage(width_px, height_px, qt.QImage.Format.Format_ARGB32)
    image.fill(qt.QColor("white"))
    painter = qt.QPainter(image)
    try:
        renderer.render(painter, qt.QRectF(0, 0, width_px, height_px))
    finally:
        painter.end()
    return qt.QPixmap.fromImage(image)


def set_badge_page(printer: qt.QPrinter) -> None:
    """One badge per page, the page the card's size, no margins of the printer's own."""
    page = qt.QPageSize(qt.QSizeF(BADGE_WIDTH_MM, BADGE_HEIGHT_MM), qt.QPageSize.Unit.Millimeter, "badge")
    printer.setPageLayout(
        qt.QPageLayout(
            page, qt.QPageLayout.Orientation.Portrait, qt.QMarginsF(0, 0, 0, 0), qt.QPageLayout.Unit.Millimeter
        )
    )


def paint_badge(printer: qt.QPrinter, display_name: str, secret: str) -> None:
    """Paint the badge onto the printer's one page; BadgePrintError when the printer takes nothing."""
    renderer = badge_renderer(display_name, secret)
    painter = qt.QPainter()
    if not painter.begin(printer):
        raise BadgePrintError("the printer could not be opened")
    try:
        # The painter's origin is the page's printable corner; with no margins, the card's corner.
        page = printer.pageLayout().paintRectPixels(printer.resolution())
        margin = _MARGIN_MM / 25.4 * printer.resolution()
        area = qt.QRectF(0, 0, page.width(), page.height()).adjusted(margin, margin, -margin, -margin)
        renderer.render(painter, fitted(renderer, area))
    finally:
        painter.end()


def write_pdf(path: Path, display_name: str, secret: str) -> None:
    """The badge as a one-page PDF at `path` (Qt's own PDF writer)."""
    printer = qt.QPrinter(qt.QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(qt.QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    printer.setDocName(f"badge {display_name}")
    set_badge_page(printer)
    paint_badge(printer, display_name, secret)
    if not path.is_file() or path.stat().st_size == 0:
        raise BadgePrintError(f"{path} could not be written")


def _ask_file(parent: qt.QWidget | None, suggested: str) -> Path | None:
    chosen, _ = qt.QFileDialog.getSaveFileName(
        parent,
        qt.QCoreApplication.translate("BadgePrinter", "Save the badge as PDF"),
        suggested,
        qt.QCoreApplication.translate("BadgePrinter", "PDF files (*.pdf)"),
    )
    return Path(chosen) if chosen else None


def _ask_printer(printer: qt.QPrinter, parent: qt.QWidget | None) -> bool:
    dialog = qt.QPrintDialog(printer, parent)
    dialog.setWindowTitle(qt.QCoreApplication.translate("BadgePrinter", "Print the badge"))
    return dialog.exec() == qt.QDialog.DialogCode.Accepted


class QtBadgePrinter:
    """The real printer: Qt's print dialog, or Qt's PDF writer to a file the admin chooses.

    The dialogs are parameters so a test can answer them; what is painted and written is always the real thing.
    """

    def __init__(self, choose_file: ChooseFile = _ask_file, choose_printer: ChoosePrinter = _ask_printer) -> None:
        self._choose_file = choose_file
        self._choose_printer = choose_printer

    def print_badge(self, display_name: str, secret: str, parent: qt.QWidget | None) -> str | None:
        printer = qt.QPrinter(qt.QPrinter.PrinterMode.HighResolution)
        printer.setDocName(f"badge {display_name}")
        set_badge_page(printer)
        if not self._choose_printer(printer, parent):
            return None
        paint_badge(printer, display_name, secret)
        where = printer.outputFileName() or printer.printerName()
        log.info("a badge for %s was printed on %s", display_name, where)
        return qt.QCoreApplication.translate("BadgePrinter", "The badge was sent to %1.").replace("%1", where)

    def save_pdf(self, display_name: str, secret: str, parent: qt.QWidget | None) -> str | None:
        suggested = "badge-" + "-".join(display_name.split()) + ".pdf"
        path = self._choose_file(parent, suggested)
        if path is None:
            return None
        if path.suffix.lower() != ".pdf":
            path = path.with_name(path.name + ".pdf")
        write_pdf(path, display_name, secret)
        log.info("a badge for %s was saved to %s", display_name, path)
        return qt.QCoreApplication.translate("BadgePrinter", "The badge was saved to %1.").replace("%1", str(path))


__all__ = [
    "BADGE_HEIGHT_MM",
    "BADGE_WIDTH_MM",
    "BadgePrintError",
    "BadgePrinter",
    "ChooseFile",
    "ChoosePrinter",
    "QtBadgePrinter",
    "badge_pixmap",
    "badge_renderer",
    "fitted",
    "paint_badge",
    "set_badge_page",
    "write_pdf",
]
