"""Pull: the registration feed page by page into the feed's own store, each page committed with its cursor."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import json
import logging
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, cast

import msgspec
from sqlalchemy import ARRAY, Select, String, Table, any_, bindparam, create_mock_engine, func, insert, select
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError

from scanstation.domain import AWAITING, Resolver, Verdict, utcnow
from scanstation.store.connection import Store
from scanstation.store.engine import write_transaction
from scanstation.store.errors import refused_values
from scanstation.store.feedfile import feed_fill
from scanstation.store.models import FeedState, Registration, RegistrationKey, ReviewItem
from scanstation.store.prepared import Prepared
from scanstation.store.registrations import (
    REGISTRATION_COLUMNS,
    TERM_COLUMNS,
    RegistrationRecord,
    UpsertResult,
    add_customer_terms,
    registration_values,
    storable,
    upsert_registrations,
)
from scanstation.store.state import get_state, set_state
from scanstation.sync.client import CentralClient, CursorGoneError, redact
from scanstation.sync.contract import ContractError, ParcelItem, decode_page

__all__ = [
    "BIG_PULL_ITEMS",
    "CURSOR_KEY",
    "DEFAULT_BATCH_ROWS",
    "PARSE_WORKERS",
    "REFUSED_REGISTRATION",
    "ParsingProcesses",
    "PullResult",
    "Puller",
    "RefusedRecord",
    "die_with_parent",
    "to_record",
]

log = logging.getLogger(__name__)

CURSOR_KEY: Final = "feed_cursor"
REFUSED_REGISTRATION: Final = "refused_registration"  # the review item's kind
# Most rows per write transaction. A scan never waits for the feed's writes (Store.feed),
# so a transaction can take many pages: with 1M registrations, 50k-row commits write a third of the index
# pages that 5k-row commits do (plain sqlite3: ~35 s against ~80 s for the same million rows).
DEFAULT_BATCH_ROWS: Final = 50_000

# Processes that check and parse the pages of a big pull (first pull, or again after a 410). Parsing a
# million typed numbers takes ~40 s of CPU, writing them ~40 s more: with two cores, the writing thread
# must never wait for pages. Two processes at a lower CPU priority (nice 5) keep it fed and yield to the
# scans. At nice 19 they starved, and the writer waited a third of a million-row pull for pages.
PARSE_WORKERS: Final = 2
BIG_PULL_ITEMS: Final = 20_000  # a pull asking for more items than this is big: start the workers
FULL_SIZE_PAGE: Final = 1000  # config server.page_limit's default; the contract allows up to 5000

_reg = cast(Table, Registration.__table__)
_keys = cast(Table, RegistrationKey.__table__)
_review = cast(Table, ReviewItem.__table__)
_REG_COLUMNS: Final = REGISTRATION_COLUMNS


def _existing_ids(dialect: Dialect) -> Select[Any]:
    """Which of a page's ids are stored, the ids passed as one parameter (JSON on SQLite, an array on PostgreSQL).

    An IN list of 5000 parameters took SQLAlchemy ~0.1 s to compile, and binding it held the GIL.
    """
    if dialect.name == "postgresql":
        return select(_reg.c.id).where(_reg.c.id == any_(bindparam("ids", type_=ARRAY(String))))
    listed = func.json_each(bindparam("ids", type_=String)).table_valued("value")
    return select(_reg.c.id).where(_reg.c.id.in_(select(listed.c.value)))


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
    resolved: list[Verdict] = field(default_factory=list)
    longest_write_ms: float = 0.0  # a write transaction from BEGIN to the end of its commit
    set_aside: int = 0  # records the database refused: each is a review item, the rest of its page is stored


@dataclass(frozen=True, slots=True)
class RefusedRecord:
    """A feed record the database would not store, kept for a supervisor's review."""

    id: str
    updated_at: str
    reason: str

    def review_row(self, now: datetime) -> dict[str, Any]:
        detail = {"registration_id": self.id[:200], "updated_at": self.updated_at, "reason": self.reason}
        return {"kind": REFUSED_REGISTRATION, "created_at": now, "detail": json.dumps(detail, ensure_ascii=False)}


