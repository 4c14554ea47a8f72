"""config.example.toml rendered from the declarations: `python -m scanstation.config.example > config.example.toml`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Final

from scanstation.config.reader import REQUIRED
from scanstation.config.settings import NO_EXAMPLE, SCANNERS, SECTIONS, SectionSpec, Setting

HEADER: Final = """\
# scanstation configuration: every key the station reads, with its default.
# This file is written from the declarations in scanstation/config/settings.py:
#   python -m scanstation.config.example > config.example.toml
#
# Where the station looks for this file, first match wins:
#   1. scanstation ... --config PATH
#   2. the environment variable SCANSTATION_CONFIG
#   3. config.toml in the user's config directory (Linux: ~/.config/scanstation/config.toml,
#      Windows: %LOCALAPPDATA%\\scanstation\\config.toml)
#   4. config.toml in the system config directory, where the installers put it
#      (Linux: /etc/scanstation/config.toml, Windows: %PROGRAMDATA%\\scanstation\\config.toml)
# Check a file with `scanstation config check --config PATH`: every mistake is reported at once, each
# with the key, the problem and the fix, and the station refuses to start (exit status 2).
# Unknown keys are errors too, so a typo never silently falls back to a default. Numbers must lie in
# the range given [in brackets] beside each key (nan and inf are refused); text settings may not contain
# line breaks or other control characters (only a scanner's `prefix` and `fnc1_substitutes` may).
"""

# The example's scanners: one of each type; each block documents the keys of its type not shown before.
EXAMPLE_SCANNERS: Final[tuple[Mapping[str, object], ...]] = (
    {"name": "dock1", "type": "serial", "port": "/dev/ttyACM0"},
    {"name": "fixed-mount", "type": "socket", "url": "socket://192.0.2.10:2001", "terminator": "CRLF"},
    {"name": "handheld-usb", "type": "wedge"},
)


def toml_value(value: object) -> str:
    """`value` as TOML writes it (the few kinds settings have)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # JSON's string escapes are TOML's, \u0002 included
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    raise TypeError(f"no TOML form for {value!r}")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def allowed(setting: Setting) -> str:
    """The values a setting takes, in words ("" when any of its type)."""
    if setting.choices is not None:
        return "one of " + ", ".join(setting.choices)
    if setting.lo is not None and setting.hi is not None:
        return f"{_number(setting.lo)} to {_number(setting.hi)}"
    return ""


def _comment(setting: Setting) -> list[str]:
    words = allowed(setting)
    first = setting.description if not words else f"{setting.description} [{words}]"
    if setting.restart:
        first += " (A change takes effect at the next start.)"
    return [f"# {line}" if line else "#" for line in (first, *setting.notes)]


def _line(setting: Setting, given: Mapping[str, object]) -> str:
    """`key = value`: what the example gives, else the default; an optional setting is shown commented out."""
    if setting.name in given:
        return f"{setting.name} = {toml_value(given[setting.name])}"
    default = setting.default
    unset = default is REQUIRED or default is None or setting.default_factory is not None
    if not unset:
        return f"{setting.name} = {toml_value(default)}"
    assert setting.example is not NO_EXAMPLE, f"{setting.name} needs an example value"
    active = default is REQUIRED or setting.default_factory is not None or setting.example_active
    return f"{'' if active else '# '}{setting.name} = {toml_value(setting.example)}"


def _table(spec: SectionSpec) -> list[str]:
    lines = ["", f"[{spec.name}]"]
    for setting in spec.settings:
        lines += [*_comment(setting), _line(setting, {})]
    return lines


def _scanner_blocks() -> list[str]:
    lines = ["", *(f"# {line}" for line in (SCANNERS.description, *SCANNERS.notes))]
    shown: set[str] = set()
    for given in EXAMPLE_SCANNERS:
        lines += ["", f"[[{SCANNERS.name}]]"]
        for setting in SCANNERS.settings:
            applies = not setting.scanner_types or given["type"] in setting.scanner_types
            new = setting.name not in shown and applies
            if new:
                lines += _comment(setting)
            if new or setting.name in given:
                lines.append(_line(setting, given))
            if applies:
                shown.add(setting.name)
    return lines


def render_example() -> str:
    """The whole example file: every declared setting with its words, range and default."""
    lines = HEADER.rstrip("\n").split("\n")
    for spec in sorted(SECTIONS, key=lambda spec: spec.many):  # the scanners' blocks last, easier to read
        lines += _scanner_blocks() if spec.many else _table(spec)
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render_example(), end="")
