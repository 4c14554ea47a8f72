"""`scanstation ports`: the table and JSON an admin reads to tell which serial port is the scanner."""

from __future__ import annotations

import io
import json
import subprocess
import sys

from serial.tools.list_ports_common import ListPortInfo

from scanstation.commands.ports import print_table
from scanstation.config import ScannerConfig
from scanstation.scanners.ports import PortRow, matching_ports, usb_match_text


def usb_port(device: str, serial_number: str = "17273B0245") -> ListPortInfo:
    info = ListPortInfo(device, skip_link_detection=True)
    info.vid, info.pid, info.serial_number, info.location = 0x0C2E, 0x0B61, serial_number, "1-1.4:1.0"
    info.manufacturer, info.product = "Honeywell", "Xenon 1900"
    info.apply_usb_info()
    return info


def test_table_shows_device_description_vid_pid_serial_and_location() -> None:
    out = io.StringIO()
    print_table([PortRow.of(usb_port("/dev/ttyACM0")), PortRow.of(ListPortInfo("/dev/ttyS0", True))], out)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["DEVICE", "DESCRIPTION", "VID:PID", "SERIAL", "LOCATION"]
    assert lines[1].split() == ["/dev/ttyACM0", "Xenon", "1900", "0c2e:0b61", "17273B0245", "1-1.4:1.0"]
    assert lines[2].split() == ["/dev/ttyS0", "-", "-", "-", "-"]
    assert 'usb_vid = "0c2e"' in out.getvalue()


def test_a_symlink_row_names_its_target() -> None:
    link = ListPortInfo("/dev/serial/by-id/usb-Honeywell_Xenon-if00", skip_link_detection=True)
    link.hwid = "n/a LINK=/dev/ttyACM0"
    assert PortRow.of(link).description == "link to /dev/ttyACM0"
    assert (
        matching_ports([link, usb_port("/dev/ttyACM0")], ScannerConfig("s", "serial", usb_vid=0x0C2E))[0].device
        == "/dev/ttyACM0"
    )


def test_no_ports_is_said_in_words() -> None:
    out = io.StringIO()
    print_table([], out)
    assert out.getvalue().startswith("No serial ports found.")
    assert "wedge" in out.getvalue()


def test_usb_match_on_serial_number_and_location() -> None:
    ports = [usb_port("/dev/ttyACM0", "AAA"), usb_port("/dev/ttyACM1", "BBB")]
    by_serial = ScannerConfig("s", "serial", usb_vid=0x0C2E, usb_pid=0x0B61, usb_serial="BBB")
    assert [p.device for p in matching_ports(ports, by_serial)] == ["/dev/ttyACM1"]
    by_location = ScannerConfig("s", "serial", usb_location="1-1.4:1.0")
    assert len(matching_ports(ports, by_location)) == 2
    assert usb_match_text(by_serial) == "USB 0c2e:0b61 serial BBB"


def test_ports_command_runs_as_a_process_in_both_formats() -> None:
    table = subprocess.run(
        [sys.executable, "-m", "scanstation", "ports"], capture_output=True, text=True, timeout=60, check=True
    )
    assert table.stdout.startswith(("DEVICE", "No serial ports found."))
    listed = subprocess.run(
        [sys.executable, "-m", "scanstation", "ports", "--json"], capture_output=True, text=True, timeout=60, check=True
    )
    rows = json.loads(listed.stdout)
    assert isinstance(rows, list)
    for row in rows:
        assert set(row) == {"device", "description", "vid_pid", "serial_number", "location", "manufacturer"}


def test_ports_command_module_is_cheap_to_import() -> None:
    code = "import sys, scanstation.commands.ports; print('serial' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "False"