def to_record(item: ParcelItem) -> RegistrationRecord:
    """A contract-checked feed item as the store's record (decode_page guarantees the live fields)."""
    if item.deleted:
        return RegistrationRecord(id=storable(item.id), updated_at=item.updated_at, deleted=True)
    customer = item.customer
    assert not isinstance(customer, msgspec.UnsetType)
    assert not isinstance(item.tracking_number, msgspec.UnsetType)
    assert not isinstance(item.order_number, msgspec.UnsetType)
    assert not isinstance(item.store, msgspec.UnsetType)
    assert not isinstance(item.services, msgspec.UnsetType)
    assert not isinstance(item.status, msgspec.UnsetType)
    return RegistrationRecord(
        id=storable(item.id),
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


_NCOLS: Final = len(REGISTRATION_COLUMNS)
_TERM_AT: Final = tuple(REGISTRATION_COLUMNS.index(name) for name in TERM_COLUMNS)


class _FastInsert:
    """Bulk INSERT of brand-new registrations through the driver, with the columns' own bind conversions.

    Multi-row INSERTs of ~8000 values each, not executemany: sqlite3 lets go of the GIL at every
    statement it steps, and with other Python threads busy each row would wait its turn for it again.
    SQLAlchemy's per-row parameter handling also cost more than the inserts themselves.
    """

    def __init__(self, dialect: Dialect) -> None:
        self._mark = "?" if dialect.paramstyle == "qmark" else "%s"
        self._sql: dict[tuple[str, int], str] = {}
        self.processors = [
            (index, proc)
            for index, name in enumerate(_REG_COLUMNS)
            if (proc := _reg.c[name].type.dialect_impl(dialect).bind_processor(dialect)) is not None
        ]

    def add_row(self, out: list[Any], values: tuple[Any, ...]) -> None:
        """Append a row from registration_values to `out`, its values converted as the driver takes them."""
        start = len(out)
        out.extend(values)
        for index, proc in self.processors:
            out[start + index] = proc(out[start + index])

    def _statement(self, table: str, columns: tuple[str, ...], rows: int) -> str:
        sql = self._sql.get((table, rows))
        if sql is None:
            one = f"({', '.join([self._mark] * len(columns))})"
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([one] * rows)}"
            self._sql[(table, rows)] = sql
        return sql

    def insert(self, conn: Connection, table: str, columns: tuple[str, ...], flat: Sequence[Any]) -> None:
        """Insert rows given one after another in `flat` (len(columns) values each)."""
        width = len(columns)
        # SQLite takes at most 32766 parameters in one statement; stay well below.
        step = max(1, 8000 // width) * width
        for start in range(0, len(flat), step):
            params = tuple(flat[start : start + step])
            conn.exec_driver_sql(self._statement(table, columns, len(params) // width), params)


@dataclass(slots=True)
class _PreparedPage:
    """A feed page checked against the contract, its rows built: all that is left is to write it."""

    next_cursor: str
    has_more: bool
    # Item by item, in a handful of flat containers: a page of tuples per item made the GUI process's
    # garbage collector walk 15,000 new containers a page (pauses up to ~100 ms in `bench gui`).
    ids: list[str]
    statuses: list[str]  # "" for a tombstone
    values: list[Any]  # the live items' rows for the fast INSERT, _NCOLS values each, in item order
    key_counts: list[int]  # how many match keys each item has (0 for a tombstone)
    keys: list[str]  # the live items' match keys, in item order
    body: bytes  # the checked page itself: read again only for items the fast path cannot take
    limit: int

    def records(self, indexes: Sequence[int]) -> list[RegistrationRecord]:
        """The store's records of the items at `indexes` (edits, tombstones, ids seen twice)."""
        items = decode_page(self.body, self.limit).items
        return [to_record(items[i]) for i in indexes]


class _PageHead(msgspec.Struct):
    """Just enough of a page to ask for the next one while this one is still being checked and parsed."""

    next_cursor: str
    has_more: bool


_head_decoder = msgspec.json.Decoder(_PageHead)


def _lower_priority() -> None:
    """The parsing process yields the CPU to the station's own threads: a scan must never wait for a feed page."""
    with contextlib.suppress(AttributeError, OSError):  # os.nice is POSIX-only
        os.nice(5)


_PR_SET_PDEATHSIG: Final = 1  # <linux/prctl.h>
PARENT_POLL_S: Final = 1.0  # how often a child with neither a parent-death signal nor a sentinel looks for its parent


def _parent_death_signal() -> bool:
    """Linux: have the kernel SIGKILL this process when the thread that started it ends (with its process)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _exit_with_parent(parent_pid: int) -> None:
    """Wait for the parent to end, then end this process at once (the watcher thread of other platforms)."""
    parent = multiprocessing.parent_process()
    if parent is not None and parent.pid == parent_pid:
        parent.join()  # the parent's sentinel: a pipe (POSIX) or process handle (Windows) that ends with it
    else:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_POLL_S)
    os._exit(1)


def die_with_parent(parent_pid: int, *, kernel_signal: bool = True) -> None:
    """Make this child process end when `parent_pid` does, however it ends (SIGKILL included).

    Linux: PR_SET_PDEATHSIG, then a check that the parent is still the one that started us (it may have
    died before the call, and then no signal would come). Elsewhere, or when prctl fails: a daemon thread
    watching the parent.
    """
    if kernel_signal and _parent_death_signal():
        if os.getppid() != parent_pid:
            os._exit(1)
        return
    threading.Thread(target=_exit_with_parent, args=(parent_pid,), name="parent-watch", daemon=True).start()


def _start_parsing_process(parent_pid: int) -> None:
    """Initializer of a parsing process: dies with the station, yields the CPU to it."""
    die_with_parent(parent_pid)
    _lower_priority()


class ParsingProcesses(Executor):
    """The processes that check and parse a big pull's pages; they die with the station, however it ends.

    submit() may be called from any thread. The processes are started by a thread of this pool's own,
    which lives as long as they do: Linux sends the parent-death signal when the *thread* that started a
    child ends, and the prefetch thread that submits pages ends with every pass over the feed.
    """

    def __init__(self, workers: int) -> None:
        self._workers = workers
        self._requests: queue.SimpleQueue[tuple[Callable[..., Any], tuple[Any, ...], Future[Any]] | None] = (
            queue.SimpleQueue()
        )
        self._closed = False
        self._cancel_queued = False
        self._owner = threading.Thread(target=self._run, name="sync-parsers", daemon=True)
        self._owner.start()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        if kwargs:
            fn = functools.partial(fn, **kwargs)
        if self._closed:
            raise RuntimeError("the parsing processes were shut down")
        handed: Future[Any] = Future()
        self._requests.put((fn, args, handed))
        return handed

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop taking pages; queued ones are cancelled. With wait=False nobody waits for the processes."""
        self._closed = True
        self._cancel_queued = cancel_futures
        self._requests.put(None)
        if wait:
            self._owner.join()

    def _run(self) -> None:
        executor = ProcessPoolExecutor(
            max_workers=self._workers,
            # spawn, not fork: the station runs threads (Qt, scanners) that a forked child must not inherit.
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_parsing_process,
            initargs=(os.getpid(),),
        )
        try:
            while (request := self._requests.get()) is not None:
                fn, args, handed = request
                try:
                    _chain(executor.submit(fn, *args), handed)
                except BaseException as err:  # a broken pool: the page's consumer raises it
                    handed.set_exception(err)
        finally:
            # This thread started the processes, so it outlives them: a process still parsing finishes its page.
            executor.shutdown(wait=True, cancel_futures=self._cancel_queued)
            with contextlib.suppress(queue.Empty):
                while True:  # pages submitted as the pool closed: nobody waits for them any more
                    if (late := self._requests.get_nowait()) is not None:
                        late[2].cancel()


def _chain(inner: Future[Any], outer: Future[Any]) -> None:
    """Complete `outer` as `inner` completes."""

    def done(finished: Future[Any]) -> None:
        if outer.done():
            return
        if finished.cancelled():
            outer.cancel()
        elif (error := finished.exception()) is not None:
            outer.set_exception(error)
        else:
            outer.set_result(finished.result())

    inner.add_done_callback(done)


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
    ids: list[str] = []
    statuses: list[str] = []
    values: list[Any] = []
    key_counts: list[int] = []
    all_keys: list[str] = []
    for item in page.items:
        ids.append(storable(item.id))  # as its row stores it
        if item.deleted:
            statuses.append("")
            key_counts.append(0)
            continue
        # Straight from the checked item to the row: no record objects for a million items (see to_record).
        customer, status = item.customer, item.status
        assert not isinstance(customer, msgspec.UnsetType) and not isinstance(status, msgspec.UnsetType)
        row, keys = registration_values(
            item.id,
            cast(str, item.tracking_number),
            cast(str, item.order_number),
            cast(str, item.store),
            customer.id,
            customer.suite,
            customer.name,
            cast("list[str]", item.services),
            status,
            item.updated_at,
        )
        fast.add_row(values, row)
        statuses.append(status)
        key_counts.append(len(keys))
        all_keys.extend(keys)
    return _PreparedPage(page.next_cursor, page.has_more, ids, statuses, values, key_counts, all_keys, body, limit)


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
    ) -> None:
        self._fetch = fetch
        self._prepare = prepare
        self._executor = executor
        self._cursor = cursor
        self._stop = stop
        self._queue: queue.Queue[object] = queue.Queue(maxsize=4)
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
                head = _head_decoder.decode(body)
            except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
                # The full check reports what is wrong with this page (in words); nothing after it is fetched.
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

    def ready(self) -> bool:
        """Whether the next page (or the end) is already here: the consumer need not wait for the network."""
        return not self._queue.empty()

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

    Pages are written through the feed's own engine (Store.feed), whole, each with its
    cursor, several to a transaction while more are already waiting (up to `batch_rows` rows): a
    million-row first pull is bound by how many index pages each commit rewrites. A crash leaves the
    last committed cursor, so the pages after it are read again; applying a page again is harmless
    (by id and updated_at).
    """

    def __init__(
        self,
        store: Store,
        client: CentralClient,
        *,
        page_limit: int,
        batch_rows: int = DEFAULT_BATCH_ROWS,
        resolver: Resolver | None = None,
        stop: threading.Event | None = None,
        parse_workers: int = PARSE_WORKERS,
        workers_after_items: int = BIG_PULL_ITEMS,
    ) -> None:
        """`parse_workers` processes (at a lower CPU priority) check and parse the pages of a big pull.

        A pull turns big once `workers_after_items` items were asked for; smaller pulls parse on the
        spot. 0 workers parses everything on the spot.
        """
        self._store = store
        self._client = client
        self._limit = page_limit
        self._batch_rows = max(1, batch_rows)
        self._resolver = resolver
        self._stop = stop or threading.Event()
        self._writer = store.feed
        self._fast = _FastInsert(store.dialect)
        self._existing = Prepared(_existing_ids(store.dialect), store.dialect)
        self._ids_param: Callable[[list[str]], object] = (
            list if store.dialect.name == "postgresql" else functools.partial(json.dumps, separators=(",", ":"))
        )
        self._workers = max(0, parse_workers)
        self._workers_after = max(0, workers_after_items)
        self._items_asked = 0  # by the prefetch thread, which alone calls _worker
        self._refused: list[RefusedRecord] = []  # by the transaction being written, reviewed after its commit
        self._executor: ParsingProcesses | None = None
        self._terms_deferred = False  # a first fill of an empty feed: searching's terms are built at its end
        self._prepare_body = functools.partial(prepare_page, limit=page_limit, drivername=store.url.drivername)

    def stored_cursor(self) -> str | None:
        with self._writer.connect() as conn:
            return get_state(conn, CURSOR_KEY, FeedState)

    def pull(self, on_resolved: Callable[[Sequence[Verdict]], None] | None = None) -> PullResult:
        """Pull until has_more is false (or stop is set). 410 restarts once from the beginning."""
        result = PullResult()
        cursor = self.stored_cursor()
        # The writing and fetching threads hold the GIL until the interpreter makes them let go: the
        # processes that pull beside scans hand it over quickly (scanstation.process, set by their commands).
        try:
            with self._writer.connect() as conn:
                self._pull(conn, cursor, result, on_resolved)
        finally:
            if self._executor is not None:
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None
        return result

    def _pull(
        self,
        conn: Connection,
        cursor: str | None,
        result: PullResult,
        on_resolved: Callable[[Sequence[Verdict]], None] | None,
    ) -> None:
        try:
            self._run(conn, cursor, result, on_resolved)
        except CursorGoneError:
            if cursor is None and result.pages == 0:
                raise  # 410 without a cursor: nothing sensible left to try
            log.warning("the server no longer accepts the feed cursor: reading the feed again from the beginning")
            result.restarted = True
            # Receipts stay: they are the station's own rows (receipts), which the feed never writes.
            self._run(conn, None, result, on_resolved)

    def _run(
        self,
        conn: Connection,
        cursor: str | None,
        result: PullResult,
        on_resolved: Callable[[Sequence[Verdict]], None] | None,
    ) -> None:
        if cursor is not None:
            self._apply_pages(conn, cursor, result, on_resolved)
            return
        # From the beginning: the first fill of a million registrations, or again after a 410.
        # A pull from the beginning in full-size pages is big by nature: the parsing processes start with its
        # second page. Started half-way instead, their start stalled the GUI thread ~0.2 s in the middle of a
        # scan burst (`bench gui`). Small pages (tests, a tiny feed) keep the item threshold.
        if self._limit >= FULL_SIZE_PAGE:
            self._items_asked = max(self._items_asked, self._workers_after)
        with feed_fill(conn) as fill:
            self._terms_deferred = fill.deferred
            try:
                self._apply_pages(conn, cursor, result, on_resolved)
            finally:
                self._terms_deferred = False

    def _apply_pages(
        self,
        conn: Connection,
        cursor: str | None,
        result: PullResult,
        on_resolved: Callable[[Sequence[Verdict]], None] | None,
    ) -> None:
        prefetch = _Prefetch(self._fetch, self._prepare_body, self._worker, cursor, self._stop)
        pages = iter(prefetch)
        done = False
        while not done:
            awaiting: list[str] = []
            failure: BaseException | None = None
            self._refused = []  # a transaction rolled back set nothing aside: its pages come again
            started = time.perf_counter()
            with write_transaction(conn):
                if conn.dialect.name == "postgresql":
                    conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
                rows = 0
                while True:
                    try:
                        page = next(pages)
                    except StopIteration:
                        done = True
                        break
                    except Exception as err:  # a page the contract refuses: keep the pages before it
                        failure, done = err, True
                        break
                    awaiting.extend(self._write_page(conn, page, result))
                    set_state(conn, CURSOR_KEY, page.next_cursor, FeedState)
                    result.pages += 1
                    result.items += len(page.ids)
                    rows += len(page.ids)
                    if not page.has_more:
                        result.completed = done = True
                        break
                    if self._stop.is_set():
                        done = True
                        break
                    # Commit before waiting on the network, so what arrived is matched against at once.
                    if rows >= self._batch_rows or not prefetch.ready():
                        break
            result.longest_write_ms = max(result.longest_write_ms, (time.perf_counter() - started) * 1000)
            if self._refused:
                refused, self._refused = self._refused, []
                self._set_aside(refused, result)
            if awaiting and self._resolver is not None:
                verdicts = list(self._resolver(awaiting))
                if verdicts:
                    result.resolved.extend(verdicts)
                    if on_resolved is not None:
                        on_resolved(verdicts)
            if failure is not None:
                raise failure

    def _fetch(self, cursor: str | None) -> bytes:
        return self._client.fetch_parcels(cursor, self._limit)

    def _worker(self) -> Executor | None:
        """The process that checks and parses pages of a big pull (started on the first one that needs it)."""
        self._items_asked += self._limit
        if self._workers == 0 or self._items_asked <= self._workers_after:
            return None
        if self._executor is None:
            self._executor = ParsingProcesses(self._workers)
        return self._executor

    def _write_page(self, conn: Connection, page: _PreparedPage, result: PullResult) -> list[str]:
        """Write a page whole; when the database refuses a record, the page again record by record.

        A record refused on its own is set aside (for review once the transaction commits) and the rest
        of the page is stored: one customer's odd name must never keep every registration after it away.
        """
        counts = (result.inserted, result.updated, result.stale)
        try:
            with conn.begin_nested():
                return self._write_whole_page(conn, page, result)
        except Exception as err:
            if not refused_values(err):
                raise
            result.inserted, result.updated, result.stale = counts
        awaiting: list[str] = []
        for record in page.records(range(len(page.ids))):
            try:
                with conn.begin_nested():
                    upserted = upsert_registrations(conn, [record])
            except Exception as err:
                if not refused_values(err):
                    raise
                self._refused.append(RefusedRecord(record.id, record.updated_at.isoformat(), _refusal(err)))
                continue
            self._count(upserted, result)
            awaiting.extend(upserted.live_awaiting_ids)
        return awaiting

    @staticmethod
    def _count(upserted: UpsertResult, result: PullResult) -> None:
        result.inserted += upserted.inserted
        result.updated += upserted.updated
        result.stale += upserted.skipped_stale

    def _set_aside(self, refused: list[RefusedRecord], result: PullResult) -> None:
        """Review items for the records the database refused (in the station's own tables, after the feed's commit)."""
        result.set_aside += len(refused)
        for record in refused:
            log.warning(
                "registration %s set aside for review, the database refused it: %s", record.id[:80], record.reason
            )
        now = utcnow()
        with write_transaction(self._store) as conn:
            conn.execute(insert(_review), [record.review_row(now) for record in refused])

    def _write_whole_page(self, conn: Connection, page: _PreparedPage, result: PullResult) -> list[str]:
        """New live registrations by the fast path; everything else through the store's upsert."""
        ids = page.ids
        if not ids:
            return []
        existing = {row["id"] for row in self._existing.all(conn, {"ids": self._ids_param(ids)})}
        counts: dict[str, int] = {}
        for rid in ids:
            counts[rid] = counts.get(rid, 0) + 1
        values, keys, key_counts, statuses = page.values, page.keys, page.key_counts, page.statuses
        fresh_values: list[Any] = []
        fresh_keys: list[str] = []
        others: list[int] = []
        awaiting: list[str] = []
        row_at = key_at = 0
        for index, rid in enumerate(ids):
            live = statuses[index] != ""
            n_keys = key_counts[index]
            if live and rid not in existing and counts[rid] == 1:
                fresh_values.extend(values[row_at : row_at + _NCOLS])
                for key in keys[key_at : key_at + n_keys]:
                    fresh_keys += (key, rid, key[::-1])
                if statuses[index] == AWAITING:
                    awaiting.append(rid)
            else:
                others.append(index)
            if live:
                row_at += _NCOLS
            key_at += n_keys
        if fresh_values:
            fast = self._fast
            fast.insert(conn, _reg.name, _REG_COLUMNS, fresh_values)
            if fresh_keys:
                fast.insert(conn, _keys.name, ("key", "registration_id", "rkey"), fresh_keys)
            if not self._terms_deferred:
                # The customers' terms for searching; a first fill indexes them all once at its end.
                add_customer_terms(
                    conn,
                    (
                        tuple(fresh_values[at + column] for column in _TERM_AT)
                        for at in range(0, len(fresh_values), _NCOLS)
                    ),
                )
            result.inserted += len(fresh_values) // _NCOLS
        if others:
            upserted = upsert_registrations(conn, page.records(others))
            self._count(upserted, result)
            awaiting.extend(upserted.live_awaiting_ids)
        return awaiting


def _refusal(err: BaseException) -> str:
    """Why the database refused a record, in its own words (the first line; no statement, no values)."""
    orig = err.orig if isinstance(err, DBAPIError) else err
    first = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    return redact(first)[:300]
