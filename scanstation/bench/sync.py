"""`scanstation bench sync`: initial and incremental pull, push, and scan latency meanwhile, against the simulator."""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanstation.bench.common import add_json_option

if TYPE_CHECKING:
    from scanstation.bench.common import Simulator
    from scanstation.receiving import Receiver

TOKEN = "bench-token-7c1f"
STATION = "bench-station"
TARGETS = {"initial_pull_s": 60.0, "station_rss_mb": 400.0, "incremental_s": 2.0, "push_s": 10.0, "scan_p99_ms": 50.0}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--parcels", type=int, default=1_000_000, metavar="N", help="registrations (1000000)")
    parser.add_argument("--changes", type=int, default=1_000, metavar="C", help="edits for the incremental pull (1000)")
    parser.add_argument("--events", type=int, default=10_000, metavar="E", help="events to push (10000)")
    parser.add_argument("--page-limit", type=int, default=5_000, help="feed page size (5000, the contract's maximum)")
    parser.add_argument("--batch-rows", type=int, default=None, help="most rows per write transaction (sync's default)")
    parser.add_argument(
        "--parse-workers", type=int, default=None, help="processes that parse a big pull's pages (sync's default)"
    )
    parser.add_argument(
        "--scan-interval-ms", type=float, default=100.0, help="a scan every this many ms during the pull (100)"
    )
    parser.add_argument("--idle-s", type=float, default=5.0, help="seconds of scans with no pull, for comparison")
    parser.add_argument("--seed", type=int, default=1, help="seed of the simulator's registrations")
    parser.add_argument(
        "--server-db", metavar="PATH", help="the simulator's database; kept, so a second run skips generating"
    )
    parser.add_argument("--db", metavar="PATH", help="the station database (default: a temporary file)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    add_json_option(parser)


def _proc_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc); NaN elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def _proc_peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _self_cpu_s() -> float:
    times = os.times()
    return times.user + times.system


@dataclass
class _Clerk:
    """Scans all along on its own thread (as the receiving worker would) and records each latency."""

    receiver: Receiver
    interval_s: float
    numbers: list[str]
    latencies: list[float] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    errors: list[BaseException] = field(default_factory=list)

    def run(self) -> None:
        from scanstation.domain import Scan

        n = 0
        next_at = time.perf_counter()
        try:
            while not self.stop.is_set():
                n += 1
                # Numbers the feed already delivered (matched, then duplicate), else one nobody registered.
                raw = self.numbers[(n * 7919) % len(self.numbers)] if self.numbers else f"TBA{900000000000 + n:012d}"
                started = time.perf_counter()
                self.receiver.receive(Scan(raw=raw, scanner="bench"), "bench")
                self.latencies.append(time.perf_counter() - started)
                next_at += self.interval_s
                self.stop.wait(max(0.0, next_at - time.perf_counter()))
        except BaseException as err:
            self.errors.append(err)


def run(args: argparse.Namespace) -> int:
    from scanstation.bench.common import remove_station_files, running_simulator
    from scanstation.process import share_the_gil_quickly

    share_the_gil_quickly()  # as the station's processes do: the clerk's scans wait behind the pull
    with tempfile.TemporaryDirectory(prefix="scanstation-bench-sync-") as tmp:
        server_db = Path(args.server_db) if args.server_db else Path(tmp) / "central.db"
        station_db = Path(args.db) if args.db else Path(tmp) / "station.db"
        remove_station_files(station_db)
        with running_simulator(
            "sync", parcels=args.parcels, seed=args.seed, db=server_db, token=TOKEN, quiet=args.quiet
        ) as server:
            return _bench(args, server, station_db, args.quiet)


