"""The station with no window: every verdict and status change as one JSON line on stdout."""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from collections.abc import Mapping
from types import FrameType
from typing import Any, TextIO

from scanstation.config import Config
from scanstation.domain import (
    ReceivingStatus,
    Scan,
    ScannerStatus,
    SyncNotice,
    SyncStatus,
    Verdict,
    json_fields,
    json_form,
    rfc3339,
    storable_text,
    utcnow,
)
from scanstation.runtime import Observers, StationRuntime
from scanstation.worker import ScanKeptError

log = logging.getLogger(__name__)

BADGE_NOTE = "badges log in at the window"


def scan_line(verdict: Verdict) -> dict[str, Any]:
    """The `scan` line: every verdict field, with the names of the core issue (outcome, scan_id, ...)."""
    return {"type": "scan", **json_fields(verdict)}


def receiving_line(status: ReceivingStatus) -> dict[str, Any]:
    """Scans the database refused for now, kept in memory and retried: how many, and why in words."""
    return {"type": "status", "component": "receiving", "at": rfc3339(utcnow()), **json_fields(status)}


def scanner_line(status: ScannerStatus) -> dict[str, Any]:
    return {"type": "status", "component": "scanner", "at": rfc3339(utcnow()), **json_fields(status)}


def sync_line(status: SyncStatus) -> dict[str, Any]:
    return {"type": "status", "component": "sync", "at": rfc3339(utcnow()), **json_fields(status)}


def badge_line(scan: Scan) -> dict[str, Any]:
    """A badge scanned on a scanner of a station with no window: nobody logs in here, and it is not a parcel."""
    return {"type": "status", "event": "badge", "scanner": scan.scanner, "note": BADGE_NOTE, "at": rfc3339(utcnow())}


def notice_line(notice: SyncNotice) -> dict[str, Any]:
    line: dict[str, Any] = {"type": "notice", "kind": notice.kind, "message": notice.message, "at": rfc3339(utcnow())}
    line["scan"] = scan_line(notice.verdict)
    return line


class JsonLines:
    """One JSON object per line, whole lines only, from any thread; a closed stdout never crashes the station."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._lock = threading.Lock()
        self._broken = False

    def write(self, obj: Mapping[str, Any]) -> None:
        try:
            text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError):
            # A bug in a line's form must not cost the line: print it with every odd value as text.
            log.exception("a %s line did not serialise; printed with its values as text", obj.get("type"))
            text = json.dumps(json_form(obj), ensure_ascii=False, separators=(",", ":"), default=str)
        with self._lock:
            if self._broken:
                return
            try:
                self._out.write(text + "\n")
                self._out.flush()
            except (BrokenPipeError, ValueError, OSError):
                self._broken = True
                log.warning("stdout is closed; verdicts are still recorded in the database")


def run_headless(config: Config, *, out: TextIO | None = None, stop: threading.Event | None = None) -> int:
    """Run until SIGTERM/SIGINT (or `stop` is set); return the exit status."""
    lines = JsonLines(out or sys.stdout)
    stop = stop or threading.Event()
    for scanner in config.scanners:
        if scanner.enabled and scanner.type == "wedge":
            log.warning(
                "scanner %s is a keyboard wedge, which needs the scan window; ignored in headless mode", scanner.name
            )

    def failed(scan: Scan, exc: Exception) -> None:
        kept = isinstance(exc, ScanKeptError)
        lines.write(
            {
                "type": "error",
                "at": rfc3339(utcnow()),
                "scanner": scan.scanner,
                "raw": storable_text(scan.raw, 4096),
                # kept: its verdict line follows once the database takes writes again
                "state": "kept" if kept else "not_recorded",
                "message": str(exc) if kept else f"scan NOT recorded: {type(exc).__name__}: {exc}"[:500],
            }
        )

    runtime = StationRuntime(
        config,
        Observers(
            verdict=lambda v: lines.write(scan_line(v)),
            scan_failed=failed,
            scanner_status=lambda s: lines.write(scanner_line(s)),
            sync_status=lambda s: lines.write(sync_line(s)),
            notice=lambda n: lines.write(notice_line(n)),
            receiving_status=lambda s: lines.write(receiving_line(s)),
        ),
        on_badge=lambda scan, _secret: lines.write(badge_line(scan)),
    )

    def on_signal(signum: int, frame: FrameType | None) -> None:
        log.info("signal %s: stopping", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        lines.write(
            {
                "type": "status",
                "component": "station",
                "state": "started",
                "station_id": config.station.id,
                "at": rfc3339(utcnow()),
            }
        )
        for warning in config.warnings():  # risky settings, said at every start
            log.warning("%s", warning)
            lines.write({"type": "warning", "message": warning, "at": rfc3339(utcnow())})
        runtime.start()
        while not stop.wait(0.5):
            pass
    finally:
        clean = runtime.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        lines.write(
            {"type": "status", "component": "station", "state": "stopped", "clean": clean, "at": rfc3339(utcnow())}
        )
    return 0 if clean else 1
