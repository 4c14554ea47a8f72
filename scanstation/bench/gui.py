"""`scanstation bench gui`: event-loop latency and scan-to-banner latency during an initial sync and a scan burst."""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import threading
import time
from collections import deque
from pathlib import Path

from scanstation.bench.common import add_json_option

TOKEN = "bench-gui-token"
STATION = "bench-gui"
TARGETS = {"event_loop_p99_ms": 50.0, "scan_to_banner_p99_ms": 100.0}
PROBE_MS = 10
BENCH_SCANNER = "bench"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--parcels", type=int, default=1_000_000, metavar="N", help="registrations to sync (1000000)")
    parser.add_argument("--scans", type=int, default=1_000, metavar="S", help="scans in the burst (1000)")
    parser.add_argument(
        "--scan-interval-ms",
        type=float,
        default=20.0,
        help="gap between scans of the burst (20 ms = 50 scans/s, faster than any clerk); 0 = all at once",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the simulator's registrations")
    parser.add_argument(
        "--server-db", metavar="PATH", help="the simulator's database; kept, so a second run skips generating"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    add_json_option(parser)


def run(args: argparse.Namespace) -> int:
    if args.parcels < 1 or args.scans < 1:
        print("scanstation bench gui: --parcels and --scans must be at least 1", file=sys.stderr)
        return 2
    # Measured offscreen unless a display is asked for: the figures are about the event loop, not the GPU.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from scanstation.bench.common import running_simulator
    from scanstation.process import share_the_gil_quickly

    share_the_gil_quickly()  # as run_window does
    with tempfile.TemporaryDirectory(prefix="scanstation-bench-gui-") as tmp:
        os.environ["SCANSTATION_HOME"] = str(Path(tmp) / "home")
        server_db = Path(args.server_db) if args.server_db else Path(tmp) / "central.db"
        # The simulator runs in its own process, as the real server would: its CPU is not the station's GIL.
        with running_simulator(
            "gui", parcels=args.parcels, seed=args.seed, db=server_db, token=TOKEN, quiet=args.quiet
        ) as server:
            return _bench(args, server.url, Path(tmp))


def _scan_numbers(url: str, count: int) -> list[str]:
    """Tracking numbers customers registered, from the feed's first page (the contract, over HTTP)."""
    import requests

    from scanstation.tracking import parse_typed

    answer = requests.get(
        f"{url}/parcels", params={"limit": 5000}, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120
    )
    answer.raise_for_status()
    numbers = []
    for item in answer.json()["items"]:
        number = parse_typed(item.get("tracking_number", "")).tracking_number
        if number:
            numbers.append(number)
    if not numbers:
        raise SystemExit("scanstation bench gui: the simulator's feed has no usable numbers")
    return [numbers[i % len(numbers)] for i in range(count)]  # repeats become duplicates, also a verdict


def _bench(args: argparse.Namespace, url: str, tmp: Path) -> int:
    from scanstation.bench.common import Stats, emit_json, machine_info, peak_rss_mb, print_stats, progress
    from scanstation.config import parse_config
    from scanstation.domain import Scan, Verdict
    from scanstation.gui import qt
    from scanstation.gui.app import Station, gui_settings
    from scanstation.process import freeze_startup_objects

    numbers = _scan_numbers(url, args.scans)
    config = parse_config(
        {
            "station": {"id": STATION},
            "database": {"url": f"sqlite:///{tmp / 'station.db'}"},
            "server": {"url": url, "token": TOKEN, "page_limit": 5000, "read_timeout_s": 120, "pull_interval_s": 3600},
            "receiving": {"undo_window_s": 10},
            "logging": {"file": False},
        }
    )
    app = qt.QApplication.instance() or qt.QApplication(sys.argv[:1])
    assert isinstance(app, qt.QApplication)
    station = Station(config, app, settings=gui_settings(tmp / "state"))
    window = station.window
    window.resize(1600, 1000)
    window.show()
    window.log_in("bench", "Bench")

    lateness: dict[str, list[float]] = {"sync": [], "burst": [], "idle": []}
    worst: list[tuple[float, float, str]] = []  # (lateness, seconds since start, phase), for the report
    phase = ["sync"]
    sent: deque[float] = deque()
    banner_s: list[float] = []
    burst_done = threading.Event()
    sync_started = time.perf_counter()
    sync_done: list[float] = []

    last = [time.perf_counter()]

    def probe() -> None:
        now = time.perf_counter()
        late = max(0.0, now - last[0] - PROBE_MS / 1000)
        lateness[phase[0]].append(late)
        worst.append((late, now - sync_started, phase[0]))
        last[0] = now
        if not sync_done and station.sync.status.last_pull_at is not None:
            sync_done.append(now - sync_started)
            progress(f"initial sync done in {sync_done[0]:.1f} s", quiet=args.quiet)
        if sync_done and burst_done.is_set() and len(banner_s) >= args.scans:
            app.quit()

    timer = qt.QTimer()
    timer.setTimerType(qt.Qt.TimerType.PreciseTimer)
    timer.setInterval(PROBE_MS)
    timer.timeout.connect(probe)

    receive_s: list[float] = []
    decided: dict[str, float] = {}  # scan_id -> when the worker emitted its verdict (on the worker thread)
    delivery_s: list[float] = []

    def on_decided(verdict: Verdict) -> None:
        if verdict.scanner == BENCH_SCANNER:
            decided[verdict.scan_id] = time.perf_counter()

    def on_banner(payload: object) -> None:
        # The banner also shows undo results, notices and plain texts; only the bench's verdicts count.
        if isinstance(payload, Verdict) and payload.scanner == BENCH_SCANNER and sent:
            now = time.perf_counter()
            banner_s.append(now - sent.popleft())
            emitted = decided.pop(payload.scan_id, None)
            if emitted is not None:
                delivery_s.append(now - emitted)
            receive_s.append(payload.latency_ms / 1000)

    # Runs on the worker thread as the verdict is emitted: splits the latency into deciding and showing.
    # Connected ahead of the window's slot, so the time is taken before the GUI thread can see the verdict.
    station.bridge.verdict.disconnect(window._on_verdict)
    station.bridge.verdict.connect(on_decided, qt.Qt.ConnectionType.DirectConnection)
    station.bridge.verdict.connect(window._on_verdict)

    window.banner_shown.connect(on_banner)

    def clerk() -> None:
        # A scanner's reader thread: wait until registrations are arriving, then scan at the set pace.
        time.sleep(1.0)
        progress(f"scan burst: {args.scans} scans, one every {args.scan_interval_ms} ms", quiet=args.quiet)
        phase[0] = "burst"
        gap = args.scan_interval_ms / 1000
        next_at = time.perf_counter()
        for number in numbers:
            if gap:
                next_at += gap
                pause = next_at - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
            sent.append(time.perf_counter())
            station.receiving.submit(Scan(number, BENCH_SCANNER))
        burst_done.set()
        phase[0] = "sync" if not sync_done else "idle"

    # Garbage-collector pauses stop every thread (they hold the GIL): measured, to tell them from the GUI's own.
    gc_pauses: list[float] = []
    gc_started = [0.0]

    def on_gc(stage: str, info: dict[str, int]) -> None:
        if stage == "start":
            gc_started[0] = time.perf_counter()
        else:
            gc_pauses.append(time.perf_counter() - gc_started[0])

    gc.callbacks.append(on_gc)
    progress("station started: initial sync running", quiet=args.quiet)
    freeze_startup_objects()  # as run_window does
    station.start()
    timer.start()
    thread = threading.Thread(target=clerk, name="bench-clerk", daemon=True)
    thread.start()
    watchdog = qt.QTimer()
    watchdog.setSingleShot(True)
    watchdog.timeout.connect(app.quit)
    watchdog.start(3_600_000)
    try:
        app.exec()
    finally:
        gc.callbacks.remove(on_gc)
        timer.stop()
        thread.join(5)
        window.close()
        station.stop()

    during_sync = Stats.of(lateness["sync"] + lateness["burst"])
    during_burst = Stats.of(lateness["burst"])
    banners = Stats.of(banner_s)
    receives = Stats.of(receive_s)
    gcs = Stats.of(gc_pauses)
    deliveries = Stats.of(delivery_s)
    print(f"initial sync of {args.parcels} registrations: {sync_done[0] if sync_done else float('nan'):.1f} s")
    print_stats("event loop lateness (sync)", during_sync)
    print_stats("event loop lateness (burst)", during_burst)
    print_stats("scan to banner", banners)
    print_stats("  receive() itself", receives)
    print_stats("  verdict to banner (GUI)", deliveries)
    print_stats("garbage-collector pauses", gcs)
    worst.sort(reverse=True)
    print("longest event-loop stalls: " + ", ".join(f"{w * 1000:.0f} ms at {t:.1f} s ({p})" for w, t, p in worst[:5]))
    ok = during_sync.p99_ms <= TARGETS["event_loop_p99_ms"] and banners.p99_ms <= TARGETS["scan_to_banner_p99_ms"]
    print(
        f"targets: event loop p99 <= {TARGETS['event_loop_p99_ms']:.0f} ms, "
        f"scan to banner p99 <= {TARGETS['scan_to_banner_p99_ms']:.0f} ms: {'met' if ok else 'NOT met'}"
    )
    if args.json:
        emit_json(
            {
                "benchmark": "gui",
                "parcels": args.parcels,
                "scans": args.scans,
                "scan_interval_ms": args.scan_interval_ms,
                "initial_sync_s": round(sync_done[0], 2) if sync_done else None,
                **during_sync.as_dict("event_loop_"),
                **during_burst.as_dict("event_loop_burst_"),
                **banners.as_dict("scan_to_banner_"),
                **receives.as_dict("receive_"),
                **deliveries.as_dict("verdict_to_banner_"),
                **gcs.as_dict("gc_pause_"),
                "targets": TARGETS,
                "targets_met": ok,
                "peak_rss_mb": peak_rss_mb(),
                "machine": machine_info(),
            }
        )
    return 0 if ok else 1
