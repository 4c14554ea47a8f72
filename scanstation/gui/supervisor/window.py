"""The supervisor's desk: tabs Queue | Parcel | Search | Report; a scan read while it is active opens a page."""

from __future__ import annotations

from scanstation.domain import Act, Actor, NotAllowedError, Role, Scan, require
from scanstation.gui import qt
from scanstation.gui.supervisor.context import SupervisorContext
from scanstation.gui.supervisor.parcel_view import ParcelView
from scanstation.gui.supervisor.queue_view import QueueView
from scanstation.gui.supervisor.report_view import ReportView
from scanstation.gui.supervisor.search_view import SearchView
from scanstation.gui.widgets import Retranslated, warning_box


def refusal(actor: Actor | None) -> str | None:
    """Why `actor` may not open the desk, in words; None when they may."""
    if actor is None:
        return qt.QCoreApplication.translate("SupervisorWindow", "Log in as a supervisor to open the desk.")
    try:
        require(actor, Act.RESOLVE_EXCEPTION)
    except NotAllowedError as exc:
        return str(exc)
    return None


class SupervisorWindow(Retranslated, qt.QMainWindow):
    """Only shows and asks: every read and resolution is a core call on the receiving thread, as the actor.

    Raises NotAllowedError for anyone below a supervisor; `open_supervisor` shows the refusal instead.
    """

    desk_scan_shown = qt.Signal(object)  # a Scan read at the desk whose page is now asked for (tests wait)

    def __init__(self, context: SupervisorContext, parent: qt.QWidget | None = None) -> None:
        super().__init__(parent)
        actor = context.actor()
        require(actor if actor is not None else Actor("nobody", Role.CLERK), Act.RESOLVE_EXCEPTION)
        self.setObjectName("supervisorWindow")
        self._context = context
        self.tabs = qt.QTabWidget()
        self.tabs.setObjectName("supervisorTabs")
        self.queue = QueueView(context)
        self.parcel = ParcelView(context)
        self.search = SearchView(context)
        self.report = ReportView(context)
        for widget in (self.queue, self.parcel, self.search, self.report):
            self.tabs.addTab(widget, "")
        self.queue.open_item.connect(self.open_item)
        self.search.open_item.connect(self.open_item)
        self.parcel.open_item.connect(self.open_item)
        # After every resolution the queue and its counts are read again.
        self.parcel.resolved.connect(lambda ok, _words: self.queue.refresh() if ok else None)
        self.tabs.currentChanged.connect(self._tab_shown)
        context.bridge.desk_scan.connect(self._on_desk_scan)
        self._report_built = False
        self.setCentralWidget(self.tabs)
        self._shortcuts = []
        for key, index in (("Alt+1", 0), ("Alt+2", 1), ("Alt+3", 2), ("Alt+4", 3)):
            shortcut = qt.QShortcut(qt.QKeySequence(key), self)
            shortcut.activated.connect(lambda index=index: self.tabs.setCurrentIndex(index))
            self._shortcuts.append(shortcut)
        find = qt.QShortcut(qt.QKeySequence(qt.QKeySequence.StandardKey.Find), self)
        find.activated.connect(self.focus_search)
        self._shortcuts.append(find)
        self.resize(1400, 900)
        self.retranslate()
        self.queue.refresh()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Supervisor's desk · station %1").replace("%1", self._context.station_id))
        for index, text in enumerate((self.tr("&Queue"), self.tr("&Parcel"), self.tr("&Search"), self.tr("&Report"))):
            self.tabs.setTabText(index, text)

    def open_item(self, item_id: str) -> None:
        """Show `item_id`'s page (from the queue, the search, or a page's own link)."""
        self.parcel.show_item(item_id)
        self.tabs.setCurrentWidget(self.parcel)

    def focus_search(self) -> None:
        self.tabs.setCurrentWidget(self.search)
        self.search.box.edit.setFocus()
        self.search.box.edit.selectAll()

    def _tab_shown(self, index: int) -> None:
        if self.tabs.widget(index) is self.report and not self._report_built:
            self._report_built = True
            self.report.refresh()

    # ----- scans at the desk ----------------------------------------------------------------------------------

    def _on_desk_scan(self, scan: Scan) -> None:
        if not self.isVisible():
            return
        self.parcel.show_scan(scan.raw)
        self.tabs.setCurrentWidget(self.parcel)
        self.desk_scan_shown.emit(scan)

    def _set_desk(self, active: bool) -> None:
        self._context.receiving.set_desk_open(active)

    def changeEvent(self, event: qt.QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == qt.QEvent.Type.ActivationChange:
            # Only while the desk is the active window are scans its own: the clerk's window receives the rest.
            self._set_desk(self.isActiveWindow())
        super().changeEvent(event)

    def hideEvent(self, event: qt.QHideEvent) -> None:  # noqa: N802 - Qt override
        self._set_desk(False)
        super().hideEvent(event)

    def closeEvent(self, event: qt.QCloseEvent) -> None:  # noqa: N802 - Qt override
        self._set_desk(False)
        super().closeEvent(event)


def open_supervisor(context: SupervisorContext, parent: qt.QWidget | None = None) -> SupervisorWindow | qt.QMessageBox:
    """The supervisor's desk, shown; or, shown instead, the refusal in words when the acting operator may not open it.

    The caller keeps what it gets (a window without a parent lives as long as its Python reference).
    """
    words = refusal(context.actor())
    if words is not None:
        title = qt.QCoreApplication.translate("SupervisorWindow", "Supervisor's desk")
        return warning_box(parent, title, words, "supervisorRefused")
    window = SupervisorWindow(context, parent)
    if parent is not None:
        window.setWindowFlag(qt.Qt.WindowType.Window)
    window.show()
    return window


__all__ = ["SupervisorWindow", "open_supervisor", "refusal"]
