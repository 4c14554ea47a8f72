"""`scanstation ports`: list serial ports (device, description, VID:PID, serial number, USB location)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from scanstation.scanners.ports import PortRow

COLUMNS = (
    ("device", "DEVICE"),
    ("description", "DESCRIPTION"),
    ("vid_pid", "VID:PID"),
    ("serial_number", "SERIAL"),
    ("location", "LOCATION"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print a JSON array instead of a table")


def run(args: argparse.Namespace) -> int:
    from scanstation.scanners.ports import PortRow, system_ports

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
