"""Helpers every benchmark shares: percentiles, peak memory, a stopwatch, the printed table and the JSON line."""

from __future__ import annotations

import argparse
import json
import math
import platform
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "Stats",
    "add_json_option",
    "children_cpu_s",
    "emit_json",
    "free_port",
    "machine_info",
    "own_command",
    "peak_rss_mb",
    "percentile",
    "print_stats",
    "progress",
    "remove_station_files",
    "running_simulator",
    "stopwatch",
]


def percentile(samples: Sequence[float], pct: float) -> float:
    """The pct-th percentile (0-100) with linear interpolation between ranks (numpy's default)."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = (len(ordered) - 1) * pct / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True, slots=True)
class Stats:
    """Latency summary in milliseconds of a list of durations in seconds."""

    n: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Stats:
        ms = sorted(s * 1000 for s in seconds)
        return cls(
            n=len(ms),
            p50_ms=percentile(ms, 50),
            p95_ms=percentile(ms, 95),
            p99_ms=percentile(ms, 99),
            mean_ms=sum(ms) / len(ms) if ms else math.nan,
            max_ms=ms[-1] if ms else math.nan,
        )

    def as_dict(self, prefix: str = "") -> dict[str, float | int]:
        """Fields named `<prefix>p50_ms` etc., rounded for a JSON line."""
        return {
            f"{prefix}n": self.n,
            f"{prefix}p50_ms": round(self.p50_ms, 4),
            f"{prefix}p95_ms": round(self.p95_ms, 4),
            f"{prefix}p99_ms": round(self.p99_ms, 4),
            f"{prefix}mean_ms": round(self.mean_ms, 4),
            f"{prefix}max_ms": round(self.max_ms, 4),
        }


def children_cpu_s() -> float | None:
    """CPU seconds (user + system) of the child processes waited for so far; None where unknown."""
    try:
        import resource
    except ImportError:
        return None
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb(*, children: bool = False) -> float | None:
    """Peak resident memory in MiB of this process, or (children=True) of the largest child waited for.

    None where the OS does not say (Windows).
    """
    try:
        import resource
    except ImportError:
        return None
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    peak = resource.getrusage(who).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    """`with stopwatch() as t: ...` then `t[0]` is the elapsed seconds (perf_counter)."""
    box: list[float] = []
    start = time.perf_counter()
    try:
        yield box
    finally:
        box.append(time.perf_counter() - start)


def progress(message: str, *, quiet: bool = False) -> None:
    """A progress line on stderr, so stdout stays the report (and its last line the JSON)."""
    if not quiet:
        print(message, file=sys.stderr, flush=True)


def print_stats(label: str, stats: Stats, *, file: Any = None) -> None:
    """One aligned line: label, n, p50, p95, p99, mean, max (ms)."""
    print(
        f"{label:<28} n={stats.n:<7} p50 {stats.p50_ms:8.3f} ms   p95 {stats.p95_ms:8.3f} ms   "
        f"p99 {stats.p99_ms:8.3f} ms   mean {stats.mean_ms:8.3f} ms   max {stats.max_ms:8.3f} ms",
        file=file or sys.stdout,
    )


def machine_info() -> dict[str, Any]:
    """What the figures were measured on."""
    import os

    info: dict[str, Any] = {
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }
    if hasattr(os, "getloadavg"):
        # On a shared machine the figures move with the load: say what it was.
        info["loadavg_1m"] = round(os.getloadavg()[0], 2)
    return info


def own_command() -> list[str]:
    """How to run this station's command line again: the frozen program itself, or this Python with -m."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "scanstation"]


def add_json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="end the output with one line of JSON (the figures)")


def emit_json(result: Mapping[str, Any]) -> None:
    """Print the figures as the last line of stdout: one JSON object, NaN written as null."""

    def clean(value: Any) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, Mapping):
            return {str(k): clean(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [clean(v) for v in value]
        return value

    sys.stdout.flush()
    print(json.dumps(clean(dict(result)), ensure_ascii=False, separators=(",", ":"), allow_nan=False), flush=True)


def free_port() -> int:
    """A TCP port free on loopback right now (for a simulator started in its own process)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Simulator:
    """The central-server simulator a benchmark runs against, in its own process as the real server would be."""

    url: str  # the station API's base URL
    port: int
    process: subprocess.Popen[bytes]


@contextmanager
def running_simulator(
    benchmark: str, *, parcels: int, seed: int, db: Path, token: str, quiet: bool
) -> Iterator[Simulator]:
    """`scanstation devserver` on a free loopback port, answering /health; stopped on the way out.

    Generating a million registrations the first time takes a while, so it may take up to an hour
    to come up. SystemExit (naming `benchmark`) when it exits or never answers.
    """
    import requests

    port = free_port()
    command = [*own_command(), "devserver", "--port", str(port), "--token", token]
    command += ["--parcels", str(parcels), "--seed", str(seed), "--db", str(db)]
    progress(f"starting the simulator ({parcels} registrations; generating them the first time)", quiet=quiet)
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL if quiet else None)
    try:
        url = f"http://127.0.0.1:{port}/api/station/v1"
        deadline = time.monotonic() + 3600
        while True:
            if process.poll() is not None:
                raise SystemExit(
                    f"scanstation bench {benchmark}: the simulator exited with status {process.returncode}"
                )
            try:
                if requests.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"scanstation bench {benchmark}: the simulator did not come up within an hour")
            time.sleep(0.5)
        yield Simulator(url, port, process)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def remove_station_files(station_db: Path) -> None:
    """A station's SQLite database and the feed file beside it, with their journals and the feed's fill lock."""
    from scanstation.store.feedfile import feed_path

    for base in (station_db, feed_path(station_db)):
        for suffix in ("", "-wal", "-shm", "-journal", "-fill.lock"):
            Path(f"{base}{suffix}").unlink(missing_ok=True)


def write_pty_station_config(
    folder: Path,
    *,
    station_id: str,
    server_url: str,
    port: str,
    operator: str = "conveyor",
    scanner: str = "pty1",
) -> Path:
    """`folder/station.toml` for a headless station on one pty scanner, quick to sync and undo-free."""
    path = folder / "station.toml"
    # json.dumps: a TOML basic string, escaped as JSON escapes it.
    path.write_text(
        f"""[station]
id = {json.dumps(station_id)}
operator = {json.dumps(operator)}
[database]
url = {json.dumps(f"sqlite:///{folder / 'station.db'}")}
[server]
url = {json.dumps(server_url)}
pull_interval_s = 1
push_interval_s = 0.2
backoff_initial_s = 0.1
backoff_max_s = 1
[receiving]
undo_window_s = 0
[logging]
file = false
[[scanners]]
name = {json.dumps(scanner)}
type = "serial"
port = {json.dumps(port)}
baudrate = 115200
terminator = "CR"
""",
        encoding="utf-8",
    )
    return path
