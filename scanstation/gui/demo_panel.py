"""The demo's label panel: sample labels as real barcodes; clicking one scans it through the scanner path."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from scanstation.domain import Scan
from scanstation.gui import qt
from scanstation.gui.widgets import Retranslated
from scanstation.labels.samples import DemoLabel

DEMO_SCANNER = "demo-labels"


def svg_pixmap(svg: bytes, width: int) -> qt.QPixmap:
    """Render an in-memory SVG barcode to a pixmap `width` pixels wide, on white (bars need a quiet zone)."""
    renderer = qt.QSvgRenderer(qt.QByteArray(svg))
    size = renderer.defaultSize()
    height = max(1, round(width * size.height() / max(1, size.width())))
    image = qt.QImage(width, height, qt.QImage.Format.Format_RGB32)
    image.fill(qt.QColor("white"))
    painter = qt.QPainter(image)
    renderer.render(painter)
    painter.end()
    return qt.QPixmap.fromImage(image)


class LabelCard(qt.QPushButton):
    """One label: the title, the barcode as printed; a click is a scan of it."""

    def __init__(self, label: DemoLabel, parent: qt.QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = label
        self.setObjectName(f"label_{label.key}")
        self.setFocusPolicy(qt.Qt.FocusPolicy.TabFocus)  # a wedge scanner's keys must not "press" a card
        layout = qt.QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        self.title = qt.QLabel(label.title)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.title.setStyleSheet("color: #111; background: transparent;")
        layout.addWidget(self.title)
        self.bars = qt.QLabel()
        self.bars.setPixmap(svg_pixmap(label.svg(), 300))
        self.bars.setAlignment(qt.Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.bars)
        self.setMinimumHeight(layout.sizeHint().height() + 8)
        self.setStyleSheet("LabelCard { background: white; border: 2px solid #999; border-radius: 6px; }")


class DemoPanel(Retranslated, qt.QWidget):
    """A scrollable column of LabelCards; `scan` receives a Scan exactly as a hardware scanner would give it."""

    scanned = qt.Signal(object)  # the Scan handed over (tests wait on it)

    def __init__(
        self, labels: Sequence[DemoLabel], scan: Callable[[Scan], None], parent: qt.QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._scan = scan
        outer = qt.QVBoxLayout(self)
        self.help = qt.QLabel()
        self.help.setWordWrap(True)
        outer.addWidget(self.help)
        area = qt.QScrollArea()
        area.setWidgetResizable(True)
        inner = qt.QWidget()
        column = qt.QVBoxLayout(inner)
        self.cards: dict[str, LabelCard] = {}
        for label in labels:
            card = LabelCard(label)
            card.clicked.connect(lambda _checked=False, label=label: self.scan_label(label))
            column.addWidget(card)
            self.cards[label.key] = card
        column.addStretch(1)
        area.setWidget(inner)
        outer.addWidget(area, 1)
        self.retranslate()

    def _titles(self) -> dict[str, str]:
        """The sample labels' captions in the screen's language (labels/ is Qt-free, so they live here)."""
        return {
            "ups": self.tr("UPS 1Z · services"),
            "fedex34": self.tr("FedEx 34-digit barcode"),
            "usps": self.tr("USPS IMpb 420+ZIP"),
            "amazon": self.tr("Amazon TBA"),
            "split1": self.tr("Split order · parcel 1 of 3"),
            "split2": self.tr("Split order · parcel 2 of 3"),
            "ambiguous": self.tr("Two customers typed this number"),
            "shipped": self.tr("Already shipped to the customer"),
            "unknown": self.tr("Nobody registered this"),
            "garbage": self.tr("Not a tracking number"),
        }

    def retranslate(self) -> None:
        titles = self._titles()
        for key, card in self.cards.items():
            card.title.setText(titles.get(key, card.label.title))
        dock = self.parentWidget()
        if isinstance(dock, qt.QDockWidget):
            dock.setWindowTitle(self.tr("Demo labels"))
        self.help.setText(
            self.tr(
                "Click a label to scan it (the same path as a hardware scanner), "
                "or point a keyboard-wedge scanner at the screen."
            )
        )

    def scan_label(self, label: DemoLabel) -> None:
        scan = Scan(raw=label.scan, scanner=DEMO_SCANNER)
        self._scan(scan)
        self.scanned.emit(scan)


def add_demo_dock(window: qt.QMainWindow, labels: Sequence[DemoLabel], scan: Callable[[Scan], None]) -> DemoPanel:
    """Dock the panel on the left of the station window."""
    panel = DemoPanel(labels, scan)
    dock = qt.QDockWidget(window)
    dock.setObjectName("demoLabels")
    dock.setFeatures(qt.QDockWidget.DockWidgetFeature.NoDockWidgetFeatures)
    dock.setWidget(panel)
    panel.retranslate()
    panel.setMinimumWidth(340)
    window.addDockWidget(qt.Qt.DockWidgetArea.LeftDockWidgetArea, dock)
    # The labels come on top of the scan screen's own width, as far as the screen allows.
    screen = qt.QGuiApplication.primaryScreen()
    wanted = window.width() + dock.sizeHint().width()
    if screen is not None:
        wanted = min(wanted, screen.availableGeometry().width() * 95 // 100)
    window.resize(max(window.width(), wanted), window.height())
    return panel
