"""The scanners benchmark runs end to end and proves its own claim: every scan written gets one verdict."""

from __future__ import annotations

import json
import subprocess
import sys


def test_bench_scanners_loses_and_merges_nothing() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scanstation", "bench", "scanners", "--scans", "60", "--burst", "--json"],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    for transport in ("pty", "socket"):
        assert figures[f"{transport}_n"] == 60
        assert figures[f"{transport}_lost"] == 0
        assert figures[f"{transport}_merged"] == 0
        assert figures[f"{transport}_p99_ms"] >= figures[f"{transport}_p50_ms"] > 0
