"""`scanstation bench crash`, small: a station SIGKILLed mid-scan and mid-pull loses nothing and leaves nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")]


def test_bench_crash_kills_the_station_five_times_and_nothing_is_lost(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "scanstation", "bench", "crash", "--kills", "5", "--parcels", "3000",
         "--registered", "60", "--max-life-s", "1.5", "--seed", "3", "--keep", str(tmp_path / "station"),
         "--json", "--quiet"],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )  # fmt: skip
    assert done.stdout.strip(), done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    report = done.stdout  # the printed figures, shown when an assertion fails
    assert result["benchmark"] == "crash"
    assert result["kills"] == 5, report
    assert result["scans_written"] > 0 and result["verdicts_checked"] > 0 and result["events"] > 0, report
    assert result["lost"] == 0, report
    assert result["twice"] == 0 and result["unknown_at_station"] == 0, report
    assert result["leftovers"] == 0, report
    assert result["integrity_failures"] == 0 and result["integrity_checks"] == 12, report
    assert result["final_clean"] and result["drained"], report
    assert result["ok"] is True and done.returncode == 0, report
    assert "Traceback" not in done.stderr
