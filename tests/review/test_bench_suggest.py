"""`scanstation bench suggest` end to end on a tiny feed: every kind timed, the right registration found."""

from __future__ import annotations

import json

import pytest

from scanstation.bench.suggest import KINDS, SEARCHES
from scanstation.cli import main


@pytest.mark.slow
def test_a_tiny_run_reports_every_kind_and_finds_the_right_registrations(capsys: pytest.CaptureFixture[str]) -> None:
    small = ["--registrations", "3000", "--unknowns", "30", "--searches", "20", "--build-workers", "0"]
    assert main(["bench", "suggest", *small, "--json", "--quiet"]) == 0
    out = capsys.readouterr().out
    figures = json.loads(out.splitlines()[-1])
    assert figures["registrations"] == 3000
    for kind in KINDS:
        got = figures[f"suggest_{kind}"]
        assert got["n"] >= 25, kind  # a few same-label or other-carrier cases may be dropped as already matched
        assert got["top5"] >= 0.9, kind
        assert got["p99_ms"] > 0
        assert f"suggest {kind}" in out
    for kind in SEARCHES:
        got = figures[f"search_{kind}"]
        assert got["n"] == 20, kind
        assert f"search {kind}" in out
    for kind in ("tracking_whole", "tracking_beginning", "tracking_last_digits", "suite", "order"):
        assert figures[f"search_{kind}"]["found"] == 1.0, kind
    assert "meets every target:" in out
