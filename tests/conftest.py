"""Test-wide set-up: no real home directory, Qt offscreen; database fixtures live in tests/dbfixtures.py."""

from __future__ import annotations

import os
import tempfile

# Before anything imports Qt or platformdirs: nothing a test does may touch the real home or need a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["SCANSTATION_HOME"] = tempfile.mkdtemp(prefix="scanstation-test-home-")
os.environ.pop("SCANSTATION_CONFIG", None)

pytest_plugins = ["tests.dbfixtures"]
