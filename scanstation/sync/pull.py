"""Pull: the registration feed page by page, each page applied in short transactions ending with its cursor."""

from __future__ import annotations

import contextlib
import functools
import logging
import multiprocessing
import os
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Final, cast

import msgspec
from sqlalchemy import Table, bindparam, create_mock_engine, event, select
from sqlalchemy.engine import Connection, Dialect, Engine

from scanstation.store.engine import create_engine_for, sqlite_path, write_transaction
from scanstation.store.models import AWAITING, Registration, RegistrationKey
from scanstation.store.registrations import (
    REGISTRATION_COLUMNS,
    RegistrationRecord,
    registration_row,
    upsert_registrations,
)
from scanstation.store.state import get_state, set_state
from scanstation.sync.client import CentralClient, CursorGoneError, redact
from scanstation.sync.contract import ContractError, ParcelItem, decode_page

__all__ = ["CURSOR_KEY", "DEFAULT_CHUNK_ROWS", "PullResult", "Puller", "Resolver", "bulk_writer", "to_record"]

log = logging.getLogger(__name__)

CURSOR_KEY: Final = "feed_cursor"
# Rows per write transaction: small enough that a scan waiting for the write lock waits a few ms.
DEFAULT_CHUNK_ROWS: Final = 250

# GIL switch interval while a pull runs (Python's default is 5 ms); see Puller.pull.
SWITCH_INTERVAL_S: Final = 0.0001
# SQLite settings of the feed writer's own connections (never the scans'): see bulk_writer.
_WRITER_PRAGMAS: Final = (
    "PRAGMA synchronous = NORMAL",
    "PRAGMA cache_size = -65536",  # 64 MiB: the key indexes of a million registrations stay in memory
    # The scans' connections checkpoint at 1000 pages too: our commits, far bigger, cross it first, so the
    # checkpoint runs here (after our lock is released) and a scan's commit hardly ever has to do one.
    "PRAGMA wal_autocheckpoint = 1000",
)

_reg = cast(Table, Registration.__table__)
_keys = cast(Table, RegistrationKey.__table__)
_REG_COLUMNS: Final = REGISTRATION_COLUMNS
_EXISTING = select(_reg.c.id).where(_reg.c.id.in_(bindparam("ids", expanding=True)))

# Receives open unknown parcels that match the given registrations; returns what it decided (verdicts).
Resolver = Callable[[list[str]], Sequence[object]]


@dataclass
class PullResult:
    """What one pull did; `resolved` are the verdicts of unknown parcels received after the fact."""

    pages: int = 0
    items: int = 0
    inserted: int = 0
    updated: int = 0
    stale: int = 0
    restarted: bool = False  # the server answered 410 and the feed was read again from the beginning
    completed: bool = False  # reached a page with has_more = false
    resolved: list[object] = field(default_factory=list)
    longest_write_ms: float = 0.0  # a chunk's transaction from BEGIN to the end of its commit
    longest_lock_ms: float = 0.0  # a chunk's statements, from BEGIN to COMMIT (the write lock is held)


def to_record(item: ParcelItem) -> RegistrationRecord:
    """A contract-checked feed item as the store's record (decode_page guarantees the live fields)."""
    if item.deleted:
        return RegistrationRecord(id=item.id, updated_at=item.updated_at, deleted=True)
    customer = item.customer
    assert not isinstance(customer, msgspec.UnsetType)
    assert not isinstance(item.tracking_number, msgspec.UnsetType)
    assert not isinstance(item.order_number, msgspec.UnsetType)
    assert not isinstance(item.store, msgspec.UnsetType)
    assert not isinstance(item.services, msgspec.UnsetType)
    assert not isinstance(item.status, msgspec.UnsetType)
    return RegistrationRecord(
        id=item.id,
        updated_at=item.updated_at,
        deleted=False,
        tracking_typed=item.tracking_number,
        order_number=item.order_number,
        store=item.store,
        customer_id=customer.id,
        customer_suite=customer.suite,
        customer_name=customer.name,
        services=tuple(item.services),
        status=item.status,
    )


