"""`scanstation bench` alone: every benchmark in a subprocess of its own, and one table of figure, target, value."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from scanstation.bench.common import emit_json, machine_info, own_command, progress

__all__ = ["PLANS", "Figure", "Plan", "Row", "add_arguments", "rows_of", "run"]


@dataclass(frozen=True, slots=True)
class Figure:
    """One figure of a benchmark's JSON line (`key`, dotted into nested objects) and its target."""

    name: str
    key: str
    unit: str
    target: float | None  # None: shown, no target
    better: Literal["lower", "higher", "equal"] = "lower"

    def met(self, value: float) -> bool | None:
        if self.target is None:
            return None
        if self.better == "lower":
            return value <= self.target
        if self.better == "higher":
            return value >= self.target
        return value == self.target

    def target_words(self) -> str:
        if self.target is None:
            return ""
        sign = {"lower": "≤", "higher": "≥", "equal": "="}[self.better]
        return f"{sign} {self.target:g} {self.unit}".rstrip()


@dataclass(frozen=True, slots=True)
class Plan:
    """A benchmark as the table runs it: its arguments quick (minutes for all) and at the targets' size."""

    name: str
    quick: tuple[str, ...]
    full: tuple[str, ...]
    figures: tuple[Figure, ...]
    timeout_s: float = 1800


PLANS: tuple[Plan, ...] = (
    Plan(
        "receive",
        ("--parcels", "200000", "--scans", "2000"),
        ("--parcels", "1000000", "--scans", "2000"),
        (
            Figure("scan p50 against the plain-sqlite3 floor", "ratio_p50", "×", 2.0),
            Figure("scan p99", "p99_ms", "ms", 10.0),
            Figure("build of the database", "build_s", "s", 90.0),
            Figure("peak RSS", "peak_rss_mb", "MB", 300.0),
        ),
    ),
    Plan(
        "sync",
        ("--parcels", "200000"),
        ("--parcels", "1000000"),
        (
            Figure("initial pull", "initial_pull_s", "s", 60.0),
            Figure("incremental pull of the changes", "incremental_pull_s", "s", 2.0),
            Figure("push of the events", "push_s", "s", 10.0),
            Figure("scan during the pull, p99", "scan_during_pull_p99_ms", "ms", 50.0),
            Figure("station peak RSS", "station_peak_rss_mb", "MB", 400.0),
        ),
    ),
    Plan(
        "scanners",
        ("--scans", "1000"),
        ("--scans", "1000"),
        (
            Figure("pty scans lost", "pty_lost", "", 0, "equal"),
            Figure("pty scans merged or split", "pty_merged", "", 0, "equal"),
            Figure("socket scans lost", "socket_lost", "", 0, "equal"),
            Figure("pty input to verdict, p99", "pty_p99_ms", "ms", None),
        ),
    ),
    Plan(
        "gui",
        ("--parcels", "200000", "--scans", "500"),
        ("--parcels", "1000000", "--scans", "1000"),
        (
            Figure("event loop during the sync, p99", "event_loop_p99_ms", "ms", 50.0),
            Figure("scan to banner, p99", "scan_to_banner_p99_ms", "ms", 100.0),
        ),
    ),
    Plan(
        "suggest",
        ("--registrations", "200000"),
        ("--registrations", "1000000"),
        (
            *(
                Figure(f"suggestions, {kind.replace('_', ' ')}, p99", f"suggest_{kind}.p99_ms", "ms", 50.0)
                for kind in ("one_wrong", "two_wrong", "swapped", "same_tail", "order_number", "same_label")
            ),
            Figure("suggestions, other carrier, p99", "suggest_other_carrier.p99_ms", "ms", 50.0),
            Figure("suggestions: the right one first, one wrong", "suggest_one_wrong.first", "", 0.95, "higher"),
            *(
                Figure(f"search by {field.replace('_', ' ')}, p99", f"search_{field}.p99_ms", "ms", 100.0)
                for field in ("tracking_whole", "tracking_last_digits", "suite", "name", "order", "store")
            ),
        ),
    ),
    Plan(
        "supervisor",
        ("--registrations", "200000", "--scans", "100000"),
        ("--registrations", "1000000", "--scans", "500000"),
        tuple(
            Figure(f"{label}, p99", f"figures.{label}.p99_ms", "ms", 300.0)
            for label in (
                "queue: all kinds",
                "queue: unknown",
                "queue: deleted_after_receipt",
                "queue: bad_registration",
                "queue: overdue",
                "count_open: quick kinds",
                "count_open: the others (cap 500)",
                "shift report (busy day)",
            )
        ),
    ),
    Plan(
        "crash",
        ("--kills", "5"),
        ("--kills", "20"),
        (
            Figure("events lost", "lost", "", 0, "equal"),
            Figure("events twice", "twice", "", 0, "equal"),
            Figure("processes left behind", "leftovers", "", 0, "equal"),
            Figure("integrity_check failures", "integrity_failures", "", 0, "equal"),
            Figure("events checked", "events", "", None),
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the table: a figure's value and whether it met its target (None: no target, or not measured)."""

    benchmark: str
    figure: str
    target: str
    value: float | None
    unit: str
    met: bool | None
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "benchmark": self.benchmark,
            "figure": self.figure,
            "target": self.target,
            "value": self.value,
            "unit": self.unit,
            "met": self.met,
            "note": self.note,
        }


def _lookup(result: Mapping[str, Any], key: str) -> Any:
    value: Any = result
    for part in key.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def rows_of(plan: Plan, result: Mapping[str, Any] | None, failure: str = "") -> list[Row]:
    """The table's rows for one benchmark's JSON line; a figure it lacks (or a failed run) is a miss with why."""
    rows = []
    for figure in plan.figures:
        value = None if result is None else _lookup(result, figure.key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            why = failure or f"no {figure.key} in its output"
            rows.append(Row(plan.name, figure.name, figure.target_words(), None, figure.unit, False, why))
            continue
        rows.append(Row(plan.name, figure.name, figure.target_words(), float(value), figure.unit, figure.met(value)))
    return rows


def _last_json_line(text: str) -> dict[str, Any] | None:
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                parsed = json.loads(line)
            except ValueError:
                return None
            return parsed if isinstance(parsed, dict) else None
    return None


def _run_one(plan: Plan, arguments: Sequence[str]) -> tuple[dict[str, Any] | None, str, float]:
    command = [*own_command(), "bench", plan.name, *arguments, "--json"]
    started = time.monotonic()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=plan.timeout_s, check=False)
    except subprocess.TimeoutExpired:
        return None, f"did not finish in {plan.timeout_s:.0f} s", time.monotonic() - started
    seconds = time.monotonic() - started
    result = _last_json_line(done.stdout)
    if result is None:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return None, f"exit {done.returncode}, no JSON line: {tail[:160]}", seconds
    return result, "", seconds


def _cell(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 or value == int(value) else f"{value:.3g}"


def _print_table(rows: Sequence[Row], machine: Mapping[str, Any], started: datetime, size: str) -> None:
    load = machine.get("loadavg_1m")
    print(
        f"scanstation benchmarks, {size} sizes, {started:%Y-%m-%d %H:%M} UTC, {machine.get('cpus')} cores"
        + (f", load {load} at the start" if load is not None else "")
        + f", Python {machine.get('python')}, SQLite {machine.get('sqlite')}"
    )
    header = ("benchmark", "figure", "target", "value", "")
    body = [
        (
            r.benchmark,
            r.figure,
            r.target,
            "—" if r.value is None else f"{_cell(r.value)} {r.unit}".strip(),
            {True: "pass", False: "MISS", None: ""}[r.met] + (f" ({r.note})" if r.note else ""),
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in (header, *body)) for i in range(4)]
    for line in (header, *body):
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=False)) + "  " + line[4])
    missed = sum(1 for r in rows if r.met is False)
    print(f"{len(rows)} figures, {missed} missed")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--full", action="store_true", help="every benchmark at its targets' size (a million registrations)"
    )
    parser.add_argument("--only", metavar="NAMES", help="comma-separated benchmarks to run (default: all)")


