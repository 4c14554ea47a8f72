"""`scanstation bench` alone: each benchmark in a process of its own, its figures against their targets, one table."""

from __future__ import annotations

import argparse
import json

import pytest

from scanstation.bench import table
from scanstation.bench.table import Figure, Plan, rows_of

pytestmark = pytest.mark.slow

PLAN = Plan(
    "scanners",
    ("--scans", "30"),
    ("--scans", "30"),
    (
        Figure("pty scans lost", "pty_lost", "", 0, "equal"),
        Figure("pty input to verdict, p99", "pty_p99_ms", "ms", 1e-9),  # a target nothing meets: a miss
        Figure("a figure the benchmark does not give", "no_such_key", "s", 1.0),
        Figure("CPU count", "machine.cpus", "", None),
    ),
)


def test_figures_are_read_from_the_json_line_and_judged_against_their_targets() -> None:
    rows = rows_of(PLAN, {"pty_lost": 0, "pty_p99_ms": 4.2, "machine": {"cpus": 2}})
    assert [(r.figure, r.value, r.met) for r in rows] == [
        ("pty scans lost", 0.0, True),
        ("pty input to verdict, p99", 4.2, False),
        ("a figure the benchmark does not give", None, False),
        ("CPU count", 2.0, None),
    ]
    assert rows[0].target == "= 0" and rows[1].target == "≤ 1e-09 ms"
    assert "no no_such_key" in rows[2].note


def test_a_failed_run_is_a_miss_with_its_reason() -> None:
    rows = rows_of(PLAN, None, "exit 2, no JSON line: boom")
    assert all(r.met is False and r.note == "exit 2, no JSON line: boom" for r in rows)


def test_the_table_runs_each_benchmark_and_prints_one_row_per_figure(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(table, "PLANS", (PLAN,))
    status = table.run(argparse.Namespace(full=False, only=None, json=True))
    out = capsys.readouterr().out
    assert status == 1  # the impossible target was missed
    lines = out.splitlines()
    assert lines[0].startswith("scanstation benchmarks, quick sizes,") and "cores" in lines[0]
    assert any(line.startswith("scanners") and "pty scans lost" in line and line.endswith("pass") for line in lines)
    assert any("pty input to verdict, p99" in line and line.rstrip().endswith("MISS") for line in lines)
    result = json.loads(lines[-1])
    assert result["benchmark"] == "table"
    assert [row["met"] for row in result["rows"]] == [True, False, False, None]
    assert result["rows"][0]["value"] == 0


def test_an_unknown_benchmark_is_refused() -> None:
    assert table.run(argparse.Namespace(full=False, only="nope", json=False)) == 2
