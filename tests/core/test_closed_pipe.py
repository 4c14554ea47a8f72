"""`scanstation parse ... | head -1`: a reader that leaves early ends the command quietly, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.parametrize(
    "args",
    [
        ["parse", "--typed", *(f"1Z999AA1012345678{i % 10}" for i in range(2000))],
        ["config", "check", "--config", "{config}"],
    ],
    ids=["parse", "config-check"],
)
def test_a_closed_stdout_ends_the_command_without_a_traceback(tmp_path: Path, args: list[str]) -> None:
    config = tmp_path / "station.toml"
    config.write_text('[station]\nid = "st-1"\n[logging]\nfile = false\n', encoding="utf-8")
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line: every write meets a broken pipe
    try:
        done = subprocess.run(
            [sys.executable, "-m", "scanstation", *(a.replace("{config}", str(config)) for a in args)],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            env={**os.environ, "SCANSTATION_HOME": str(tmp_path / "home")},
            check=False,
        )
    finally:
        os.close(write_end)
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr, done.stderr
    assert done.returncode == 141
