"""`scanstation bench scanners`: scans into a pty and over a socket, each to its committed verdict."""

from __future__ import annotations

import argparse
import os
import random
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scanstation.bench.common import Stats, add_json_option, emit_json, machine_info, peak_rss_mb, print_stats, progress

BITS_PER_BYTE = 10  # start bit + 8 data bits + stop bit on the wire


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scans", type=int, default=1000, help="scans per transport (default 1000)")
    parser.add_argument("--baud", type=int, default=115200, help="wire rate the writes are paced at (default 115200)")
    parser.add_argument("--burst", action="store_true", help="write everything at once instead of at the wire rate")
    parser.add_argument("--seed", type=int, default=7)
    add_json_option(parser)


@dataclass
class _Run:
    transport: str
    written: dict[str, float]  # raw -> perf_counter when its first byte was written
    verdicts: dict[str, float]  # raw -> perf_counter when its verdict was committed
    extra: list[str]  # verdicts for raws never written (a merged or split read)
    seconds: float


def _scans(n: int, seed: int) -> tuple[list[str], list[Any]]:
    """n distinct raw scans (about 85% registered, the rest unknown) and the registrations to load."""
    from scanstation.store.registrations import RegistrationRecord
    from scanstation.tracking.samples import sample_number

    rng = random.Random(seed)
    raws: list[str] = []
    records: list[Any] = []
    seen: set[str] = set()
    now = datetime.now(UTC)
    while len(raws) < n:
        sample = sample_number(rng)
        raw = rng.choice(sample.label_scans)
        if raw in seen or "\r" in raw:
            continue
        seen.add(raw)
        raws.append(raw)
        if rng.random() < 0.85:
            records.append(
                RegistrationRecord(id=f"b_{len(records)}", updated_at=now, tracking_typed=sample.tracking_number)
            )
    return raws, records


def _write_paced(
    write: Callable[[bytes], Any], raws: list[str], baud: int, burst: bool, written: dict[str, float]
) -> None:
    byte_s = BITS_PER_BYTE / baud
    started = time.perf_counter()
    sent = 0
    for raw in raws:
        data = raw.encode("utf-8", "surrogateescape") + b"\r"
        if not burst:
            due = started + sent * byte_s
            while (lag := due - time.perf_counter()) > 0:
                time.sleep(lag)
        written[raw] = time.perf_counter()
        write(data)
        sent += len(data)


def _run_transport(transport: str, raws: list[str], database_url: str, args: argparse.Namespace) -> _Run:
    from scanstation.config import ScannerConfig
    from scanstation.domain import ScannerState, ScannerStatus, Verdict
    from scanstation.receiving import Receiver
    from scanstation.scanners import StreamSource
    from scanstation.store.connection import open_store
    from scanstation.worker import ReceivingWorker

    store = open_store(database_url)
    verdicts: dict[str, float] = {}
    extra: list[str] = []
    wanted = set(raws)
    all_done = threading.Event()
    connected = threading.Event()

    def on_verdict(verdict: Verdict) -> None:
        if verdict.raw in wanted and verdict.raw not in verdicts:
            verdicts[verdict.raw] = time.perf_counter()
        else:
            extra.append(verdict.raw)
        if len(verdicts) == len(raws):
            all_done.set()

    def on_status(status: ScannerStatus) -> None:
        if status.state is ScannerState.CONNECTED:
            connected.set()

    worker = ReceivingWorker(Receiver(store, station_id="bench"), operator=lambda: "bench", on_verdict=on_verdict)
    worker.start()
    written: dict[str, float] = {}
    cleanup: list[Callable[[], None]] = []
    try:
        if transport == "pty":
            master, slave = os.openpty()
            cleanup += [lambda: os.close(master), lambda: os.close(slave)]
            config = ScannerConfig(name="pty", type="serial", port=os.ttyname(slave), baudrate=args.baud)

            def write_pty(data: bytes) -> None:
                view = memoryview(data)
                while view:
                    view = view[os.write(master, view) :]

            write: Callable[[bytes], Any] = write_pty
            source = StreamSource(config)
            source.start(worker.submit, on_status)
        else:
            server = socket.create_server(("127.0.0.1", 0))
            cleanup.append(server.close)
            port = server.getsockname()[1]
            config = ScannerConfig(name="socket", type="socket", url=f"socket://127.0.0.1:{port}")
            source = StreamSource(config)
            source.start(worker.submit, on_status)
            server.settimeout(10)
            conn, _ = server.accept()
            cleanup.append(conn.close)
            write = conn.sendall
        cleanup.insert(0, source.stop)
        if not connected.wait(10):
            raise RuntimeError(f"the {transport} scanner did not connect: {source.status.message}")
        started = time.perf_counter()
        _write_paced(write, raws, args.baud, args.burst, written)
        all_done.wait(60 + len(raws) * 0.05)
        seconds = time.perf_counter() - started
    finally:
        for step in cleanup:
            step()
        worker.stop(60)
        store.close()
    return _Run(transport, written, verdicts, extra, seconds)


def run(args: argparse.Namespace) -> int:
    from scanstation.store.connection import open_store
    from scanstation.store.engine import write_transaction
    from scanstation.store.registrations import insert_new_registrations

    raws, records = _scans(args.scans, args.seed)
    results: dict[str, Any] = {"scans": args.scans, "baud": args.baud, "burst": args.burst, "machine": machine_info()}
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="scanstation-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        store = open_store(url)
        with write_transaction(store.feed) as conn:
            insert_new_registrations(conn, records)
        store.close()
        for transport in ("pty", "socket"):
            progress(f"{transport}: writing {len(raws)} scans", quiet=args.json)
            result = _run_transport(transport, raws, url, args)
            latencies = [result.verdicts[r] - result.written[r] for r in raws if r in result.verdicts]
            lost = len(raws) - len(result.verdicts)
            stats = Stats.of(latencies)
            print_stats(f"{transport} input-to-verdict", stats)
            print(f"{'':<28} lost {lost}, merged/split {len(result.extra)}, {len(raws) / result.seconds:.0f} scans/s")
            results.update(stats.as_dict(f"{transport}_"))
            results[f"{transport}_lost"] = lost
            results[f"{transport}_merged"] = len(result.extra)
            if lost or result.extra:
                failures.append(transport)
    results["peak_rss_mb"] = round(peak_rss_mb() or 0, 1)
    results["ok"] = not failures
    if args.json:
        emit_json(results)
    return 1 if failures else 0