def run(args: argparse.Namespace) -> int:
    """Run the plans, print the table (and with --json its JSON line); exit 1 when a figure missed its target."""
    wanted = {name.strip() for name in (args.only or "").split(",") if name.strip()}
    unknown = wanted - {plan.name for plan in PLANS}
    if unknown:
        print(f"scanstation bench: no benchmark {', '.join(sorted(unknown))} in the table", file=sys.stderr)
        return 2
    started = datetime.now(UTC)
    machine = machine_info()
    rows: list[Row] = []
    seconds: dict[str, float] = {}
    for plan in PLANS:
        if wanted and plan.name not in wanted:
            continue
        arguments = plan.full if args.full else plan.quick
        progress(f"bench {plan.name} {' '.join(arguments)}", quiet=False)
        result, failure, seconds[plan.name] = _run_one(plan, arguments)
        rows += rows_of(plan, result, failure)
    _print_table(rows, machine, started, "full" if args.full else "quick")
    if args.json:
        emit_json(
            {
                "benchmark": "table",
                "size": "full" if args.full else "quick",
                "started": started.isoformat(timespec="seconds"),
                "rows": [row.as_dict() for row in rows],
                "seconds": {name: round(s, 1) for name, s in seconds.items()},
                "machine": machine,
                "load_after": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
            }
        )
    return 1 if any(row.met is False for row in rows) else 0
