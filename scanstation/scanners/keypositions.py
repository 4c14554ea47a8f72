"""Key positions to what the US layout types there: a keyboard scanner's keys read whatever layout is active."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

__all__ = ["KeyCodes", "us_char"]


class KeyCodes(StrEnum):
    """Which native code of a key event names its physical position, by Qt platform."""

    EVDEV = "evdev"  # Linux evdev code; X11 and Wayland key codes are evdev + 8; Windows scan codes (set 1) equal it
    MAC = "mac"  # macOS virtual key codes (kVK_ANSI_*), which name positions


# The US layout's keys by evdev code (== PC scan code set 1): (unshifted, shifted).
_EVDEV_US: Final[dict[int, tuple[str, str]]] = {
    2: ("1", "!"), 3: ("2", "@"), 4: ("3", "#"), 5: ("4", "$"), 6: ("5", "%"), 7: ("6", "^"),
    8: ("7", "&"), 9: ("8", "*"), 10: ("9", "("), 11: ("0", ")"), 12: ("-", "_"), 13: ("=", "+"),
    16: ("q", "Q"), 17: ("w", "W"), 18: ("e", "E"), 19: ("r", "R"), 20: ("t", "T"), 21: ("y", "Y"),
    22: ("u", "U"), 23: ("i", "I"), 24: ("o", "O"), 25: ("p", "P"), 26: ("[", "{"), 27: ("]", "}"),
    30: ("a", "A"), 31: ("s", "S"), 32: ("d", "D"), 33: ("f", "F"), 34: ("g", "G"), 35: ("h", "H"),
    36: ("j", "J"), 37: ("k", "K"), 38: ("l", "L"), 39: (";", ":"), 40: ("'", '"'), 41: ("`", "~"),
    43: ("\\", "|"), 44: ("z", "Z"), 45: ("x", "X"), 46: ("c", "C"), 47: ("v", "V"), 48: ("b", "B"),
    49: ("n", "N"), 50: ("m", "M"), 51: (",", "<"), 52: (".", ">"), 53: ("/", "?"), 57: (" ", " "),
}  # fmt: skip

# macOS kVK_ANSI_* codes of the same keys.
_MAC_US: Final[dict[int, tuple[str, str]]] = {
    0x12: ("1", "!"), 0x13: ("2", "@"), 0x14: ("3", "#"), 0x15: ("4", "$"), 0x17: ("5", "%"),
    0x16: ("6", "^"), 0x1A: ("7", "&"), 0x1C: ("8", "*"), 0x19: ("9", "("), 0x1D: ("0", ")"),
    0x1B: ("-", "_"), 0x18: ("=", "+"), 0x0C: ("q", "Q"), 0x0D: ("w", "W"), 0x0E: ("e", "E"),
    0x0F: ("r", "R"), 0x11: ("t", "T"), 0x10: ("y", "Y"), 0x20: ("u", "U"), 0x22: ("i", "I"),
    0x1F: ("o", "O"), 0x23: ("p", "P"), 0x21: ("[", "{"), 0x1E: ("]", "}"), 0x00: ("a", "A"),
    0x01: ("s", "S"), 0x02: ("d", "D"), 0x03: ("f", "F"), 0x05: ("g", "G"), 0x04: ("h", "H"),
    0x26: ("j", "J"), 0x28: ("k", "K"), 0x25: ("l", "L"), 0x29: (";", ":"), 0x27: ("'", '"'),
    0x32: ("`", "~"), 0x2A: ("\\", "|"), 0x06: ("z", "Z"), 0x07: ("x", "X"), 0x08: ("c", "C"),
    0x09: ("v", "V"), 0x0B: ("b", "B"), 0x2D: ("n", "N"), 0x2E: ("m", "M"), 0x2B: (",", "<"),
    0x2F: (".", ">"), 0x2C: ("/", "?"), 0x31: (" ", " "),
}  # fmt: skip

_TABLES: Final = {KeyCodes.EVDEV: _EVDEV_US, KeyCodes.MAC: _MAC_US}


def us_char(codes: KeyCodes, code: int, *, shift: bool, control: bool = False) -> str | None:
    """What the US layout types at the key `code` names, by Shift alone (Caps Lock is ignored); None: unknown key.

    With Control, a key whose US character is a letter or one of @ [ ] ^ _ or backslash gives its ASCII control code
    (Ctrl+] is GS), as a scanner means it.
    """
    keys = _TABLES[codes].get(code)
    if keys is None:
        return None
    char = keys[1] if shift else keys[0]
    if control:
        upper = char.upper()
        return chr(ord(upper) - 0x40) if "@" <= upper <= "_" else None
    return char