def _bench(args: argparse.Namespace, server: Simulator, station_db: Path, quiet: bool) -> int:
    """The timed part, once the simulator is up (one benchmark, read top to bottom)."""
    import requests
    from sqlalchemy import select

    from scanstation.bench.common import Stats, emit_json, machine_info, peak_rss_mb, print_stats, progress
    from scanstation.config import ServerConfig
    from scanstation.receiving import Receiver
    from scanstation.store.connection import open_store
    from scanstation.store.feedfile import build_search_index
    from scanstation.store.models import Receipt, Registration
    from scanstation.store.registrations import REGISTRATION_COLUMNS
    from scanstation.sync.client import CentralClient
    from scanstation.sync.pull import DEFAULT_BATCH_ROWS, PARSE_WORKERS, Puller, PullResult
    from scanstation.sync.push import Pusher, outbox_counts

    url, port = server.url, server.port
    store = open_store(f"sqlite:///{station_db}")
    server_cfg = ServerConfig(url=url, token=TOKEN, page_limit=args.page_limit, read_timeout_s=120)
    batch_rows = args.batch_rows or DEFAULT_BATCH_ROWS
    receiver = Receiver(store, station_id=STATION, undo_window_s=0)

    class TimedClient(CentralClient):
        """Splits the wall time of a request into waiting for the server and decoding its answer."""

        http_s = 0.0

        def _request(self, method: str, path: str, *, auth: bool = True, **kwargs: Any) -> requests.Response:
            started = time.perf_counter()
            try:
                return super()._request(method, path, auth=auth, **kwargs)
            finally:
                TimedClient.http_s += time.perf_counter() - started

    class TimedPuller(Puller):
        """Records the write time, and hands the clerk numbers the feed already delivered."""

        apply_s = 0.0

        def _write_page(self, conn: Any, page: Any, result: PullResult) -> list[str]:
            started = time.perf_counter()
            try:
                return super()._write_page(conn, page, result)
            finally:
                TimedPuller.apply_s += time.perf_counter() - started
                if len(clerk.numbers) < 20_000:
                    # Each live item's row has REGISTRATION_COLUMNS values; the second is what the customer typed.
                    width = len(REGISTRATION_COLUMNS)
                    typed = page.values[1::width]
                    clerk.numbers.extend(typed[:: max(1, len(typed) // 50)])

    client = TimedClient(server_cfg, TOKEN, STATION)
    clerk = _Clerk(receiver, args.scan_interval_ms / 1000, [])

    # 1. The initial pull, with a clerk scanning all along.
    progress("initial pull ...", quiet=quiet)
    clerk_thread = threading.Thread(target=clerk.run, name="clerk", daemon=True)
    server_cpu0, station_cpu0 = _proc_cpu_s(server.process.pid), _self_cpu_s()
    clerk_thread.start()
    started = time.perf_counter()
    puller = TimedPuller(
        store,
        client,
        page_limit=args.page_limit,
        batch_rows=batch_rows,
        resolver=receiver.resolve_unknowns,
        parse_workers=PARSE_WORKERS if args.parse_workers is None else args.parse_workers,
    )
    initial = puller.pull()
    initial_s = time.perf_counter() - started
    server_cpu = _proc_cpu_s(server.process.pid) - server_cpu0
    station_cpu = _self_cpu_s() - station_cpu0
    # What the first fill deferred (the reversed-key index, customer_terms), as the sync loop builds it next.
    started = time.perf_counter()
    build_search_index(store.feed)
    index_s = time.perf_counter() - started
    index_cpu = _self_cpu_s() - station_cpu0 - station_cpu
    clerk.stop.set()
    clerk_thread.join()
    if clerk.errors:
        raise clerk.errors[0]
    scan_stats = Stats.of(clerk.latencies)
    progress(f"initial pull: {initial.items} items in {initial_s:.1f} s", quiet=quiet)

    # The same clerk with no pull running: what a scan costs on this machine anyway (for comparison).
    idle = _Clerk(receiver, args.scan_interval_ms / 1000, clerk.numbers)
    idle_thread = threading.Thread(target=idle.run, name="clerk-idle", daemon=True)
    idle_thread.start()
    time.sleep(args.idle_s)
    idle.stop.set()
    idle_thread.join()
    idle_stats = Stats.of(idle.latencies)

    # 2. The incremental pull of C changes made on the server.
    with store.connect() as conn:
        ids = list(
            conn.execute(
                select(Registration.id)
                .where(Registration.deleted.is_(False))
                .order_by(Registration.id)
                .limit(args.changes)
            ).scalars()
        )
    progress(f"editing {len(ids)} registrations on the server ...", quiet=quiet)
    admin = requests.Session()
    admin.trust_env = False
    for pid in ids:
        admin.patch(f"http://127.0.0.1:{port}/admin/api/registrations/{pid}", json={"services": ["repack"]}, timeout=30)
    started = time.perf_counter()
    incremental = puller.pull()
    incremental_s = time.perf_counter() - started

    # 3. The push of E events: scans of registered parcels make them (two per matched parcel).
    from scanstation.domain import Scan

    progress(f"scanning to make {args.events} events ...", quiet=quiet)
    with store.connect() as conn:
        numbers = list(
            conn.execute(
                select(Registration.tracking_number)
                .outerjoin(Receipt, Receipt.registration_id == Registration.id)
                .where(Registration.deleted.is_(False), Registration.status == "awaiting")
                .where(Receipt.registration_id.is_(None))
                .limit(args.events)
            ).scalars()
        )
    missing = max(0, args.events - outbox_counts(store).waiting)
    for number in numbers[: (missing + 1) // 2]:  # a matched scan makes two events
        receiver.receive(Scan(raw=str(number), scanner="bench"), "bench")
    waiting = outbox_counts(store).waiting
    pusher = Pusher(store, client)
    pushed = requests_made = 0
    started = time.perf_counter()
    while True:
        step = pusher.push_once()
        if step.requests == 0:
            break
        requests_made += 1
        pushed += step.sent + step.duplicate + step.rejected
    push_s = time.perf_counter() - started

    station_rss = peak_rss_mb()
    server_rss = _proc_peak_rss_mb(server.process.pid)
    store.close()

    result: dict[str, Any] = {
        "benchmark": "sync",
        "parcels": args.parcels,
        "page_limit": args.page_limit,
        "batch_rows": batch_rows,
        "initial_pull_s": round(initial_s, 2),
        "initial_items": initial.items,
        "initial_pages": initial.pages,
        "search_index_s": round(index_s, 2),
        "search_index_cpu_s": round(index_cpu, 2),
        "initial_station_cpu_s": round(station_cpu, 2),
        "initial_server_cpu_s": round(server_cpu, 2),
        "initial_http_wait_s": round(TimedClient.http_s, 2),
        "initial_apply_s": round(TimedPuller.apply_s, 2),
        "longest_write_txn_ms": round(initial.longest_write_ms, 2),
        "station_peak_rss_mb": round(station_rss or float("nan"), 1),
        "server_peak_rss_mb": round(server_rss, 1),
        "incremental_changes": incremental.items,
        "incremental_pull_s": round(incremental_s, 3),
        "events_waiting": waiting,
        "events_pushed": pushed,
        "push_requests": requests_made,
        "push_s": round(push_s, 3),
        **scan_stats.as_dict("scan_during_pull_"),
        **idle_stats.as_dict("scan_idle_"),
        "targets": TARGETS,
        "machine": machine_info(),
    }
    ok = (
        initial_s <= TARGETS["initial_pull_s"]
        and (station_rss or 0) <= TARGETS["station_rss_mb"]
        and incremental_s <= TARGETS["incremental_s"]
        and push_s <= TARGETS["push_s"]
        and scan_stats.p99_ms <= TARGETS["scan_p99_ms"]
    )
    result["meets_targets"] = ok
    print(f"initial pull      {initial.items:>9} registrations in {initial_s:7.2f} s   (target <= 60 s)")
    print(
        f"  station CPU {station_cpu:6.1f} s, simulator CPU {server_cpu:6.1f} s; "
        f"waiting on HTTP {TimedClient.http_s:6.1f} s, writing {TimedPuller.apply_s:6.1f} s (overlapped)"
    )
    print(f"  longest write transaction {initial.longest_write_ms:.1f} ms (at most {batch_rows} rows)")
    print(
        f"  then searching's index built in {index_s:.2f} s, station CPU {index_cpu:.1f} s "
        "(scans going on; not part of the pull's time)"
    )
    print(f"  peak RSS: station {station_rss:.0f} MB (target <= 400), simulator {server_rss:.0f} MB")
    print(f"incremental pull  {incremental.items:>9} changes       in {incremental_s:7.3f} s   (target <= 2 s)")
    print(
        f"push              {pushed:>9} events        in {push_s:7.3f} s   (target <= 10 s, {requests_made} requests)"
    )
    print_stats("scan during the pull", scan_stats)
    print_stats("scan, no pull running", idle_stats)
    print(f"meets every target: {'yes' if ok else 'NO'}")
    if args.json:
        emit_json(result)
    return 0
