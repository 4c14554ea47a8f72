"""Screenshots of each verdict state and of the demo, rendered offscreen into docs/screenshots/."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("SCANSTATION_HOME", tempfile.mkdtemp(prefix="scanstation-shots-home-"))

from scanstation.domain import ReceivingStatus, Scan
from scanstation.gui import qt
from scanstation.gui.app import Station, gui_settings
from scanstation.gui.demo import DemoEnvironment
from scanstation.gui.demo_panel import add_demo_dock
from scanstation.gui.sound import Sounds
from scanstation.labels.samples import demo_registrations

ROOT = Path(__file__).resolve().parents[1]
SIZE = (1600, 1000)


def wait(app: qt.QApplication, condition: Callable[[], bool], timeout_s: float = 30.0, what: str = "") -> None:
    # A QEventLoop's processEvents, not QApplication.processEvents: on PySide6 6.12 the latter drops a
    # reference to None on every call and the interpreter aborts after a few thousand calls.
    loop = qt.QEventLoop()
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"screenshots: timed out waiting for {what}")
        loop.processEvents(qt.QEventLoop.ProcessEventsFlag.AllEvents, 50)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--language", choices=("ru", "en"), default="ru")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="save only these pictures (e.g. login-locked)")
    parser.add_argument("--size", default="x".join(map(str, SIZE)), help="the window's size, e.g. 1920x1080")
    parser.add_argument("--no-demo-panel", action="store_true", help="the clerk's window alone, as at the dock")
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.lower().split("x"))
    args.out.mkdir(parents=True, exist_ok=True)

    app = qt.QApplication(sys.argv[:1])
    env = DemoEnvironment(parcels=200, language=args.language)
    station = Station(env.config, app, settings=gui_settings(env.folder / "state"), sounds=Sounds(enabled=False))
    try:
        station.start()
        panel = add_demo_dock(station.window, env.labels, station.receiving.submit)
        window = station.window
        if args.no_demo_panel:
            panel.parentWidget().hide()
        window.resize(width, height)
        window.show()
        wait(app, lambda: station.sync.status.last_pull_at is not None, what="the first pull")
        wait(app, lambda: station.sync.status.state == "online", what="sync online")
        shown: list[object] = []

        def on_shown(payload: object) -> None:
            shown.append(payload)

        window.banner_shown.connect(on_shown)

        def shot(name: str, widget: qt.QWidget | None = None) -> None:
            if args.only and name not in args.only:
                return
            wait(app, lambda: not window.banner.flashing and not window.banner.pulsing, what="the flash to end")
            if window.size() != qt.QSize(width, height):  # the access pictures and the demo dock resize it
                window.resize(width, height)
                qt.QEventLoop().processEvents(qt.QEventLoop.ProcessEventsFlag.AllEvents, 200)
                if window.size() != qt.QSize(width, height):
                    print(
                        f"{name}: the window does not fit {width}x{height}:",
                        f"{window.size().width()}x{window.size().height()}",
                    )
            path = args.out / f"{name}.png"
            # The pictures are committed: a 256-colour palette without dithering (flat UI colours survive it,
            # about a quarter of the size) and PNG's strongest compression.
            flags = qt.Qt.ImageConversionFlag.ThresholdDither | qt.Qt.ImageConversionFlag.AvoidDither
            image = (widget or window).grab().toImage().convertToFormat(qt.QImage.Format.Format_Indexed8, flags)
            image.save(str(path), quality=0)  # format from the .png suffix
            print(path)

        split = next(label.registration for label in env.labels if label.key == "split1")
        # The split order's third parcel has no label in the demo (it is on its way): its number is typed.
        third = next(
            r.typed
            for r in demo_registrations(env.labels)
            if r.order_number == split.order_number  # type: ignore[union-attr]
            and r.typed not in {label.tracking_number for label in env.labels}
        )

        def scan(key: str) -> None:
            before = len(shown)
            if key == "split3":
                station.receiving.submit(Scan(third, "dock-1"))
            else:
                panel.scan_label(next(label for label in env.labels if label.key == key))
            wait(app, lambda: len(shown) > before, what=f"the verdict of {key}")

        # A fresh station first: nobody can log in yet, and the screen names the command that fixes it.
        wait(app, window.no_admin_bar.isVisible, what="the no-administrator message")
        shot("login-no-admin")
        env.prepare_station(station)  # the demo's operator is its administrator
        window.log_out()
        wait(app, lambda: not window.no_admin_bar.isVisible(), what="the administrator to be counted")
        shot("login")
        access_shots(app, station, shot)
        env.prepare_station(station)
        for key, name in (
            ("split1", "matched-split-1"),
            ("split2", "matched-split-2"),
            ("split3", "matched-split-complete"),
            ("ups", "matched-services"),
            ("ups", "duplicate"),
            ("unknown", "unknown"),
            ("unknown", "duplicate-unknown"),
            ("ambiguous", "ambiguous"),
            ("shipped", "not-expected"),
            ("garbage", "invalid"),
        ):
            scan(key)
            shot(name)

        # The customer registers the unknown parcel late: sync matches it and tells the clerk.
        unknown = next(label for label in env.labels if label.key == "unknown")
        env.server.add_registration(unknown.tracking_number or unknown.scan, suite="UN-0109", name="Пётр Сидоров")
        station.sync.sync_now()
        try:
            wait(app, lambda: window.notice_bar.isVisible(), timeout_s=20, what="the late-match notice")
        except SystemExit as exc:
            print(exc, file=sys.stderr)  # keep the other pictures; the missing one is named
        else:
            shot("late-match-notice")

        station.translations.set_language("en" if args.language == "ru" else "ru")
        scan("fedex34")
        shot(f"matched-{station.translations.language}")
        station.translations.set_language(args.language)

        small_screen_shots(app, station, shot, scan)

        # A full disk, as the receiving worker reports it (the tests make a real one on a small tmpfs).
        kept = next(label for label in env.labels if label.key == "ups")
        problem = "the disk is full: scans are kept in memory and recorded as soon as space is freed"
        station.bridge.receiving_status.emit(ReceivingStatus(waiting=3, problem=problem, disk_full=True))
        before = len(shown)
        station.bridge.kept.emit(Scan(kept.scan, "dock-1"), problem)
        wait(app, lambda: len(shown) > before, what="the kept scan's banner")
        shot("disk-full")
        return 0
    finally:
        station.window.close()
        station.stop()
        env.close()


def small_screen_shots(
    app: qt.QApplication, station: Station, shot: Callable[..., None], scan: Callable[[str], None]
) -> None:
    """A 1280x720 monitor without the demo's labels: the bar's warnings, a part's whole text, a scan's details."""
    from scanstation.domain import ScannerState, ScannerStatus, SyncState, SyncStatus

    window = station.window
    dock = window.findChild(qt.QDockWidget, "demoLabels")
    size = window.size()
    if dock is not None:
        dock.hide()
    window.resize(1280, 720)
    scan("ups")  # a duplicate: Ctrl+Z says why it undoes nothing
    window.undo_last()
    bridge = station.bridge
    bridge.scanner_status.emit(ScannerStatus("dock-1", ScannerState.ERROR, "permission denied", "/dev/ttyACM0"))
    bridge.sync_status.emit(
        SyncStatus(state=SyncState.OFFLINE, events_waiting=19, rejected_count=2, last_error="connection refused")
    )
    wait(app, lambda: window.status_bar.rejected_label.isVisible(), what="the rejected events")
    window.status_bar.show_whole(window.status_bar.sync_label)
    shot("clerk-1280")
    window.status_bar.popup.hide()
    window.open_details(window.recent.model.scan_at(1))
    details = window.details
    if details is not None:
        wait(app, details.isVisible, what="a scan's details")
        shot("scan-details", details)
        details.close()
    station.sync.sync_now()  # its own status again
    if dock is not None:
        dock.show()
    window.resize(size)


def access_shots(app: qt.QApplication, station: Station, shot: Callable[[str], None]) -> None:
    """The log-in screen asking a supervisor's PIN after their badge, and a lock-out, at a station's 1400x900."""
    from scanstation.access import operators
    from scanstation.access.login import LoginPolicy, log_in_with_pin
    from scanstation.domain import Actor

    window = station.window
    size = window.size()
    window.resize(1400, 900)
    station_id = station.config.station.id
    admin = Actor.shell("screenshots")
    operators.add_operator(station.store, admin, "svetlana", "2468", "supervisor", "Светлана", station=station_id)
    badge = operators.issue_badge(station.store, admin, "svetlana", station=station_id)
    station.receiving.submit(Scan(badge, "dock-1"))
    wait(app, window.name_edit.isReadOnly, what="the badge's PIN asked")
    shot("login-badge-pin")
    window.cancel_badge()
    operators.add_operator(station.store, admin, "ivan", "1357", "clerk", "Иван", station=station_id)
    for _ in range(5):  # someone guessed Ivan's PIN five times
        log_in_with_pin(station.store, "ivan", "0000", LoginPolicy(first_delay_s=0, max_delay_s=0), station=station_id)
    window.name_edit.setText("ivan")
    window.pin_edit.setText("1357")
    window.login_button.click()
    wait(app, lambda: not window.login_button.isEnabled() and bool(window.login_error_label.text()), what="lock-out")
    shot("login-locked")
    window.name_edit.clear()
    window.pin_edit.clear()
    window.resize(size)


if __name__ == "__main__":
    sys.exit(main())
