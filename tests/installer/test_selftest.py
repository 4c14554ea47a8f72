"""`scanstation self-test` as a process: every check passes on a fresh station, and a broken part fails by name."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from scanstation.gui import qt
from scanstation.gui.selftest import SCREENS, SelfTestGui, image_colours
from tests.installer.test_spec import spec_namespace

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "installer" / "dist" / "scanstation" / "scanstation"
CHECKS = [
    "config",
    "migrations",
    "parse",
    "outcomes",
    "qt",
    "station",
    "translation",
    *(f"screen {name}" for name, _ in SCREENS),
    "sound",
    "media backend",
    "labels",
    "badge",
    "stop",
]
# Runs a command of the station with Python modules refused as if they were not there (a bundle without them).
BLOCKED_RUN = """
import importlib.abc, sys
blocked = set(sys.argv[1].split(",")) - {""}
class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if any(name == b or name.startswith(b + ".") for b in blocked):
            raise ModuleNotFoundError(f"No module named {name!r} (left out of the bundle)", name=name)
        return None
sys.meta_path.insert(0, Refuse())
if sys.argv[2:] == ["--import-all"]:  # every module of the station, for those the self-test does not reach
    import pkgutil, scanstation
    for module in pkgutil.walk_packages(scanstation.__path__, "scanstation."):
        __import__(module.name)
    sys.exit(0)
from scanstation.cli import main
sys.exit(main(sys.argv[2:]))
"""


def _environ(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    return {**env, "PYTHONPATH": str(ROOT), "SCANSTATION_HOME": str(home), **extra}


def _run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=240, check=False, cwd=ROOT)


def _lines(out: str) -> dict[str, str]:
    """check name -> its line, for `ok   name: words` and `FAIL name: why`."""
    found = {}
    for line in out.splitlines():
        m = re.match(r"(ok  |FAIL) ([^:]+): ", line)
        if m:
            found[m.group(2)] = line
    return found


def test_every_check_passes_offscreen_in_the_venv(tmp_path: Path) -> None:
    spec = spec_namespace(tmp_path / "pyinstaller-work")
    # The modules the spec leaves out are refused, so a station import of one fails here, not only in the bundle.
    blocked = ",".join(spec["EXCLUDES"])
    result = _run([sys.executable, "-c", BLOCKED_RUN, blocked, "self-test"], _environ(tmp_path, QT_DEBUG_PLUGINS="1"))
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    lines = _lines(result.stdout)
    assert list(lines) == CHECKS, result.stdout
    assert all(line.startswith("ok   ") for line in lines.values())
    assert "platform offscreen" in lines["qt"]  # with no display asked for, whatever DISPLAY says
    assert "'ALREADY RECEIVED' is 'УЖЕ ПРИНЯТА'" in lines["translation"]
    assert "matched, duplicate, unknown, ambiguous, not_expected, invalid" in lines["outcomes"]
    # No sound device on a test machine: the line says the fallback, and which.
    assert re.search(r"played on|no sound \(.+\): the banner flashed instead", lines["sound"])

    # What the station really loaded is none of what the spec leaves out of the bundle.
    loaded = set(re.findall(r'/plugins/([\w-]+)/lib([\w-]+)\.so" loaded library', result.stderr))
    assert {"platforms", "multimedia", "printsupport"} <= {folder for folder, _ in loaded}, result.stderr[-3000:]
    # The media backend lists every image format once (what a camera's still could be saved as), which loads each
    # image plugin: that is a listing, not a use. Photos are JPEG, or files in JPEG, PNG, WebP or BMP.
    assert {("imageformats", "qjpeg"), ("imageformats", "qwebp")} <= loaded
    assert not {"qjpeg", "qwebp"} & spec["UNWANTED_PLUGINS"]
    loaded = {(f, n) for f, n in loaded if f != "imageformats"}
    dropped = {(f, n) for f, n in loaded if n in spec["UNWANTED_PLUGINS"] or f in spec["UNWANTED_PLUGIN_FOLDERS"]}
    assert not dropped, f"the spec leaves out plugins the station loads: {dropped}"


def test_every_station_module_imports_without_what_the_spec_leaves_out(tmp_path: Path) -> None:
    spec = spec_namespace(tmp_path / "pyinstaller-work")
    result = _run([sys.executable, "-c", BLOCKED_RUN, ",".join(spec["EXCLUDES"]), "--import-all"], _environ(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    # The blocker works: a module the station does import is refused, and that fails.
    refused = _run([sys.executable, "-c", BLOCKED_RUN, "barcode", "--import-all"], _environ(tmp_path))
    assert refused.returncode == 1
    assert "No module named 'barcode' (left out of the bundle)" in refused.stderr


def test_no_import_in_the_station_code_names_what_the_spec_leaves_out(tmp_path: Path) -> None:
    # Imports inside functions too (openpyxl for a report, QtMultimedia's fallback), which no import run reaches.
    excluded = spec_namespace(tmp_path / "pyinstaller-work")["EXCLUDES"]
    imported: dict[str, str] = {}
    for path in sorted((ROOT / "scanstation").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            for name in names:
                imported.setdefault(name, str(path.relative_to(ROOT)))
    hits = {n: where for n, where in imported.items() if any(n == x or n.startswith(x + ".") for x in excluded)}
    assert not hits, f"the spec leaves out modules the station imports: {hits}"
    assert {"openpyxl", "PySide6.QtMultimedia", "barcode.writer"} <= set(imported)  # the scan sees lazy imports


def test_a_broken_part_fails_by_name_and_the_other_checks_still_run(tmp_path: Path) -> None:
    # A bundle without its resources: no catalogue and no sounds. The translation and sound checks say so.
    empty = tmp_path / "no-resources"
    empty.mkdir()
    code = (
        "import sys; from pathlib import Path; import scanstation.gui.resources as r; "
        f"r.resources_dir = lambda: Path({str(empty)!r}); "
        "from scanstation.cli import main; sys.exit(main(['self-test']))"
    )
    result = _run([sys.executable, "-c", code], _environ(tmp_path))
    assert result.returncode == 1, result.stdout + result.stderr[-3000:]
    lines = _lines(result.stdout)
    assert list(lines) == CHECKS  # every check ran
    failed = [name for name, line in lines.items() if line.startswith("FAIL")]
    assert failed == ["translation", "sound"], result.stdout
    assert "the ru translation could not be loaded" in lines["translation"]
    assert "no sound file for matched" in lines["sound"]


def test_a_blank_screen_fails(qapp: Any, tmp_path: Path) -> None:
    blank = qt.QWidget()
    blank.resize(300, 200)
    blank.setStyleSheet("background: white")
    check = SelfTestGui(tmp_path / "config.toml", None, {}).draw(lambda gui: blank)
    with pytest.raises(AssertionError, match="blank: 300x200 with 1 colours"):
        check()
    blank.close()
    assert image_colours(qt.QImage()) == 0


@pytest.mark.slow
@pytest.mark.skipif(not BUNDLE.is_file(), reason="no bundle built (installer/build.sh)")
def test_the_built_bundle_passes_its_self_test(tmp_path: Path) -> None:
    # Only when a bundle was built: the spec's left-out modules, plugins and ICU data are what it runs without.
    result = _run([str(BUNDLE), "self-test"], _environ(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert list(_lines(result.stdout)) == CHECKS