def bulk_writer(engine: Engine) -> Engine:
    """The engine feed pages are written with: on SQLite, its own connections with relaxed syncing.

    Feed rows can always be pulled again, and each chunk commits together with (or before) its
    cursor, so a power cut can lose only chunks whose cursor is lost with them: the page is read
    again. synchronous=NORMAL spares a disk flush per chunk; the scans' connections keep FULL, and
    their next commit flushes the WAL frames written before it too. On PostgreSQL the shared engine
    is used and each transaction sets synchronous_commit off for itself (see Puller).
    """
    if engine.dialect.name != "sqlite" or sqlite_path(engine) is None:
        return engine
    writer = create_engine_for(engine.url.render_as_string(hide_password=False))

    @event.listens_for(writer, "connect")
    def _relax(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            for pragma in _WRITER_PRAGMAS:
                cursor.execute(pragma)
        finally:
            cursor.close()

    return writer


@dataclass(slots=True)
class _Prepared:
    """A feed item made ready outside any transaction: the record, and for a live one its row and keys."""

    record: RegistrationRecord
    row: tuple[Any, ...] | None
    keys: frozenset[str]


class _FastInsert:
    """Bulk INSERT of brand-new registrations through the driver, with the columns' own bind conversions.

    One multi-row INSERT per chunk, not executemany: sqlite3 lets go of the GIL at every statement it
    steps, and with another Python thread busy each step would wait its turn while the write lock is
    held. SQLAlchemy's per-row parameter handling also cost more than the inserts themselves.
    """

    def __init__(self, dialect: Dialect) -> None:
        self._mark = "?" if dialect.paramstyle == "qmark" else "%s"
        self._sql: dict[tuple[str, int], str] = {}
        self.processors = [
            (index, proc)
            for index, name in enumerate(_REG_COLUMNS)
            if (proc := _reg.c[name].type.bind_processor(dialect)) is not None
        ]

    def row(self, values: dict[str, Any]) -> tuple[Any, ...]:
        row = [values[name] for name in _REG_COLUMNS]
        for index, proc in self.processors:
            row[index] = proc(row[index])
        return tuple(row)

    def _statement(self, table: str, columns: tuple[str, ...], rows: int) -> str:
        sql = self._sql.get((table, rows))
        if sql is None:
            one = f"({', '.join([self._mark] * len(columns))})"
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([one] * rows)}"
            self._sql[(table, rows)] = sql
        return sql

    def insert(self, conn: Connection, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        # SQLite takes at most 32766 parameters in one statement; stay well below.
        step = max(1, 8000 // len(columns))
        for start in range(0, len(rows), step):
            part = rows[start : start + step]
            params = tuple(value for row in part for value in row)
            conn.exec_driver_sql(self._statement(table, columns, len(part)), params)


@dataclass(slots=True)
class _PreparedPage:
    """A feed page checked against the contract, its rows built: all that is left is to write it."""

    next_cursor: str
    has_more: bool
    prepared: list[_Prepared]


class _PageHead(msgspec.Struct):
    """Just enough of a page to ask for the next one while this one is still being checked and parsed."""

    next_cursor: str
    has_more: bool


_head_decoder = msgspec.json.Decoder(_PageHead)


def _lower_priority() -> None:
    """The parsing process yields the CPU to the station's own threads: a scan must never wait for a feed page."""
    with contextlib.suppress(AttributeError, OSError):  # os.nice is POSIX-only
        os.nice(19)


@functools.cache
def _fast_insert(drivername: str) -> _FastInsert:
    return _FastInsert(create_mock_engine(f"{drivername}://", executor=lambda *a, **k: None).dialect)


def prepare_page(body: bytes, limit: int, drivername: str) -> _PreparedPage:
    """Check a /parcels body against the contract and build its rows (parse every typed number).

    Pure CPU with no shared state, so a big pull runs it in a worker process, on the other core,
    while this process writes the previous page.
    """
    page = CentralClient.decode_body(lambda data: decode_page(data, limit), body, "/parcels")
    fast = _fast_insert(drivername)
    prepared: list[_Prepared] = []
    for item in page.items:
        record = to_record(item)
        if record.deleted:
            prepared.append(_Prepared(record, None, frozenset()))
            continue
        values, keys = registration_row(record)
        prepared.append(_Prepared(record, fast.row(values), keys))
    return _PreparedPage(page.next_cursor, page.has_more, prepared)


class _Done(Future[_PreparedPage]):
    """A page prepared on the spot (small pulls: one page is not worth a worker process)."""

    def __init__(self, work: Callable[[], _PreparedPage]) -> None:
        super().__init__()
        try:
            self.set_result(work())
        except BaseException as err:
            self.set_exception(err)


class _Prefetch:
    """Fetches the next pages while the current one is written: the server's time and ours overlap.

    The thread does HTTP and reads each page's cursor; checking and parsing a page happens in the
    worker process when there is one (big pulls), otherwise on the consumer's thread. Every database
    write stays on the consumer's thread.
    """

    _DONE: Final = object()

    def __init__(
        self,
        fetch: Callable[[str | None], bytes],
        prepare: Callable[[bytes], _PreparedPage],
        executor: Callable[[], Executor | None],
        cursor: str | None,
        stop: threading.Event,
        head_lock: threading.Lock,
    ) -> None:
        self._fetch = fetch
        self._prepare = prepare
        self._executor = executor
        self._cursor = cursor
        self._stop = stop
        self._head_lock = head_lock
        self._queue: queue.Queue[object] = queue.Queue(maxsize=2)
        self._abandon = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sync-prefetch", daemon=True)
        self._thread.start()

    def _put(self, value: object) -> bool:
        while not self._abandon.is_set():
            try:
                self._queue.put(value, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        cursor = self._cursor
        first = True
        while not (self._stop.is_set() or self._abandon.is_set()):
            try:
                body = self._fetch(cursor)
                with self._head_lock:  # a short GIL hold, but never beside a chunk holding the write lock
                    head = _head_decoder.decode(body)
            except (msgspec.DecodeError, msgspec.ValidationError):
                # The full check reports what is wrong with this page; nothing after it is fetched.
                self._put(_Done(functools.partial(self._prepare, body)))
                break
            except BaseException as err:  # handed to the consumer, which raises it on its own thread
                self._put(err)
                return
            executor = None if first and not head.has_more else self._executor()
            first = False
            future = (
                _Done(functools.partial(self._prepare, body))
                if executor is None
                else executor.submit(self._prepare, body)
            )
            if not self._put(future):
                return
            if not head.has_more:
                break
            cursor = head.next_cursor
        self._put(self._DONE)

    def __iter__(self) -> Iterator[_PreparedPage]:
        try:
            while True:
                value = self._queue.get()
                if value is self._DONE:
                    return
                if isinstance(value, BaseException):
                    raise value
                assert isinstance(value, Future)
                try:
                    page = value.result()
                except ContractError as err:
                    # Checked in the worker process, which knows no secrets to scrub: scrub here.
                    raise ContractError(redact(str(err))) from None
                yield page
        finally:
            self._abandon.set()


class Puller:
    """Reads the feed from the stored cursor to its end and applies it; safe to interrupt anywhere.

    A page is written in chunks of `chunk_rows` rows, each its own short transaction; the page's
    cursor is stored with its last chunk. A crash mid-page leaves the old cursor, so the page is read
    again; applying it again is harmless (by id and updated_at).
    """

    def __init__(
        self,
        engine: Engine,
        client: CentralClient,
        *,
        page_limit: int,
        chunk_rows: int = DEFAULT_CHUNK_ROWS,
        resolver: Resolver | None = None,
        stop: threading.Event | None = None,
        writer: Engine | None = None,
        worker_process: bool = False,
    ) -> None:
        """`worker_process`: check and parse the pages of a multi-page pull in a worker process.

        Off by default: it makes a million-registration pull about a fifth faster, but the parsing
        process takes the second core from the clerk's scans (p99 during the pull ~40 ms -> ~150 ms
        in `scanstation bench sync`), and a scan must never wait.
        """
        self._engine = engine
        self._client = client
        self._limit = page_limit
        self._chunk_rows = max(1, chunk_rows)
        self._resolver = resolver
        self._stop = stop or threading.Event()
        self._writer = writer
        self._fast = _FastInsert(engine.dialect)
        self._writing = threading.Lock()  # held while a chunk's transaction is open
        self._use_worker = worker_process
        self._executor: ProcessPoolExecutor | None = None
        self._prepare_body = functools.partial(prepare_page, limit=page_limit, drivername=engine.url.drivername)

    def stored_cursor(self) -> str | None:
        with self._engine.connect() as conn:
            return get_state(conn, CURSOR_KEY)

    def pull(self, on_resolved: Callable[[Sequence[object]], None] | None = None) -> PullResult:
        """Pull until has_more is false (or stop is set). 410 restarts once from the beginning."""
        result = PullResult()
        cursor = self.stored_cursor()
        own_writer = self._writer is None
        if own_writer:
            self._writer = bulk_writer(self._engine)
        # A thread parsing a page holds the GIL until the interpreter makes it let go; a scan on another
        # thread waits that long at every database call it makes. A short interval keeps scans quick.
        switch = sys.getswitchinterval()
        sys.setswitchinterval(min(switch, SWITCH_INTERVAL_S))
        try:
            self._pull(cursor, result, on_resolved)
        finally:
            if self._executor is not None:
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None
            sys.setswitchinterval(switch)
            if own_writer and self._writer is not self._engine:
                assert self._writer is not None
                self._writer.dispose()
            if own_writer:
                self._writer = None
        return result

    def _pull(
        self, cursor: str | None, result: PullResult, on_resolved: Callable[[Sequence[object]], None] | None
    ) -> None:
        try:
            self._run(cursor, result, on_resolved)
        except CursorGoneError:
            if cursor is None and result.pages == 0:
                raise  # 410 without a cursor: nothing sensible left to try
            log.warning("the server no longer accepts the feed cursor: reading the feed again from the beginning")
            result.restarted = True
            # Receipts stay: the store never overwrites received_* columns, and keeps at_warehouse.
            self._run(None, result, on_resolved)

    def _run(
        self, cursor: str | None, result: PullResult, on_resolved: Callable[[Sequence[object]], None] | None
    ) -> None:
        pages = _Prefetch(self._fetch, self._prepare_body, self._worker, cursor, self._stop, head_lock=self._writing)
        for page in pages:
            awaiting = self._apply(page, result)
            result.pages += 1
            result.items += len(page.prepared)
            if awaiting and self._resolver is not None:
                verdicts = list(self._resolver(awaiting))
                if verdicts:
                    result.resolved.extend(verdicts)
                    if on_resolved is not None:
                        on_resolved(verdicts)
            if self._stop.is_set():
                return
            if not page.has_more:
                result.completed = True

    def _fetch(self, cursor: str | None) -> bytes:
        return self._client.fetch_parcels(cursor, self._limit)

    def _worker(self) -> Executor | None:
        """The process that checks and parses pages of a big pull (started on the first one that needs it)."""
        if not self._use_worker:
            return None
        if self._executor is None:
            # spawn, not fork: this process runs threads (Qt, scanners) that a forked child must not inherit.
            self._executor = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_lower_priority
            )
        return self._executor

    def _apply(self, page: _PreparedPage, result: PullResult) -> list[str]:
        fast = self._fast
        writer = self._writer or self._engine
        size = self._chunk_rows
        prepared = page.prepared
        chunks = [prepared[i : i + size] for i in range(0, len(prepared), size)] or [[]]
        awaiting: list[str] = []
        last = len(chunks) - 1
        for index, chunk in enumerate(chunks):
            started = time.perf_counter()
            with self._writing, write_transaction(writer) as conn:
                locked = time.perf_counter()
                if conn.dialect.name == "postgresql":
                    conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
                if chunk:
                    awaiting.extend(self._write_chunk(conn, fast, chunk, result))
                if index == last:
                    set_state(conn, CURSOR_KEY, page.next_cursor)
                result.longest_lock_ms = max(result.longest_lock_ms, (time.perf_counter() - locked) * 1000)
            result.longest_write_ms = max(result.longest_write_ms, (time.perf_counter() - started) * 1000)
            if self._stop.is_set() and index != last:
                # Stopping mid-page: the cursor stays where it was and the page is read again next time.
                return awaiting
        return awaiting

    @staticmethod
    def _write_chunk(conn: Connection, fast: _FastInsert, chunk: list[_Prepared], result: PullResult) -> list[str]:
        """New live registrations by the fast path; everything else through the store's upsert."""
        ids = [p.record.id for p in chunk]
        existing = set(conn.execute(_EXISTING, {"ids": ids}).scalars())
        counts: dict[str, int] = {}
        for rid in ids:
            counts[rid] = counts.get(rid, 0) + 1
        fresh: list[_Prepared] = []
        others: list[RegistrationRecord] = []
        for p in chunk:
            rid = p.record.id
            if p.row is not None and rid not in existing and counts[rid] == 1:
                fresh.append(p)
            else:
                others.append(p.record)
        awaiting: list[str] = []
        if fresh:
            fast.insert(conn, _reg.name, _REG_COLUMNS, [p.row for p in fresh if p.row is not None])
            key_rows = [(key, p.record.id) for p in fresh for key in p.keys]
            if key_rows:
                fast.insert(conn, _keys.name, ("key", "registration_id"), key_rows)
            result.inserted += len(fresh)
            awaiting.extend(p.record.id for p in fresh if p.record.status == AWAITING)
        if others:
            upserted = upsert_registrations(conn, others)
            result.inserted += upserted.inserted
            result.updated += upserted.updated
            result.stale += upserted.skipped_stale
            awaiting.extend(upserted.live_awaiting_ids)
        return awaiting
