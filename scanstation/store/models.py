"""The station's tables as typed SQLAlchemy 2 models: its own records (Base) and its copy of the feed (FeedBase)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from scanstation.domain import AWAITING


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both SQLite (which keeps no zone) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """What happened at this station: scans, receipts, unknown parcels, the outbox. Alembic migrates it."""

    metadata = MetaData(naming_convention=NAMING)


class FeedBase(DeclarativeBase):
    """The station's copy of the central server's feed: registrations, their keys, the feed cursor.

    On SQLite it lives in a file of its own beside the station's (see store.engine), so writing a big
    feed page never holds the lock a scan's commit needs; on PostgreSQL it shares the database.
    Nothing a clerk did is kept here: the file can be deleted and pulled again.
    """

    metadata = MetaData(naming_convention=NAMING)


class EventState(StrEnum):
    HELD = "held"  # inside the undo window: not sent before `not_before`
    PENDING = "pending"  # to be pushed
    SENT = "sent"  # the server answered accepted or duplicate
    REJECTED = "rejected"  # the server will never apply it; kept for a supervisor
    CANCELLED = "cancelled"  # the scan was undone inside its window; never sent


# The contract limits none of the feed's strings, so the feed's columns are text of any length: a
# customer's 300-character name must not stop the feed (revision 0003). The station's own columns that
# hold a registration id are text on PostgreSQL too; SQLite enforces no declared length, so its files
# keep the VARCHAR they were made with and need no rewrite.
FEED_ID = Text().with_variant(String(64), "sqlite")


class Registration(FeedBase):
    """A parcel as the central server's feed gave it (one row per registered tracking number)."""

    __tablename__ = "registrations"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    tracking_typed: Mapped[str] = mapped_column(Text, default="")  # exactly what the customer typed
    tracking_number: Mapped[str | None] = mapped_column(Text)  # normalised, for display and events
    order_number: Mapped[str] = mapped_column(Text, default="")
    store: Mapped[str] = mapped_column(Text, default="")
    customer_id: Mapped[str] = mapped_column(Text, default="")
    customer_suite: Mapped[str] = mapped_column(Text, default="")
    customer_name: Mapped[str] = mapped_column(Text, default="")
    services: Mapped[str] = mapped_column(Text, default="")  # space-separated codes, in feed order
    status: Mapped[str] = mapped_column(Text, default=AWAITING)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index(None, "customer_id", "order_number"),)


class RegistrationKey(FeedBase):
    """One match key of a registration; a registration may have several."""

    __tablename__ = "registration_keys"

    key: Mapped[str] = mapped_column(Text, primary_key=True)
    registration_id: Mapped[str] = mapped_column(
        Text, ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True
    )

    # SQLite: the primary key is the table (no rowid b-tree beside it): one b-tree less to write per key.
    __table_args__ = (Index(None, "registration_id"), {"sqlite_with_rowid": False})


class FeedState(FeedBase):
    """The feed's cursor (and the feed file's layout version), committed with the pages they describe."""

    __tablename__ = "feed_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Receipt(Base):
    """This station received a registered parcel: its status is at_warehouse whatever the feed still says.

    Kept apart from the feed's row, so the feed never overwrites a receipt and a scan never writes the feed.
    """

    __tablename__ = "receipts"

    registration_id: Mapped[str] = mapped_column(FEED_ID, primary_key=True)
    scan_id: Mapped[str] = mapped_column(String(36), unique=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_by: Mapped[str] = mapped_column(String(128))
    received_station: Mapped[str] = mapped_column(String(128))


class ScanLog(Base):
    """Every scan and its verdict, append-only apart from the undo mark."""

    __tablename__ = "scan_log"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # uuid, the scan_id
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    raw: Mapped[str] = mapped_column(Text)
    keys: Mapped[str] = mapped_column(Text, default="")  # space-separated
    tracking_number: Mapped[str | None] = mapped_column(String(64))
    carrier: Mapped[str | None] = mapped_column(String(64))
    symbology: Mapped[str | None] = mapped_column(String(8))
    scanner: Mapped[str] = mapped_column(String(64))
    station_id: Mapped[str] = mapped_column(String(128))
    operator: Mapped[str] = mapped_column(String(128))
    typed: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[str] = mapped_column(String(16))
    registration_id: Mapped[str | None] = mapped_column(FEED_ID, index=True)
    unknown_id: Mapped[str | None] = mapped_column(String(36))
    note: Mapped[str | None] = mapped_column(Text)
    latency_ms: Mapped[float | None] = mapped_column(Float)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by: Mapped[str | None] = mapped_column(String(128))


class UnknownParcel(Base):
    """A parcel that arrived with no live registration; a supervisor (or a later sync) resolves it."""

    __tablename__ = "unknown_parcels"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # local_id (uuid) sent to the server
    tracking_number: Mapped[str | None] = mapped_column(String(64))
    carrier: Mapped[str | None] = mapped_column(String(64))
    raw_scan: Mapped[str] = mapped_column(Text)
    keys: Mapped[str] = mapped_column(Text, default="")
    first_scan_id: Mapped[str] = mapped_column(String(36))
    # Indexed for the shift report: the unknown parcels opened or resolved in a range (revision 0006).
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    station_id: Mapped[str] = mapped_column(String(128))
    operator: Mapped[str] = mapped_column(String(128))
    resolution: Mapped[str | None] = mapped_column(String(32), index=True)  # None while open
    resolved_registration_id: Mapped[str | None] = mapped_column(FEED_ID)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    resolved_by: Mapped[str | None] = mapped_column(String(128))
    note: Mapped[str | None] = mapped_column(Text)


class UnknownKey(Base):
    """Match keys of unknown parcels: finds a re-scan (duplicate) and a late registration."""

    __tablename__ = "unknown_keys"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    unknown_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("unknown_parcels.id", ondelete="CASCADE"), primary_key=True
    )


