"""Run by test_kiosk_x11: a kiosk window on a real X server, closed by the X protocol as a window manager asks."""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
import time

from scanstation.domain import Role
from scanstation.gui import qt
from scanstation.gui.bridge import Bridge
from scanstation.gui.clerk.window import StationWindow
from scanstation.gui.sound import Sounds

CLIENT_MESSAGE = 33  # X.h


class _ClientMessage(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("serial", ctypes.c_ulong),
        ("send_event", ctypes.c_int),
        ("display", ctypes.c_void_p),
        ("window", ctypes.c_ulong),
        ("message_type", ctypes.c_ulong),
        ("format", ctypes.c_int),
        ("data", ctypes.c_long * 5),
    ]


class _Event(ctypes.Union):
    _fields_ = [("xclient", _ClientMessage), ("pad", ctypes.c_long * 24)]


def ask_to_close(window_id: int) -> None:
    """What a window manager sends for Alt+F4 or the title bar's X: WM_PROTOCOLS / WM_DELETE_WINDOW."""
    x11 = ctypes.cdll.LoadLibrary(ctypes.util.find_library("X11") or "libX11.so.6")
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XInternAtom.restype = ctypes.c_ulong
    x11.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x11.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long, ctypes.c_void_p]
    x11.XFlush.argtypes = [ctypes.c_void_p]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    display = x11.XOpenDisplay(None)
    assert display, "no X display"
    event = _Event()
    event.xclient.type = CLIENT_MESSAGE
    event.xclient.window = window_id
    event.xclient.message_type = x11.XInternAtom(display, b"WM_PROTOCOLS", 0)
    event.xclient.format = 32
    event.xclient.data[0] = x11.XInternAtom(display, b"WM_DELETE_WINDOW", 0)
    x11.XSendEvent(display, window_id, 0, 0, ctypes.byref(event))
    x11.XFlush(display)
    x11.XCloseDisplay(display)


def wait(condition: object, what: str, timeout_s: float = 20.0) -> None:
    loop = qt.QEventLoop()
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        loop.processEvents(qt.QEventLoop.ProcessEventsFlag.AllEvents, 50)


def main() -> int:
    app = qt.QApplication(sys.argv[:1])
    window = StationWindow(Bridge(), None, station_id="kiosk", sounds=Sounds(enabled=False), kiosk=True)
    window.show()
    wait(window.isVisible, "the window")
    popup = window.status_bar.popup

    ask_to_close(int(window.winId()))  # nobody logged in
    wait(popup.isVisible, "the refusal in words")
    print("nobody:", "open" if window.isVisible() else "closed", "|", popup.text(), flush=True)

    window.log_in("anna", "Anna K.", Role.CLERK)
    popup.hide()
    ask_to_close(int(window.winId()))
    wait(popup.isVisible, "the refusal in words")
    print("clerk:", "open" if window.isVisible() else "closed", flush=True)

    window.log_in("olga", "Olga A.", Role.ADMIN)
    ask_to_close(int(window.winId()))
    wait(lambda: not window.isVisible(), "the window to close")
    print("admin:", "open" if window.isVisible() else "closed", flush=True)
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
