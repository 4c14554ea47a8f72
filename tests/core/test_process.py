"""Importing the station's modules leaves the interpreter as it was; the processes' entry points tune it."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from scanstation import process

_IMPORT_EVERYTHING = textwrap.dedent(
    """
    import gc, importlib, pkgutil, sys
    import scanstation
    before = (sys.getswitchinterval(), gc.get_freeze_count())
    for module in pkgutil.walk_packages(scanstation.__path__, "scanstation."):
        if ".migrations." not in module.name and not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    assert (sys.getswitchinterval(), gc.get_freeze_count()) == before, before
    """
)


def test_importing_every_module_changes_no_interpreter_setting() -> None:
    result = subprocess.run([sys.executable, "-c", _IMPORT_EVERYTHING], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_the_gil_is_handed_over_quickly_and_never_more_slowly_than_asked() -> None:
    before = sys.getswitchinterval()
    try:
        sys.setswitchinterval(0.005)
        process.share_the_gil_quickly()
        assert sys.getswitchinterval() == process.SWITCH_INTERVAL_S
        sys.setswitchinterval(0.0005)
        process.share_the_gil_quickly()
        assert sys.getswitchinterval() == 0.0005
    finally:
        sys.setswitchinterval(before)
