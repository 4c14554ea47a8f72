"""Receipts apart from the feed: a `receipts` table; on SQLite the feed moves to its own file.

A scan used to write its receipt into the feed's `registrations` row, so scans and feed pages wrote
the same rows and, on SQLite, waited for the same lock. Now a scan writes only the station's tables.
SQLite: the registrations, their keys and the cursor were copied into the feed file before this
revision runs (store.engine), and are dropped here. PostgreSQL: the tables stay; the received_*
columns go, and the cursor moves to `feed_state`.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RECEIVED = ("received_at", "received_by", "received_station", "received_scan_id")


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    op.create_table(
        "receipts",
        sa.Column("registration_id", sa.String(length=64), nullable=False),
        sa.Column("scan_id", sa.String(length=36), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_by", sa.String(length=128), nullable=False),
        sa.Column("received_station", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("registration_id", name=op.f("pk_receipts")),
        sa.UniqueConstraint("scan_id", name=op.f("uq_receipts_scan_id")),
    )
    source = "main.registrations" if _sqlite() else "registrations"
    op.execute(
        "INSERT INTO receipts (registration_id, scan_id, received_at, received_by, received_station) "
        "SELECT id, received_scan_id, received_at, coalesce(received_by, ''), coalesce(received_station, '') "
        f"FROM {source} WHERE received_scan_id IS NOT NULL AND received_at IS NOT NULL AND status = 'at_warehouse'"
    )
    if _sqlite():
        op.drop_index(op.f("ix_registration_keys_registration_id"), table_name="registration_keys", schema="main")
        op.drop_table("registration_keys", schema="main")
        op.drop_index(op.f("ix_registrations_customer_id_order_number"), table_name="registrations", schema="main")
        op.drop_table("registrations", schema="main")
        op.execute("DELETE FROM sync_state WHERE key = 'feed_cursor'")
        return
    with op.batch_alter_table("registrations") as batch:
        for name in _RECEIVED:
            batch.drop_column(name)
    op.create_table(
        "feed_state",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_feed_state")),
    )
    op.execute("INSERT INTO feed_state (key, value) SELECT key, value FROM sync_state WHERE key = 'feed_cursor'")
    op.execute("DELETE FROM sync_state WHERE key = 'feed_cursor'")


def downgrade() -> None:
    if _sqlite():
        # The feed file stays as it is; revision 0001 reads the feed from the beginning into fresh tables.
        # Receipts are kept as far as 0001 can hold them: nowhere without a feed row, so they are lost.
        op.create_table(
            "registrations",
            sa.Column("id", sa.String(length=64), nullable=False),
            sa.Column("tracking_typed", sa.Text(), nullable=False),
            sa.Column("tracking_number", sa.String(length=64), nullable=True),
            sa.Column("order_number", sa.String(length=128), nullable=False),
            sa.Column("store", sa.String(length=128), nullable=False),
            sa.Column("customer_id", sa.String(length=64), nullable=False),
            sa.Column("customer_suite", sa.String(length=64), nullable=False),
            sa.Column("customer_name", sa.String(length=256), nullable=False),
            sa.Column("services", sa.Text(), nullable=False),
            sa.Column("status", sa.String(length=32), nullable=False),
            sa.Column("deleted", sa.Boolean(), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            *(
                sa.Column(name, sa.DateTime(timezone=True) if name == "received_at" else sa.String(128), nullable=True)
                for name in _RECEIVED
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_registrations")),
            schema="main",
        )
        op.create_index(
            op.f("ix_registrations_customer_id_order_number"),
            "registrations",
            ["customer_id", "order_number"],
            unique=False,
            schema="main",
        )
        op.create_table(
            "registration_keys",
            sa.Column("key", sa.String(length=64), nullable=False),
            sa.Column("registration_id", sa.String(length=64), nullable=False),
            sa.ForeignKeyConstraint(
                ["registration_id"],
                ["registrations.id"],
                name=op.f("fk_registration_keys_registration_id_registrations"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("key", "registration_id", name=op.f("pk_registration_keys")),
            schema="main",
        )
        op.create_index(
            op.f("ix_registration_keys_registration_id"),
            "registration_keys",
            ["registration_id"],
            unique=False,
            schema="main",
        )
        op.drop_table("receipts")
        return
    op.execute("INSERT INTO sync_state (key, value) SELECT key, value FROM feed_state WHERE key = 'feed_cursor'")
    op.drop_table("feed_state")
    with op.batch_alter_table("registrations") as batch:
        batch.add_column(sa.Column("received_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("received_by", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("received_station", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("received_scan_id", sa.String(length=36), nullable=True))
    op.execute(
        "UPDATE registrations SET status = 'at_warehouse', received_at = r.received_at, "
        "received_by = r.received_by, received_station = r.received_station, received_scan_id = r.scan_id "
        "FROM receipts r WHERE r.registration_id = registrations.id"
    )
    op.drop_table("receipts")