class ReviewItem(Base):
    """Something a supervisor must look at: an ambiguous or not-expected scan, a rejected event."""

    __tablename__ = "review_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))  # ambiguous | not_expected | rejected_event | refused_registration
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    scan_id: Mapped[str | None] = mapped_column(String(36))
    event_id: Mapped[str | None] = mapped_column(String(36))
    detail: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    closed_by: Mapped[str | None] = mapped_column(String(128))
    resolution: Mapped[str | None] = mapped_column(String(32))  # what closed it: picked, acknowledged, ...
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index(None, "kind", "closed_at"),)


class Resolution(Base):
    """A supervisor's resolution of an exception, kept so that it can be undone inside its window.

    Its id is also the `scan_id` of the outbox events it queued (and of its scan log row, for a match).
    """

    __tablename__ = "resolutions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(64), index=True)  # unknown:<uuid>, review:<n>, scan:<id>, ...
    action: Mapped[str] = mapped_column(String(32))  # matched, returned_to_sender, ..., retried, dismissed, corrected
    actor: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    undo_until: Mapped[datetime] = mapped_column(UTCDateTime)
    registration_id: Mapped[str | None] = mapped_column(FEED_ID)
    event_id: Mapped[str | None] = mapped_column(String(36))  # a retried event
    note: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[str | None] = mapped_column(Text)  # JSON: what an undo puts back (a corrected scan's receipt)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by: Mapped[str | None] = mapped_column(String(128))


class Photo(Base):
    """A photo kept with a parcel: the image file under the data directory's `photos/`, named here."""

    __tablename__ = "photos"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    parcel_ref: Mapped[str] = mapped_column(String(80), index=True)  # registration:<id>, unknown:<uuid>, scan:<id>
    file_name: Mapped[str] = mapped_column(String(128))  # relative to the photos directory
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)
    taken_by: Mapped[str] = mapped_column(String(128))
    source: Mapped[str] = mapped_column(String(16))  # file, camera
    note: Mapped[str] = mapped_column(Text, default="")


class OutboxEvent(Base):
    """An event for the central server; `seq` is commit order, `id` is fixed at commit (idempotency)."""

    __tablename__ = "outbox"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)  # the event JSON exactly as it will be sent
    scan_id: Mapped[str | None] = mapped_column(String(36), index=True)
    state: Mapped[str] = mapped_column(String(16))
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index(None, "state", "seq"),)


class SyncState(Base):
    """Small key/value facts of the sync loop: last pull and push times."""

    __tablename__ = "sync_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Operator(Base):
    """A person who logs in at the station; PINs are stored as salted scrypt hashes only."""

    __tablename__ = "operators"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(256), default="")
    role: Mapped[str] = mapped_column(String(16), default="clerk")  # clerk | supervisor | admin
    pin_hash: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Guessing a PIN (access.login): the wrong PINs in a row, when the next attempt is looked at, the lock-out.
    failed_pins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    retry_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The SHA-256 of the log-in badge's secret (domain.badge); NULL: no badge, or it was revoked.
    badge_digest: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    badge_issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditLog(Base):
    """The append-only audit trail: who did which privileged act, to what, when; triggers refuse UPDATE and DELETE."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    station: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    target: Mapped[str] = mapped_column(String(256), default="")
    before: Mapped[str | None] = mapped_column(Text)  # JSON
    after: Mapped[str | None] = mapped_column(Text)  # JSON
    detail: Mapped[str] = mapped_column(Text, default="")
