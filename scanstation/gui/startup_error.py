"""A problem that stops the station before its window opens, shown in a window as well as on stderr."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from scanstation.config import ConfigError, GuiConfig
from scanstation.gui import qt
from scanstation.gui.i18n import Translations

# Shows the box and returns once it is closed; tests pass one that closes it themselves.
ShowDialog = Callable[[qt.QMessageBox], object]

# Platforms on which a window is never seen by anyone: a modal box there would only hang the process.
_INVISIBLE_PLATFORMS = ("offscreen", "minimal")
MIN_WIDTH = 720


def can_show_windows(environ: Mapping[str, str] | None = None) -> bool:
    """Whether a window can appear here (Qt aborts the process when it cannot reach a display at all)."""
    env = os.environ if environ is None else environ
    platform = env.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip().lower()
    if platform in _INVISIBLE_PLATFORMS:
        return False
    if platform == "xcb":
        return bool(env.get("DISPLAY"))
    if platform == "wayland":
        return bool(env.get("WAYLAND_DISPLAY"))
    if not platform and sys.platform.startswith("linux"):
        return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))
    return True


def _exec(box: qt.QMessageBox) -> object:
    return box.exec()


def error_box(title: str, text: str) -> qt.QMessageBox:
    """A critical message box whose text is plain (paths and messages are shown as they are) and selectable."""
    box = qt.QMessageBox(qt.QMessageBox.Icon.Critical, title, "", qt.QMessageBox.StandardButton.Close)
    box.setTextFormat(qt.Qt.TextFormat.PlainText)
    box.setText(text)
    box.setTextInteractionFlags(
        qt.Qt.TextInteractionFlag.TextSelectableByMouse | qt.Qt.TextInteractionFlag.TextSelectableByKeyboard
    )
    close = box.button(qt.QMessageBox.StandardButton.Close)
    if close is not None:  # Qt's own button words are English unless its catalogue is installed
        close.setText(qt.QCoreApplication.translate("StartupError", "Close"))
    # A message box sizes itself narrow; paths and several errors read better wide. A spacer in its grid is
    # the one width it honours.
    layout = box.layout()
    if isinstance(layout, qt.QGridLayout):
        spacer = qt.QSpacerItem(MIN_WIDTH, 0, qt.QSizePolicy.Policy.Minimum, qt.QSizePolicy.Policy.Expanding)
        layout.addItem(spacer, layout.rowCount(), 0, 1, layout.columnCount())
    return box


def show_error(
    title: str, text: Callable[[], str], *, show: ShowDialog | None = None, language: str | None = None
) -> bool:
    """Show a stopping error in a window; False when no window can be shown here (stderr has said it).

    `text` is called once the translation is installed, so its words come in the station's language.
    """
    if show is None:
        if not can_show_windows():
            return False
        show = _exec
    existing = qt.QApplication.instance()
    app = existing if isinstance(existing, qt.QApplication) else qt.QApplication(sys.argv[:1])
    translations = Translations(app)
    translations.set_language(language or GuiConfig().language)
    try:
        box = error_box(title, text())
        show(box)
        box.deleteLater()
        del box
    finally:
        translations.set_language("en")
    return True


def config_error_text(exc: ConfigError, looked_at: Sequence[Path]) -> str:
    """What is wrong (every problem the loader named, each with its fix), where the station looked, what to do."""
    return "\n".join(
        (
            qt.QCoreApplication.translate(
                "StartupError", "The station cannot start: its configuration cannot be used."
            ),
            "",
            qt.QCoreApplication.translate("StartupError", "What is wrong:"),
            str(exc),
            "",
            qt.QCoreApplication.translate("StartupError", "Where the station looked: %1").replace(
                "%1", ", ".join(map(str, looked_at))
            ),
            "",
            qt.QCoreApplication.translate(
                "StartupError",
                "Correct the file as said above (or start the station with --config PATH), then start it again. "
                "`scanstation config check` names every problem without starting the station.",
            ),
        )
    )


def show_config_error(exc: ConfigError, looked_at: Sequence[Path], *, show: ShowDialog | None = None) -> bool:
    """The configuration error in a window: `scanstation gui` is started from a menu, where stderr is unseen."""
    title = "scanstation"
    return show_error(title, lambda: config_error_text(exc, looked_at), show=show)
