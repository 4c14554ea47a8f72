"""`scanstation bench receive`: scans through Receiver.receive on a big database, against a plain-sqlite3 floor."""

from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanstation.bench.common import add_json_option, remove_station_files

if TYPE_CHECKING:
    import random
    from collections.abc import Iterator

    from scanstation.store.connection import Store
    from scanstation.store.registrations import NewRows, RegistrationRecord
    from scanstation.tracking.samples import SampleNumber

# Scan mix of issue 2 section 5.
MIX = {"matched": 0.70, "duplicate": 0.10, "unknown": 0.15, "invalid": 0.05}
BATCH = 10_000  # registrations per generated batch, bulk insert and transaction while building
BUILD_CACHE_KIB = 65_536  # SQLite page cache while building (the timed part uses the default)
STATION = "bench-station"
OPERATOR = "bench"
# Statuses of the registrations as the feed would have them on a busy day (the rest are awaiting).
P_RECEIVED_ELSEWHERE = 0.05
P_SHIPPED = 0.02
ORDER_SIZES = (1, 2, 3, 4, 5)
ORDER_SIZE_WEIGHTS = (55, 25, 12, 6, 2)
STORES = (
    ("amazon.com", 40),
    ("ebay.com", 12),
    ("iherb.com", 8),
    ("walmart.com", 8),
    ("6pm.com", 5),
    ("carters.com", 5),
    ("nike.com", 5),
    ("macys.com", 5),
    ("bestbuy.com", 4),
    ("target.com", 4),
    ("other", 4),
)
SERVICES = ("photo", "photo_contents", "remove_invoice", "repack", "check_contents", "consolidate", "hold")
FIRST_NAMES = ("Иван", "Анна", "Сергей", "Мария", "Алексей", "Ольга", "Дмитрий", "Елена", "Павел", "Наталья")
LAST_NAMES = ("Петров", "Смирнова", "Иванов", "Кузнецова", "Попов", "Соколова", "Лебедев", "Новикова", "Морозов")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--parcels", type=int, default=100_000, metavar="N", help="registrations to build (100000)")
    parser.add_argument("--scans", type=int, default=2_000, metavar="M", help="timed scans (2000)")
    parser.add_argument(
        "--db",
        metavar="PATH",
        help="build the database here and keep it (default: a temporary file, removed afterwards)",
    )
    parser.add_argument("--replace", action="store_true", help="with --db: overwrite an existing file")
    parser.add_argument("--seed", type=int, default=20261127, help="random seed (same seed, same data)")
    parser.add_argument("--warmup", type=int, default=50, metavar="K", help="untimed scans first (50)")
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="cProfile the Receiver calls, write the stats to FILE and print the top entries to stderr",
    )
    parser.add_argument(
        "--build-workers",
        type=int,
        default=2,
        metavar="K",
        help="processes generating registrations while this one inserts them (2; 0: all in this process)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    add_json_option(parser)


@dataclass(frozen=True, slots=True)
class _Planned:
    kind: str  # what the scan was built to be: matched | duplicate | unknown | invalid
    raw: str
    floor_key: str  # the key the floor looks up ("" for an invalid read)


@dataclass(slots=True)
class _Built:
    seconds: float
    cpu_seconds: float  # of this process: tells a slow build from a machine busy with other work
    awaiting: list[_Target]  # candidates for matched scans
    elsewhere: list[_Target]  # already at the warehouse: duplicates from another station
    registrations: int
    keys: int


def run(args: argparse.Namespace) -> int:
    if args.parcels < 1 or args.scans < 10:
        print("scanstation bench receive: --parcels must be >= 1 and --scans >= 10", file=sys.stderr)
        return 2
    import shutil
    import tempfile

    from scanstation.bench.common import progress

    if args.db:
        path = Path(args.db).resolve()
        if path.exists() and not args.replace:
            print(f"scanstation bench receive: {path} exists; pass --replace to overwrite it", file=sys.stderr)
            return 2
        remove_station_files(path)
        tmpdir = None
    else:
        tmpdir = Path(tempfile.mkdtemp(prefix="scanstation-bench-"))
        path = tmpdir / "receive.db"
    floor_path = path.with_name(path.stem + "-floor.db")
    try:
        return _run(args, path, floor_path)
    except KeyboardInterrupt:
        progress("interrupted", quiet=args.quiet)
        return 130
    finally:
        remove_station_files(floor_path)
        if tmpdir is not None:
            shutil.rmtree(tmpdir, ignore_errors=True)


def _mb(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f} MB"


def _run(args: argparse.Namespace, path: Path, floor_path: Path) -> int:
    import gc
    import random
    import time

    from scanstation.bench.common import (
        Stats,
        children_cpu_s,
        emit_json,
        machine_info,
        peak_rss_mb,
        print_stats,
        progress,
        stopwatch,
    )
    from scanstation.receiving import Receiver
    from scanstation.store.connection import create_store
    from scanstation.store.feedfile import feed_path

    quiet: bool = args.quiet
    url = f"sqlite:///{path}"

    progress(f"building {args.parcels:,} registrations in {path} ...", quiet=quiet)
    keep = max(5_000, 2 * (args.scans + args.warmup))
    built = _build(url, args.parcels, args.seed, keep=keep, workers=args.build_workers, quiet=quiet)
    progress(
        f"built in {built.seconds:.1f} s: {built.registrations:,} registrations, {built.keys:,} keys, "
        f"{(path.stat().st_size + feed_path(path).stat().st_size) / 1e6:.0f} MB",
        quiet=quiet,
    )

    store = create_store(url)
    try:
        plan, warmup = _plan_scans(store, built, args.scans, args.warmup, random.Random(args.seed + 1))
        with stopwatch() as copy_time:
            _copy_database(path, floor_path)
        progress(f"copied the database for the floor in {copy_time[0]:.1f} s", quiet=quiet)
        # What the build left behind is not the station's garbage: keep the collector off it.
        gc.collect()
        gc.freeze()

        receiver = Receiver(store, station_id=STATION, undo_window_s=10.0)
        receiver.hold_connection()  # as the station's receiving thread does
        floor = _Floor(floor_path)
        try:
            from scanstation.domain import Scan

            for item in warmup:
                receiver.receive(Scan(raw=item.raw, scanner="bench"), OPERATOR)
                floor.scan(item.floor_key)
            profiler = None
            if args.profile:
                import cProfile

                profiler = cProfile.Profile()
            progress(f"timing {len(plan):,} scans (receiver and floor alternating) ...", quiet=quiet)
            receiver_times: list[float] = []
            floor_times: list[float] = []
            by_outcome: dict[str, list[float]] = {}
            planned_vs_got: dict[tuple[str, str], int] = {}
            perf = time.perf_counter
            for item in plan:
                scan = Scan(raw=item.raw, scanner="bench")
                if profiler is not None:
                    profiler.enable()
                start = perf()
                verdict = receiver.receive(scan, OPERATOR)
                elapsed = perf() - start
                if profiler is not None:
                    profiler.disable()
                receiver_times.append(elapsed)
                by_outcome.setdefault(verdict.outcome.value, []).append(elapsed)
                pair = (item.kind, verdict.outcome.value)
                planned_vs_got[pair] = planned_vs_got.get(pair, 0) + 1
                floor_times.append(floor.scan(item.floor_key))
        finally:
            floor.close()
            receiver.close()
    finally:
        store.close()

    rec = Stats.of(receiver_times)
    flo = Stats.of(floor_times)
    ratio_p50 = rec.p50_ms / flo.p50_ms
    ratio_p99 = rec.p99_ms / flo.p99_ms
    rss = peak_rss_mb()
    child_rss = peak_rss_mb(children=True) if args.build_workers > 0 else None
    child_cpu = children_cpu_s() if args.build_workers > 0 else None
    print(f"receive benchmark: {built.registrations:,} registrations ({built.keys:,} keys), {len(plan):,} scans")
    print(
        f"build {built.seconds:.1f} s (CPU: {built.cpu_seconds:.1f} s in this process, "
        f"{child_cpu or 0:.1f} s in {args.build_workers} generator processes); "
        f"peak RSS {_mb(rss)} (largest generator process {_mb(child_rss)})"
    )
    print_stats("Receiver.receive", rec)
    print_stats("floor (plain sqlite3)", flo)
    print(f"ratio p50 {ratio_p50:.2f}   ratio p99 {ratio_p99:.2f}")
    for outcome, times in sorted(by_outcome.items()):
        print_stats(f"  receive: {outcome}", Stats.of(times))
    mismatched = {f"{a}->{b}": n for (a, b), n in sorted(planned_vs_got.items()) if a != b}
    counts = {outcome: len(times) for outcome, times in sorted(by_outcome.items())}
    print(f"outcomes {counts}" + (f"; planned->got differences {mismatched}" if mismatched else ""))
    if args.profile and profiler is not None:
        _report_profile(profiler, args.profile)
    if args.json:
        emit_json(
            {
                "benchmark": "receive",
                "parcels": built.registrations,
                "keys": built.keys,
                "scans": len(plan),
                **rec.as_dict(),
                **flo.as_dict("floor_"),
                "ratio_p50": round(ratio_p50, 3),
                "ratio_p99": round(ratio_p99, 3),
                "build_s": round(built.seconds, 2),
                "build_cpu_s": round(built.cpu_seconds, 2),
                "build_workers": args.build_workers,
                "generator_cpu_s": None if child_cpu is None else round(child_cpu, 2),
                "copy_s": round(copy_time[0], 2),
                "peak_rss_mb": None if rss is None else round(rss, 1),
                "generator_rss_mb": None if child_rss is None else round(child_rss, 1),
                "outcomes": counts,
                "planned_vs_got": mismatched,
                "seed": args.seed,
                **machine_info(),
            }
        )
    return 0


# ----------------------------------------------------------------------------------------------- build


_Target = tuple[str, tuple[str, ...]]  # a registration id and what scanners read from its label


@dataclass(frozen=True, slots=True)
class _Batch:
    rows: NewRows
    awaiting: list[_Target]  # a random few awaiting parcels: candidates for matched scans
    elsewhere: list[_Target]  # a random few another station received: candidates for duplicates


def _registrations(
    rng: random.Random, first: int, count: int, customers: int, order_prefix: str
) -> Iterator[tuple[RegistrationRecord, SampleNumber]]:
    """`count` feed records from id `first` on, in split orders: parcels of one customer share an order."""
    from bisect import bisect
    from datetime import UTC, datetime, timedelta
    from itertools import accumulate

    from scanstation.domain import AT_WAREHOUSE, AWAITING
    from scanstation.store.registrations import RegistrationRecord
    from scanstation.tracking.samples import sample_number, typed_variant

    store_names = [s for s, _ in STORES]
    # bisect over cumulative weights: random.choices costs several times more per call.
    store_cum = list(accumulate(w for _, w in STORES))
    size_cum = list(accumulate(ORDER_SIZE_WEIGHTS))
    names = [f"{first_name} {last}" for last in LAST_NAMES for first_name in FIRST_NAMES]
    epoch = datetime(2026, 9, 1, tzinfo=UTC)
    spread_s = 86 * 86_400
    rand = rng.random
    made = 0
    order_seq = 0
    while made < count:
        order_seq += 1
        size = min(ORDER_SIZES[bisect(size_cum, rand() * size_cum[-1])], count - made)
        cust = rng.randrange(customers)
        store = store_names[bisect(store_cum, rand() * store_cum[-1])]
        if store == "amazon.com":
            order = f"11{rng.randrange(10)}-{rng.randrange(10**7):07d}-{rng.randrange(10**7):07d}"
        else:
            order = f"{store[:3].upper()}{order_prefix}{order_seq:06d}"
        bits = rng.getrandbits(3 * len(SERVICES))  # each service with probability 1/8
        services = tuple(s for i, s in enumerate(SERVICES) if not (bits >> (3 * i)) & 7)
        customer_id, suite, name = f"c_{cust}", f"UN-{10_000 + cust}", names[cust % len(names)]
        for _ in range(size):
            sample = sample_number(rng)
            r = rand()
            if r < P_RECEIVED_ELSEWHERE:
                status = AT_WAREHOUSE
            elif r < P_RECEIVED_ELSEWHERE + P_SHIPPED:
                status = "shipped"
            else:
                status = AWAITING
            record = RegistrationRecord(
                id=f"p_{first + made:08d}",
                updated_at=epoch + timedelta(seconds=rng.randrange(spread_s)),
                tracking_typed=typed_variant(sample.tracking_number, rng),
                order_number=order,
                store=store,
                services=services,
                status=status,
                customer_id=customer_id,
                customer_suite=suite,
                customer_name=name,
            )
            made += 1
            yield record, sample


def _batch(seed: int, index: int, first: int, count: int, customers: int, keep: int) -> _Batch:
    """One batch of the build, the same for the same arguments in any process (the CPU-heavy half)."""
    import random

    from scanstation.domain import AT_WAREHOUSE, AWAITING
    from scanstation.store.registrations import new_rows

    rng = random.Random(f"{seed}/{index}")  # str seeds hash deterministically (sha512)
    records: list[RegistrationRecord] = []
    awaiting: list[_Target] = []
    elsewhere: list[_Target] = []
    for record, sample in _registrations(rng, first, count, customers, f"{index:04d}"):
        records.append(record)
        if record.status == AWAITING:
            awaiting.append((record.id, sample.label_scans))
        elif record.status == AT_WAREHOUSE:
            elsewhere.append((record.id, sample.label_scans))
    awaiting = rng.sample(awaiting, min(keep, len(awaiting)))
    elsewhere = rng.sample(elsewhere, min(max(1, keep // 4), len(elsewhere)))
    return _Batch(new_rows(records), awaiting, elsewhere)


@contextmanager
def _batches(n: int, seed: int, keep: int, workers: int) -> Iterator[Iterator[_Batch]]:
    """The build's batches in order; made by `workers` forked processes while this one inserts.

    fork, not spawn: a spawned child would re-run `python -m scanstation`. The pool is created on
    entering, before this process opens the database, so no child inherits a SQLite connection.
    """
    import math
    import multiprocessing
    from collections import deque

    count = math.ceil(n / BATCH)
    customers = max(1, n // 6)
    per_batch = math.ceil(keep / count)

    def args(index: int) -> tuple[int, int, int, int, int, int]:
        first = index * BATCH + 1
        return (seed, index, first, min(BATCH, n - index * BATCH), customers, per_batch)

    if workers < 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield (_batch(*args(i)) for i in range(count))
        return
    with multiprocessing.get_context("fork").Pool(processes=workers) as pool:

        def results() -> Iterator[_Batch]:
            # A bounded window of batches in flight: memory stays flat however large N is.
            pending: deque[Any] = deque()
            for index in range(count):
                pending.append(pool.apply_async(_batch, args(index)))
                if len(pending) > workers:
                    yield pending.popleft().get()
            while pending:
                yield pending.popleft().get()

        yield results()


def _build(url: str, n: int, seed: int, *, keep: int, workers: int, quiet: bool) -> _Built:
    """Schema by the real migrations; rows by the same bulk insert sync uses, in big transactions.

    Only the build runs without a journal and without fsync; the timed part reconnects with the
    production pragmas (WAL, synchronous=FULL).
    """
    import time
    from dataclasses import replace

    from scanstation.bench.common import progress
    from scanstation.store.connection import open_store
    from scanstation.store.feedfile import SEARCH_PENDING_KEY
    from scanstation.store.models import FeedState
    from scanstation.store.registrations import insert_rows
    from scanstation.store.state import set_state

    started = time.perf_counter()
    cpu_started = time.process_time()
    awaiting: list[_Target] = []
    elsewhere: list[_Target] = []
    with _batches(n, seed, keep, workers) as batches:
        store = open_store(url)
        store.engine.dispose()  # no station connection may have the feed file open while its journal is off
        try:
            # The feed's own file (Store.feed): where the puller would write these rows.
            with store.feed.connect() as conn:
                raw = conn.connection.dbapi_connection
                assert raw is not None
                raw.execute("PRAGMA journal_mode = OFF")
                raw.execute("PRAGMA synchronous = OFF")
                raw.execute(f"PRAGMA cache_size = -{BUILD_CACHE_KIB}")
                # Secondary indexes are built once at the end (sorted) instead of row by row; the exact
                # SQL the migrations created is replayed, so the schema stays the production one.
                indexes = raw.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                    "AND tbl_name IN ('registrations', 'registration_keys')"
                ).fetchall()
                for name, _sql in indexes:
                    raw.execute(f'DROP INDEX "{name}"')
                done = 0
                last_report = started
                # Searching's customer_terms are left for build_search_index, as a first pull leaves them.
                with conn.begin():
                    set_state(conn, SEARCH_PENDING_KEY, "built by a benchmark", FeedState)
                for batch in batches:
                    with conn.begin():
                        done += insert_rows(conn, replace(batch.rows, terms=[]))
                    awaiting += batch.awaiting
                    elsewhere += batch.elsewhere
                    now = time.perf_counter()
                    if now - last_report > 5:
                        progress(f"  {done:,} registrations, {now - started:.0f} s", quiet=quiet)
                        last_report = now
                for _name, sql in indexes:
                    raw.execute(sql)
                raw.execute("PRAGMA journal_mode = WAL")
                raw.execute("PRAGMA synchronous = NORMAL")
                registrations = raw.execute("SELECT count(*) FROM registrations").fetchone()[0]
                keys = raw.execute("SELECT count(*) FROM registration_keys").fetchone()[0]
        finally:
            store.close()
    return _Built(
        time.perf_counter() - started, time.process_time() - cpu_started, awaiting, elsewhere, registrations, keys
    )


def _copy_database(source: Path, target: Path) -> None:
    """The floor's own copy of the built files (after a checkpoint each file alone is its database)."""
    import shutil

    from scanstation.store.feedfile import feed_path

    remove_station_files(target)
    shutil.copyfile(source, target)
    shutil.copyfile(feed_path(source), feed_path(target))


# ------------------------------------------------------------------------------------------------ scans


def _plan_scans(
    store: Store, built: _Built, m: int, warmup: int, rng: random.Random
) -> tuple[list[_Planned], list[_Planned]]:
    """The timed scans in the issue's mix, and a few untimed ones to warm up with (all different parcels)."""
    from sqlalchemy import select

    from scanstation.store.models import RegistrationKey
    from scanstation.tracking import parse_scan
    from scanstation.tracking.samples import routing_only_scan, sample_number

    def key_of(raw: str) -> str:
        keys = parse_scan(raw).keys
        return min(keys) if keys else ""

    n_dup = round(m * MIX["duplicate"])
    n_unknown = round(m * MIX["unknown"])
    n_invalid = round(m * MIX["invalid"])
    n_match = m - n_dup - n_unknown - n_invalid
    w_match = max(1, round(warmup * MIX["matched"]))
    w_other = max(0, warmup - w_match)
    targets = list(built.awaiting)
    rng.shuffle(targets)
    if len(targets) < n_match + w_match:
        raise SystemExit(f"scanstation bench receive: --parcels {built.registrations} is too few for --scans {m}")

    def label(scans: tuple[str, ...]) -> str:
        return rng.choice(scans)

    matched = [_Planned("matched", raw, key_of(raw)) for raw in (label(s) for _, s in targets[:n_match])]
    warm = [
        _Planned("matched", raw, key_of(raw)) for raw in (label(s) for _, s in targets[n_match : n_match + w_match])
    ]

    # Unknown: numbers nobody registered (checked against the keys, not assumed).
    unknown: list[_Planned] = []
    with store.connect() as conn:
        while len(unknown) < n_unknown + w_other:
            raw = label(sample_number(rng).label_scans)
            keys = sorted(parse_scan(raw).keys)
            if not keys:
                continue
            taken = conn.execute(select(RegistrationKey.key).where(RegistrationKey.key.in_(keys)).limit(1)).first()
            if taken is None and all(p.floor_key != keys[0] for p in unknown):
                unknown.append(_Planned("unknown", raw, keys[0]))
    warm += unknown[n_unknown:]
    unknown = unknown[:n_unknown]

    invalid: list[_Planned] = []
    while len(invalid) < n_invalid:
        raw = routing_only_scan(rng) if rng.random() < 0.5 else _garbage(rng)
        if not parse_scan(raw).keys:
            invalid.append(_Planned("invalid", raw, ""))

    # Duplicates: half are parcels another station received (the feed says at_warehouse), half a clerk
    # scanning again a parcel matched earlier in this run (placed after its first scan).
    elsewhere = list(built.elsewhere)
    rng.shuffle(elsewhere)
    n_again = n_dup // 2
    n_elsewhere = min(n_dup - n_again, len(elsewhere))
    n_again = n_dup - n_elsewhere
    from_elsewhere = [_Planned("duplicate", raw, key_of(raw)) for raw in (label(s) for _, s in elsewhere[:n_elsewhere])]

    plan = matched + unknown + invalid + from_elsewhere
    rng.shuffle(plan)
    for _ in range(n_again):
        positions = [i for i, p in enumerate(plan) if p.kind == "matched"]
        first = rng.choice(positions)
        original = plan[first]
        plan.insert(rng.randrange(first + 1, len(plan) + 1), _Planned("duplicate", original.raw, original.floor_key))
    rng.shuffle(warm)
    return plan, warm


def _garbage(rng: random.Random) -> str:
    from scanstation.tracking.samples import garbage_scan

    return garbage_scan(rng)


# ------------------------------------------------------------------------------------------------ floor


class _Floor:
    """The least any receive can do, in plain sqlite3 with the production pragmas.

    Per scan: BEGIN IMMEDIATE, one indexed SELECT (in the feed file, attached read-only as the
    station does), one INSERT of the receipt, one into the scan log, two into the outbox, COMMIT.
    Returns the seconds it took.
    """

    def __init__(self, path: Path) -> None:
        import sqlite3

        from scanstation.store.engine import read_only_uri
        from scanstation.store.feedfile import feed_path

        self._conn: sqlite3.Connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False, uri=True)
        for pragma in ("busy_timeout = 5000", "journal_mode = WAL", "synchronous = FULL", "foreign_keys = ON"):
            self._conn.execute(f"PRAGMA {pragma}")
        self._conn.execute("ATTACH DATABASE ? AS feed", (read_only_uri(feed_path(path)),))
        self._n = 0

    def scan(self, key: str) -> float:
        import time
        import uuid
        from datetime import UTC, datetime

        now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
        scan_id = str(uuid.uuid4())
        perf = time.perf_counter
        conn = self._conn
        start = perf()
        conn.execute("BEGIN IMMEDIATE")
        row = conn.execute(
            "SELECT r.id, r.status, r.tracking_number, r.customer_suite, r.customer_name, r.order_number "
            "FROM registration_keys AS k JOIN registrations AS r ON r.id = k.registration_id WHERE k.key = ?",
            (key,),
        ).fetchone()
        parcel = row[0] if row is not None else scan_id
        if row is not None and row[1] == "awaiting":
            conn.execute(
                "INSERT INTO receipts (registration_id, scan_id, received_at, received_by, received_station) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (parcel, scan_id, now, OPERATOR, STATION),
            )
        conn.execute(
            "INSERT INTO scan_log (id, scanned_at, raw, keys, tracking_number, carrier, scanner, station_id, "
            "operator, typed, outcome, registration_id) VALUES (?, ?, ?, ?, ?, ?, 'bench', ?, ?, 0, 'matched', ?)",
            (scan_id, now, key, key, key, "ups", STATION, OPERATOR, parcel),
        )
        for kind in ("parcel.status_changed", "notification.requested"):
            event_id = str(uuid.uuid4())
            conn.execute(
                "INSERT INTO outbox (id, type, payload, scan_id, state, not_before, created_at, attempts) "
                "VALUES (?, ?, ?, ?, 'pending', ?, ?, 0)",
                (event_id, kind, f'{{"id":"{event_id}","type":"{kind}","parcel_id":"{parcel}"}}', scan_id, now, now),
            )
        conn.execute("COMMIT")
        self._n += 1
        return perf() - start

    def close(self) -> None:
        self._conn.close()


def _report_profile(profiler: Any, target: str) -> None:
    import io
    import pstats

    profiler.dump_stats(target)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(25)
    print(out.getvalue(), file=sys.stderr)
