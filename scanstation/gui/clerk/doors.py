"""The clerk's window's doors to the settings, the audit trail and the supervisor's desk, checked in the core."""

from __future__ import annotations

import logging
from collections.abc import Callable

from scanstation.domain import Act, Actor, NotAllowedError
from scanstation.gui import qt
from scanstation.gui.admin.audit_view import open_audit_window
from scanstation.gui.admin.context import AdminContext
from scanstation.gui.admin.window import open_admin
from scanstation.gui.bridge import GuiReceiving, in_words
from scanstation.gui.supervisor.context import SupervisorContext
from scanstation.gui.supervisor.window import open_supervisor
from scanstation.gui.widgets import warning_box

log = logging.getLogger(__name__)


class Doors:
    """Opens the settings, the audit trail and the supervisor's desk for the operator logged in; closes them.

    The role is checked by the core on the receiving thread (`access.refusals.check`): a refusal is audited,
    then shown in its words, whoever asked (a hidden button, Ctrl+, or a test).
    """

    def __init__(
        self,
        parent: qt.QWidget,
        receiving: GuiReceiving | None,
        context: AdminContext | None,
        supervisor: SupervisorContext | None = None,
    ) -> None:
        self._parent = parent
        self._receiving = receiving
        self._context = context
        self._supervisor = supervisor
        self._open: dict[str, qt.QWidget] = {}  # "settings" / "audit" / "supervisor" -> its window or the refusal
        self._current: Callable[[], Actor | None] = (lambda: None) if context is None else context.actor
        if context is None and supervisor is not None:
            self._current = supervisor.actor

    def window(self, which: str) -> qt.QWidget | None:
        """What is open for `which` ("settings", "audit"): a window, a refusal box, or None."""
        widget = self._open.get(which)
        return widget if widget is not None and widget.isVisible() else None

    def open_settings(self, actor: Actor) -> None:
        context = self._context

        def show() -> qt.QWidget:
            assert context is not None
            return open_admin(context, self._parent)

        self._open_checked("settings", actor, Act.OPEN_SETTINGS, show)

    def open_audit(self, actor: Actor) -> None:
        context = self._context

        def show() -> qt.QWidget:
            assert context is not None
            return open_audit_window(context, self._parent)

        self._open_checked("audit", actor, Act.VIEW_AUDIT, show)

    def open_supervisor(self, actor: Actor) -> None:
        supervisor = self._supervisor

        def show() -> qt.QWidget:
            assert supervisor is not None
            return open_supervisor(supervisor, self._parent)

        self._open_checked("supervisor", actor, Act.RESOLVE_EXCEPTION, show, needs_settings=False)

    def _open_checked(
        self, which: str, actor: Actor, act: Act, show: Callable[[], qt.QWidget], *, needs_settings: bool = True
    ) -> None:
        opened = self.window(which)
        if opened is not None:
            opened.raise_()
            opened.activateWindow()
            return
        receiving = self._receiving
        missing = self._context is None if needs_settings else self._supervisor is None
        if receiving is None or missing:
            self._keep(which, self._not_here() if needs_settings else self._no_desk())
            return

        def answered(_: None) -> None:
            if self._current() == actor:  # still the one who asked: a log-out meanwhile opens nothing
                self._keep(which, show())

        def refused(exc: Exception) -> None:
            if self._current() != actor:
                return
            if not isinstance(exc, NotAllowedError):
                log.error("checking %s's role failed", actor.name, exc_info=exc)
            title = qt.QCoreApplication.translate("StationWindow", "Not allowed")
            self._keep(which, warning_box(self._parent, title, in_words(exc), "refused"))

        receiving.op(lambda: receiving.check_act(actor, act)).success(answered).failure(refused).run_in_background()

    def _not_here(self) -> qt.QMessageBox:
        return warning_box(
            self._parent,
            qt.QCoreApplication.translate("StationWindow", "Settings"),
            qt.QCoreApplication.translate(
                "StationWindow", "This station was started without a config file: there are no settings to edit."
            ),
            "settingsMissing",
        )

    def _no_desk(self) -> qt.QMessageBox:
        return warning_box(
            self._parent,
            qt.QCoreApplication.translate("StationWindow", "Supervisor's desk"),
            qt.QCoreApplication.translate("StationWindow", "This window has no supervisor's desk."),
            "supervisorMissing",
        )

    def _keep(self, which: str, widget: qt.QWidget) -> None:
        self._open[which] = widget

    def close_all(self) -> None:
        """At log-out: nothing the operator opened stays open for the next one."""
        for widget in self._open.values():
            widget.close()
        self._open.clear()


__all__ = ["Doors"]
