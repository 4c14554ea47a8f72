"""Initial schema: registrations and keys, scan log, unknown parcels, review items, outbox, sync state, operators."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "operators",
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("display_name", sa.String(length=256), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("pin_hash", sa.String(length=256), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_operators")),
    )
    op.create_table(
        "outbox",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("scan_id", sa.String(length=36), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_outbox")),
        sa.UniqueConstraint("id", name=op.f("uq_outbox_id")),
    )
    op.create_index(op.f("ix_outbox_scan_id"), "outbox", ["scan_id"], unique=False)
    op.create_index(op.f("ix_outbox_state_seq"), "outbox", ["state", "seq"], unique=False)
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
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_by", sa.String(length=128), nullable=True),
        sa.Column("received_station", sa.String(length=128), nullable=True),
        sa.Column("received_scan_id", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registrations")),
    )
    op.create_index(
        op.f("ix_registrations_customer_id_order_number"),
        "registrations",
        ["customer_id", "order_number"],
        unique=False,
    )
    op.create_table(
        "review_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("scan_id", sa.String(length=36), nullable=True),
        sa.Column("event_id", sa.String(length=36), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_items")),
    )
    op.create_index(op.f("ix_review_items_closed_at"), "review_items", ["closed_at"], unique=False)
    op.create_table(
        "scan_log",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("scanned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("keys", sa.Text(), nullable=False),
        sa.Column("tracking_number", sa.String(length=64), nullable=True),
        sa.Column("carrier", sa.String(length=64), nullable=True),
        sa.Column("symbology", sa.String(length=8), nullable=True),
        sa.Column("scanner", sa.String(length=64), nullable=False),
        sa.Column("station_id", sa.String(length=128), nullable=False),
        sa.Column("operator", sa.String(length=128), nullable=False),
        sa.Column("typed", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("registration_id", sa.String(length=64), nullable=True),
        sa.Column("unknown_id", sa.String(length=36), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scan_log")),
    )
    op.create_index(op.f("ix_scan_log_registration_id"), "scan_log", ["registration_id"], unique=False)
    op.create_index(op.f("ix_scan_log_scanned_at"), "scan_log", ["scanned_at"], unique=False)
    op.create_table(
        "sync_state",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sync_state")),
    )
    op.create_table(
        "unknown_parcels",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tracking_number", sa.String(length=64), nullable=True),
        sa.Column("carrier", sa.String(length=64), nullable=True),
        sa.Column("raw_scan", sa.Text(), nullable=False),
        sa.Column("keys", sa.Text(), nullable=False),
        sa.Column("first_scan_id", sa.String(length=36), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("station_id", sa.String(length=128), nullable=False),
        sa.Column("operator", sa.String(length=128), nullable=False),
        sa.Column("resolution", sa.String(length=32), nullable=True),
        sa.Column("resolved_registration_id", sa.String(length=64), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=128), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unknown_parcels")),
    )
    op.create_index(op.f("ix_unknown_parcels_resolution"), "unknown_parcels", ["resolution"], unique=False)
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
    )
    op.create_index(
        op.f("ix_registration_keys_registration_id"), "registration_keys", ["registration_id"], unique=False
    )
    op.create_table(
        "unknown_keys",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("unknown_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["unknown_id"],
            ["unknown_parcels.id"],
            name=op.f("fk_unknown_keys_unknown_id_unknown_parcels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key", "unknown_id", name=op.f("pk_unknown_keys")),
    )


def downgrade() -> None:
    op.drop_table("unknown_keys")
    op.drop_index(op.f("ix_registration_keys_registration_id"), table_name="registration_keys")
    op.drop_table("registration_keys")
    op.drop_index(op.f("ix_unknown_parcels_resolution"), table_name="unknown_parcels")
    op.drop_table("unknown_parcels")
    op.drop_table("sync_state")
    op.drop_index(op.f("ix_scan_log_scanned_at"), table_name="scan_log")
    op.drop_index(op.f("ix_scan_log_registration_id"), table_name="scan_log")
    op.drop_table("scan_log")
    op.drop_index(op.f("ix_review_items_closed_at"), table_name="review_items")
    op.drop_table("review_items")
    op.drop_index(op.f("ix_registrations_customer_id_order_number"), table_name="registrations")
    op.drop_table("registrations")
    op.drop_index(op.f("ix_outbox_state_seq"), table_name="outbox")
    op.drop_index(op.f("ix_outbox_scan_id"), table_name="outbox")
    op.drop_table("outbox")
    op.drop_table("operators")
