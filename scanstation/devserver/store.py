"""The simulator's own SQLite database: registrations with their change sequence, events, notifications."""

from __future__ import annotations

import contextlib
import queue
import secrets
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final

import msgspec

from scanstation.devserver import notify
from scanstation.devserver.validate import event_problem
from scanstation.devserver.wire import encode, make_cursor, parse_cursor, timestamp
from scanstation.domain import AWAITING

SCHEMA_VERSION: Final = "1"

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS customers (
    num INTEGER PRIMARY KEY,          -- the customer id is c_<num>
    suite TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS customers_suite ON customers (suite);
CREATE TABLE IF NOT EXISTS registrations (
    num INTEGER PRIMARY KEY,          -- the parcel id is p_<num>
    seq INTEGER NOT NULL,             -- change sequence: bumped by every change, the feed's order
    deleted INTEGER NOT NULL DEFAULT 0,
    status TEXT,
    tracking_number TEXT,
    order_number TEXT,
    customer_num INTEGER,
    updated_at TEXT NOT NULL,
    doc BLOB NOT NULL                 -- the feed item exactly as served (JSON), so a page is a join of bytes
);
CREATE UNIQUE INDEX IF NOT EXISTS registrations_seq ON registrations (seq);
CREATE TABLE IF NOT EXISTS events (
    n INTEGER PRIMARY KEY,            -- order of arrival; one row per event received, duplicates included
    event_id TEXT NOT NULL,
    type TEXT,
    station_id TEXT NOT NULL,
    received_at TEXT NOT NULL,
    result TEXT NOT NULL,             -- accepted / duplicate / rejected
    error_code TEXT,
    error_message TEXT,
    body BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS events_event_id ON events (event_id);
CREATE TABLE IF NOT EXISTS notifications (
    n INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL,
    parcel_id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    email TEXT NOT NULL,
    subject TEXT NOT NULL,
    email_text TEXT NOT NULL,
    account_message TEXT NOT NULL,
    sent_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS unknown_parcels (
    local_id TEXT PRIMARY KEY,
    station_id TEXT NOT NULL,
    tracking_number TEXT,
    raw_scan TEXT,
    carrier TEXT,
    listed_at TEXT,
    resolution TEXT,                  -- NULL while open
    parcel_id TEXT,
    note TEXT,
    resolved_at TEXT
);
"""

_EDITABLE: Final = frozenset({"tracking_number", "order_number", "store", "services", "status"})

CustomerRow = tuple[int, str, str, str]  # num, suite, name, email
RegistrationRow = tuple[int, int, int, str, str, str, int, str, bytes]  # the registrations columns, in order


class CursorGoneError(Exception):
    """A cursor this server does not accept (unparseable, from another feed generation, or past the end)."""


class _RejectError(Exception):
    """An event that will never be applied: its result is `rejected` with this code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class NotFoundError(KeyError):
    """No registration (or customer) with that id."""


def parcel_id(num: int) -> str:
    return f"p_{num}"


def customer_id(num: int) -> str:
    return f"c_{num}"


def _num(prefixed: str, prefix: str) -> int | None:
    if not prefixed.startswith(prefix):
        return None
    digits = prefixed[len(prefix) :]
    # Only the canonical spelling names a row: "p_007" or "p_+7" are not ids this server handed out.
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 18) or digits != str(int(digits)):
        return None
    return int(digits)


def _later_than(previous: str) -> str:
    """Now as a timestamp, but always after `previous`: a change must come with a later updated_at."""
    now = timestamp()
    if now > previous:
        return now
    return timestamp(datetime.fromisoformat(previous.replace("Z", "+00:00")) + timedelta(milliseconds=1))


class FeedStore:
    """All the simulator's state; every write is serialised by one lock, pages read through a pool."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._write_lock = threading.RLock()
        self._conn = self._connect()
        self._readers: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._all_readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        try:
            self._init_schema()
        except BaseException:
            self._conn.close()
            raise
        self._epoch = self._meta("epoch") or self._new_epoch()
        self._last_seq = int(self._conn.execute("SELECT coalesce(max(seq), 0) FROM registrations").fetchone()[0])
        self._next_customer = int(self._conn.execute("SELECT coalesce(max(num), 0) FROM customers").fetchone()[0]) + 1
        self._next_parcel = int(self._conn.execute("SELECT coalesce(max(num), 0) FROM registrations").fetchone()[0]) + 1

    # -- connections -----------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False, timeout=30)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.Error:
            conn.close()  # not a database, or not writable: the caller reports it
            raise
        return conn

    def _init_schema(self) -> None:
        with self._write_lock:
            self._conn.executescript(_SCHEMA)
            version = self._meta("schema_version")
            if version is None:
                self._conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
            elif version != SCHEMA_VERSION:
                raise RuntimeError(
                    f"{self._path} is a devserver database of schema {version}, this simulator needs "
                    f"{SCHEMA_VERSION}: delete it or start with --fresh"
                )

    def _meta(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _set_meta(self, key: str, value: str) -> None:
        self._conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def _new_epoch(self) -> str:
        epoch = secrets.token_hex(4)
        with self._write_lock:
            self._set_meta("epoch", epoch)
        return epoch

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction on the writer connection; the caller holds the write lock."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    @contextlib.contextmanager
    def _reader(self) -> Iterator[sqlite3.Connection]:
        try:
            conn = self._readers.get_nowait()
        except queue.Empty:
            conn = self._connect()
            with self._readers_lock:
                self._all_readers.append(conn)
        try:
            yield conn
        finally:
            self._readers.put(conn)

    def close(self) -> None:
        with self._readers_lock:
            for conn in self._all_readers:
                conn.close()
            self._all_readers.clear()
        with self._write_lock:
            self._conn.close()

    # -- generation ------------------------------------------------------------------------------

    @property
    def generated(self) -> bool:
        """True once the database was filled (or deliberately left empty) at creation."""
        return self._meta("generated") is not None

    @property
    def next_customer_num(self) -> int:
        return self._next_customer

    def insert_generated(self, batches: Iterable[tuple[Sequence[CustomerRow], Sequence[RegistrationRow]]]) -> int:
        """Write generated rows (seq already assigned, ascending) in one go; returns registrations written."""
        written = 0
        with self._write_lock:
            self._conn.execute("PRAGMA synchronous=OFF")
            try:
                with self._transaction() as conn:
                    for customers, registrations in batches:
                        conn.executemany("INSERT INTO customers VALUES (?, ?, ?, ?)", customers)
                        conn.executemany("INSERT INTO registrations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", registrations)
                        written += len(registrations)
                        if registrations:
                            self._last_seq = max(self._last_seq, registrations[-1][1])
                            self._next_parcel = max(self._next_parcel, registrations[-1][0] + 1)
                        if customers:
                            self._next_customer = max(self._next_customer, customers[-1][0] + 1)
                    self._set_meta("generated", str(written))
            finally:
                self._conn.execute("PRAGMA synchronous=NORMAL")
        return written

    # -- the feed --------------------------------------------------------------------------------

    @property
    def last_seq(self) -> int:
        return self._last_seq

    def page(self, cursor: str | None, limit: int) -> bytes:
        """The JSON body of GET /parcels: items changed after the cursor, in change order."""
        epoch = self._epoch
        after = 0
        if cursor:
            parsed = parse_cursor(cursor)
            if parsed is None or parsed[0] != epoch:
                raise CursorGoneError("this cursor is not one this server accepts; start from the beginning")
            after = parsed[1]
        with self._reader() as conn:
            conn.execute("BEGIN")
            try:
                newest = conn.execute("SELECT coalesce(max(seq), 0) FROM registrations").fetchone()[0]
                rows = conn.execute(
                    "SELECT seq, doc FROM registrations WHERE seq > ? ORDER BY seq LIMIT ?", (after, limit + 1)
                ).fetchall()
            finally:
                conn.execute("COMMIT")
        if after > newest:
            raise CursorGoneError("this cursor points past the end of the feed; start from the beginning")
        has_more = len(rows) > limit
        del rows[limit:]
        last = rows[-1][0] if rows else after
        return b"".join(
            (
                b'{"items":[',
                b",".join(row[1] for row in rows),
                b'],"next_cursor":"',
                make_cursor(epoch, last).encode(),
                b'","has_more":',
                b"true" if has_more else b"false",
                b"}",
            )
        )

    def invalidate_cursors(self) -> None:
        """Start a new feed generation: every cursor handed out so far answers 410 from now on."""
        with self._write_lock:
            epoch = self._epoch
            while epoch == self._epoch:
                epoch = secrets.token_hex(4)
            self._set_meta("epoch", epoch)
            self._epoch = epoch

    # -- registrations ---------------------------------------------------------------------------

    def _write_doc(self, conn: sqlite3.Connection, num: int, doc: dict[str, Any]) -> dict[str, Any]:
        """Store a changed registration under the next change sequence, so every station sees it."""
        self._last_seq += 1
        doc["updated_at"] = _later_than(doc.get("updated_at") or "")
        conn.execute(
            "UPDATE registrations SET seq = ?, deleted = ?, status = ?, tracking_number = ?, order_number = ?,"
            " updated_at = ?, doc = ? WHERE num = ?",
            (
                self._last_seq,
                int(bool(doc.get("deleted"))),
                doc.get("status"),
                doc.get("tracking_number"),
                doc.get("order_number"),
                doc["updated_at"],
                encode(doc),
                num,
            ),
        )
        return doc

    def _customer(self, conn: sqlite3.Connection, num: int) -> dict[str, Any]:
        row = conn.execute("SELECT suite, name, email FROM customers WHERE num = ?", (num,)).fetchone()
        if row is None:
            raise NotFoundError(customer_id(num))
        return {"id": customer_id(num), "suite": row[0], "name": row[1], "email": row[2]}

    def _new_customer(self, conn: sqlite3.Connection, suite: str | None, name: str | None) -> int:
        num = self._next_customer
        self._next_customer += 1
        suite = suite or f"UN-{1000 + num}"
        name = name or f"Customer {num}"
        conn.execute(
            "INSERT INTO customers VALUES (?, ?, ?, ?)", (num, suite, name, f"customer{num}@customers.example")
        )
        return num

    def add_registration(
        self,
        tracking_number: str,
        *,
        order_number: str = "",
        store: str = "",
        customer: str | None = None,
        suite: str | None = None,
        name: str | None = None,
        services: Sequence[str] = (),
        status: str = AWAITING,
    ) -> dict[str, Any]:
        """Register a parcel as a customer would; returns its feed item. `customer` is an existing c_<n>."""
        if not isinstance(tracking_number, str) or not tracking_number.strip():
            raise ValueError("tracking_number must be a non-empty string")
        with self._write_lock, self._transaction() as conn:
            if customer is not None:
                cnum = _num(customer, "c_")
                if cnum is None:
                    raise NotFoundError(customer)
                self._customer(conn, cnum)
            else:
                row = conn.execute("SELECT num FROM customers WHERE suite = ? LIMIT 1", (suite,)).fetchone()
                cnum = int(row[0]) if suite and row else self._new_customer(conn, suite, name)
            who = self._customer(conn, cnum)
            num = self._next_parcel
            self._next_parcel += 1
            doc = {
                "id": parcel_id(num),
                "tracking_number": tracking_number,
                "order_number": order_number,
                "store": store,
                "customer": {"id": who["id"], "suite": who["suite"], "name": who["name"]},
                "services": list(services),
                "status": status,
                "deleted": False,
                "updated_at": "",
            }
            # A placeholder row (its seq is unique because it is negative) that _write_doc fills in.
            conn.execute(
                "INSERT INTO registrations (num, seq, customer_num, updated_at, doc) VALUES (?, ?, ?, '', x'')",
                (num, -num, cnum),
            )
            return self._write_doc(conn, num, doc)

    def _live_doc(self, conn: sqlite3.Connection, pid: str) -> tuple[int, dict[str, Any]]:
        num = _num(pid, "p_")
        row = None if num is None else conn.execute("SELECT doc FROM registrations WHERE num = ?", (num,)).fetchone()
        if num is None or row is None:
            raise NotFoundError(pid)
        doc = msgspec.json.decode(row[0])
        if doc.get("deleted"):
            raise NotFoundError(f"{pid} was deleted")
        return num, doc

    def edit_registration(self, pid: str, **changes: Any) -> dict[str, Any]:
        """Change a registration as the customer would; it comes again in the feed with a later updated_at."""
        unknown = set(changes) - _EDITABLE
        if unknown:
            raise ValueError(f"cannot edit {', '.join(sorted(unknown))}; editable: {', '.join(sorted(_EDITABLE))}")
        for key, value in changes.items():
            if key == "services":
                if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
                    raise ValueError("services must be a list of codes")
            elif not isinstance(value, str) or (key in ("tracking_number", "status") and not value.strip()):
                raise ValueError(
                    f"{key} must be a {'non-empty ' if key in ('tracking_number', 'status') else ''}string"
                )
        with self._write_lock, self._transaction() as conn:
            num, doc = self._live_doc(conn, pid)
            doc.update({k: list(v) if k == "services" else v for k, v in changes.items()})
            return self._write_doc(conn, num, doc)

    def delete_registration(self, pid: str) -> dict[str, Any]:
        """Delete a registration as the customer would; the feed then carries its tombstone."""
        with self._write_lock, self._transaction() as conn:
            num, old = self._live_doc(conn, pid)
            return self._write_doc(conn, num, {"id": pid, "deleted": True, "updated_at": old["updated_at"]})

    def registration(self, pid: str) -> dict[str, Any] | None:
        """The current feed item of a registration (a tombstone when deleted), or None."""
        num = _num(pid, "p_")
        if num is None:
            return None
        with self._reader() as conn:
            row = conn.execute("SELECT doc FROM registrations WHERE num = ?", (num,)).fetchone()
        return None if row is None else dict(msgspec.json.decode(row[0]))

    def registrations(self, *, offset: int = 0, limit: int = 100, query: str = "") -> list[dict[str, Any]]:
        """Feed items, newest change first; `query` filters by tracking number, order number, id or suite."""
        sql = "SELECT doc FROM registrations"
        params: list[Any] = []
        if query:
            like = f"%{query}%"
            sql += (
                " WHERE tracking_number LIKE ? OR order_number LIKE ? OR 'p_' || num = ?"
                " OR customer_num IN (SELECT num FROM customers WHERE suite LIKE ? OR name LIKE ?)"
            )
            params += [like, like, query, like, like]
        sql += " ORDER BY seq DESC LIMIT ? OFFSET ?"
        params += [limit, offset]
        with self._reader() as conn:
            return [dict(msgspec.json.decode(row[0])) for row in conn.execute(sql, params)]

    def registration_count(self) -> tuple[int, int]:
        """(live, deleted) registrations."""
        with self._reader() as conn:
            row = conn.execute(
                "SELECT count(*) - coalesce(sum(deleted), 0), coalesce(sum(deleted), 0) FROM registrations"
            ).fetchone()
        return int(row[0]), int(row[1])

    # -- events ----------------------------------------------------------------------------------

    def apply_batch(self, station_id: str, events: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Apply one POST /events batch in one transaction; one result per event, in order."""
        received_at = timestamp()
        results: list[dict[str, Any]] = []
        with self._write_lock, self._transaction() as conn:
            for event in events:
                event_id = event["id"]
                already = conn.execute(
                    "SELECT 1 FROM events WHERE event_id = ? AND result = 'accepted' LIMIT 1", (event_id,)
                ).fetchone()
                error: tuple[str, str] | None = None
                if already:
                    status = "duplicate"
                else:
                    problem = event_problem(event)
                    try:
                        if problem:
                            raise _RejectError("invalid_event", problem)
                        self._apply(conn, station_id, event)
                    except _RejectError as exc:
                        error = (exc.code, exc.message)
                    status = "rejected" if error else "accepted"
                event_type = event.get("type")
                conn.execute(
                    "INSERT INTO events (event_id, type, station_id, received_at, result, error_code, error_message,"
                    " body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        event_id,
                        event_type if isinstance(event_type, str) else None,
                        station_id,
                        received_at,
                        status,
                        error and error[0],
                        error and error[1],
                        encode(event),
                    ),
                )
                result: dict[str, Any] = {"id": event_id, "status": status}
                if error:
                    result["error"] = {"code": error[0], "message": error[1]}
                results.append(result)
        return results

    def _target(self, conn: sqlite3.Connection, pid: str) -> tuple[int, dict[str, Any]]:
        """(num, live doc) of the parcel an event names; _RejectError when there is none to act on."""
        num = _num(pid, "p_")
        row = None if num is None else conn.execute("SELECT doc FROM registrations WHERE num = ?", (num,)).fetchone()
        if num is None or row is None:
            raise _RejectError("unknown_parcel", f"no registration {pid}")
        doc = msgspec.json.decode(row[0])
        if doc.get("deleted"):
            raise _RejectError("parcel_deleted", f"the customer deleted registration {pid}")
        return num, doc

    def _apply(self, conn: sqlite3.Connection, station_id: str, event: Mapping[str, Any]) -> None:
        """Do what one valid event asks; _RejectError when it must be rejected instead."""
        kind = event["type"]
        if kind == "parcel.status_changed":
            num, doc = self._target(conn, event["parcel_id"])
            if doc.get("status") != event["status"]:
                doc["status"] = event["status"]
                self._write_doc(conn, num, doc)
        elif kind == "notification.requested":
            self._notify(conn, event, self._target(conn, event["parcel_id"])[1])
        elif kind == "parcel.unknown":
            # Listed again (another event id for the same local parcel): refresh the listing, keep any resolution.
            conn.execute(
                "INSERT INTO unknown_parcels (local_id, station_id, tracking_number, raw_scan, carrier, listed_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (local_id) DO UPDATE SET station_id = excluded.station_id,"
                " tracking_number = excluded.tracking_number, raw_scan = excluded.raw_scan,"
                " carrier = excluded.carrier, listed_at = excluded.listed_at",
                (
                    event["local_id"],
                    station_id,
                    event["tracking_number"],
                    event["raw_scan"],
                    event["carrier"],
                    event["occurred_at"],
                ),
            )
        elif kind == "parcel.unknown_resolved":
            if event["resolution"] == "matched":
                self._target(conn, event["parcel_id"])
            values = (event["resolution"], event.get("parcel_id"), event.get("note"), event["occurred_at"])
            updated = conn.execute(
                "UPDATE unknown_parcels SET resolution = ?, parcel_id = ?, note = ?, resolved_at = ?"
                " WHERE local_id = ?",
                (*values, event["local_id"]),
            ).rowcount
            if not updated:
                # Its listing never reached this server (or came from before a reset): keep the resolution anyway.
                conn.execute(
                    "INSERT INTO unknown_parcels (local_id, station_id, resolution, parcel_id, note, resolved_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (event["local_id"], station_id, *values),
                )

    def _notify(self, conn: sqlite3.Connection, event: Mapping[str, Any], doc: Mapping[str, Any]) -> None:
        cnum = _num(doc["customer"]["id"], "c_")
        who = self._customer(conn, cnum if cnum is not None else -1)
        subject, text, message = notify.arrival_texts(
            name=doc["customer"]["name"],
            suite=doc["customer"]["suite"],
            tracking_number=doc["tracking_number"],
            order_number=doc.get("order_number") or "",
            store=doc.get("store") or "",
            services=doc.get("services") or (),
            occurred_at=event["occurred_at"],
        )
        conn.execute(
            "INSERT INTO notifications (event_id, parcel_id, customer_id, email, subject, email_text,"
            " account_message, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (event["id"], doc["id"], who["id"], who["email"], subject, text, message, timestamp()),
        )

    def applied_count(self, event_id: str) -> int:
        with self._reader() as conn:
            row = conn.execute(
                "SELECT count(*) FROM events WHERE event_id = ? AND result = 'accepted'", (event_id,)
            ).fetchone()
        return int(row[0])

    def received_count(self, event_id: str) -> int:
        with self._reader() as conn:
            return int(conn.execute("SELECT count(*) FROM events WHERE event_id = ?", (event_id,)).fetchone()[0])

    def events(self, *, offset: int = 0, limit: int | None = None, newest_first: bool = False) -> list[dict[str, Any]]:
        """Every event received, duplicates and rejections included, with its result."""
        sql = (
            "SELECT n, event_id, type, station_id, received_at, result, error_code, error_message, body FROM events"
            f" ORDER BY n {'DESC' if newest_first else 'ASC'} LIMIT ? OFFSET ?"
        )
        with self._reader() as conn:
            rows = conn.execute(sql, (-1 if limit is None else limit, offset)).fetchall()
        return [
            {
                "n": r[0],
                "id": r[1],
                "type": r[2],
                "station_id": r[3],
                "received_at": r[4],
                "result": r[5],
                "error": None if r[6] is None else {"code": r[6], "message": r[7]},
                "event": msgspec.json.decode(r[8]),
            }
            for r in rows
        ]

    def event_counts(self) -> dict[str, int]:
        with self._reader() as conn:
            return {str(r[0]): int(r[1]) for r in conn.execute("SELECT result, count(*) FROM events GROUP BY result")}

    def notifications(
        self, *, offset: int = 0, limit: int | None = None, newest_first: bool = False
    ) -> list[dict[str, Any]]:
        """What customers would have been sent, in the order it was sent."""
        sql = (
            "SELECT n, event_id, parcel_id, customer_id, email, subject, email_text, account_message, sent_at"
            f" FROM notifications ORDER BY n {'DESC' if newest_first else 'ASC'} LIMIT ? OFFSET ?"
        )
        keys = (
            "n",
            "event_id",
            "parcel_id",
            "customer_id",
            "email",
            "subject",
            "email_text",
            "account_message",
            "sent_at",
        )
        with self._reader() as conn:
            return [
                dict(zip(keys, r, strict=True)) for r in conn.execute(sql, (-1 if limit is None else limit, offset))
            ]

    def notification_count(self) -> int:
        with self._reader() as conn:
            return int(conn.execute("SELECT count(*) FROM notifications").fetchone()[0])

    def unknown_parcels(self) -> list[dict[str, Any]]:
        """Parcels stations could not identify, open ones and resolved ones."""
        keys = (
            "local_id",
            "station_id",
            "tracking_number",
            "raw_scan",
            "carrier",
            "listed_at",
            "resolution",
            "parcel_id",
            "note",
            "resolved_at",
        )
        with self._reader() as conn:
            rows = conn.execute(f"SELECT {', '.join(keys)} FROM unknown_parcels ORDER BY rowid").fetchall()
        return [dict(zip(keys, r, strict=True)) for r in rows]
