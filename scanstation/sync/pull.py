"""Pull: the registration feed page by page, each page applied in short transactions ending with its cursor."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Final

import msgspec
from sqlalchemy.engine import Engine

from scanstation.store.engine import write_transaction
from scanstation.store.registrations import RegistrationRecord, upsert_registrations
from scanstation.store.state import get_state, set_state
from scanstation.sync.client import CentralClient, CursorGoneError
from scanstation.sync.contract import ParcelItem, ParcelsPage

__all__ = ["CURSOR_KEY", "DEFAULT_CHUNK_ROWS", "PullResult", "Puller", "Resolver", "to_record"]

log = logging.getLogger(__name__)

CURSOR_KEY: Final = "feed_cursor"
# Rows per write transaction: small enough that a scan waiting for the write lock waits a few ms.
DEFAULT_CHUNK_ROWS: Final = 250

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
    longest_write_ms: float = 0.0


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


class _Prefetch:
    """Fetches the next page while the current one is written: the server's time and ours overlap.

    The thread only does HTTP; every database write stays on the caller's thread.
    """

    _DONE: Final = object()

    def __init__(self, fetch: Callable[[str | None], ParcelsPage], cursor: str | None, stop: threading.Event) -> None:
        self._fetch = fetch
        self._cursor = cursor
        self._stop = stop
        self._queue: queue.Queue[object] = queue.Queue(maxsize=1)
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
        while not (self._stop.is_set() or self._abandon.is_set()):
            try:
                page = self._fetch(cursor)
            except BaseException as err:  # handed to the consumer, which raises it on its own thread
                self._put(err)
                return
            if not self._put((cursor, page)):
                return
            if not page.has_more:
                break
            cursor = page.next_cursor
        self._put(self._DONE)

    def __iter__(self) -> Iterator[tuple[str | None, ParcelsPage]]:
        try:
            while True:
                value = self._queue.get()
                if value is self._DONE:
                    return
                if isinstance(value, BaseException):
                    raise value
                assert isinstance(value, tuple)
                yield value
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
    ) -> None:
        self._engine = engine
        self._client = client
        self._limit = page_limit
        self._chunk_rows = max(1, chunk_rows)
        self._resolver = resolver
        self._stop = stop or threading.Event()

    def stored_cursor(self) -> str | None:
        with self._engine.connect() as conn:
            return get_state(conn, CURSOR_KEY)

    def pull(self, on_resolved: Callable[[Sequence[object]], None] | None = None) -> PullResult:
        """Pull until has_more is false (or stop is set). 410 restarts once from the beginning."""
        result = PullResult()
        cursor = self.stored_cursor()
        try:
            self._run(cursor, result, on_resolved)
        except CursorGoneError:
            if cursor is None and result.pages == 0:
                raise  # 410 without a cursor: nothing sensible left to try
            log.warning("the server no longer accepts the feed cursor: reading the feed again from the beginning")
            result.restarted = True
            # Receipts stay: the store never overwrites received_* columns, and keeps at_warehouse.
            self._run(None, result, on_resolved)
        return result

    def _run(
        self, cursor: str | None, result: PullResult, on_resolved: Callable[[Sequence[object]], None] | None
    ) -> None:
        for _asked, page in _Prefetch(lambda c: self._client.parcels(c, self._limit), cursor, self._stop):
            awaiting = self._apply(page, result)
            result.pages += 1
            result.items += len(page.items)
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

    def _apply(self, page: ParcelsPage, result: PullResult) -> list[str]:
        records = [to_record(item) for item in page.items]
        size = self._chunk_rows
        chunks = [records[i : i + size] for i in range(0, len(records), size)] or [[]]
        awaiting: list[str] = []
        last = len(chunks) - 1
        for index, chunk in enumerate(chunks):
            started = time.perf_counter()
            with write_transaction(self._engine) as conn:
                if chunk:
                    upserted = upsert_registrations(conn, chunk)
                    result.inserted += upserted.inserted
                    result.updated += upserted.updated
                    result.stale += upserted.skipped_stale
                    awaiting.extend(upserted.live_awaiting_ids)
                if index == last:
                    set_state(conn, CURSOR_KEY, page.next_cursor)
            result.longest_write_ms = max(result.longest_write_ms, (time.perf_counter() - started) * 1000)
            if self._stop.is_set() and index != last:
                # Stopping mid-page: the cursor stays where it was and the page is read again next time.
                return awaiting
        return awaiting
