"""`scanstation ports`: list serial ports (device, description, VID:PID, serial number, USB location)."""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from scanstation.scanners.ports import PortLister, PortRow

COLUMNS = (
    ("device", "DEVICE"),
    ("description", "DESCRIPTION"),
    ("vid_pid", "VID:PID"),
    ("serial_number", "SERIAL"),
    ("location", "LOCATION"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print a JSON array instead of a table")
    parser.add_argument(
        "--watch", action="store_true", help="then keep watching: a line for each port plugged in or pulled out"
    )


def run(args: argparse.Namespace) -> int:
    from scanstation.scanners.ports import PortRow, system_ports

    if args.watch:
        try:
            watch(sys.stdout, threading.Event(), system_ports)
        except KeyboardInterrupt:
            pass
        return 0

    rows = [PortRow.of(info) for info in system_ports()]
    if args.json:
        print(json.dumps([asdict(row) for row in rows], indent=2))
    else:
        print_table(rows, sys.stdout)
    return 0


def print_table(rows: Sequence[PortRow], out: TextIO) -> None:
    """The table an admin reads to tell which port is the scanner, with what to put in the config."""
    if not rows:
        print(
            "No serial ports found. Plug the scanner in (USB CDC or a USB-serial adapter) and run this again;\n"
            'a scanner in keyboard mode is no serial port: use type = "wedge" for it.',
            file=out,
        )
        return
    table = [[getattr(row, key) or "-" for key, _ in COLUMNS] for row in rows]
    widths = [max(len(title), *(len(line[i]) for line in table)) for i, (_, title) in enumerate(COLUMNS)]
    print("  ".join(title.ljust(w) for (_, title), w in zip(COLUMNS, widths, strict=True)).rstrip(), file=out)
    for line in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip(), file=out)
    if any(row.vid_pid for row in rows):
        print(
            '\nIn the config, match a USB scanner by usb_vid/usb_pid (e.g. usb_vid = "0c2e"), usb_serial or\n'
            "usb_location so it is found again when it is re-plugged under another device name.",
            file=out,
        )


def watch(out: TextIO, stop: threading.Event, list_ports: PortLister, interval_s: float = 1.0) -> None:
    """Print the ports, then a line per port plugged in or pulled out, until `stop` is set (or Ctrl+C)."""
    from scanstation.scanners.ports import PortWatcher

    shown: dict[str, PortRow] = {}
    first = threading.Event()

    def on_change(rows: list[PortRow]) -> None:
        now = {row.device: row for row in rows}
        if not first.is_set():
            print_table(rows, out)
            print("\nWatching for ports plugged in or pulled out (Ctrl+C ends)...", file=out)
            first.set()
        else:
            for device in sorted(now.keys() - shown.keys()):
                row = now[device]
                details = "  ".join(v for v in (row.description, row.vid_pid, row.serial_number, row.location) if v)
                print(f"plugged in: {device}" + (f"  {details}" if details else ""), file=out)
            for device in sorted(shown.keys() - now.keys()):
                print(f"pulled out: {device}", file=out)
        out.flush()
        shown.clear()
        shown.update(now)

    watcher = PortWatcher(on_change, interval_s=interval_s, list_ports=list_ports)
    watcher.start()
    try:
        stop.wait()
    finally:
        watcher.stop()
