"""Feed strings of any length: the feed's columns, and the station's columns holding a registration id, become text.

The contract limits none of these strings; a customer name of 300 characters in varchar(256) stopped the
whole feed on PostgreSQL. varchar to text needs no table rewrite there. SQLite enforces no declared
length, so its files are left as they are (the feed file is made by store.engine, not Alembic).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, length before, nullable)
_WIDENED: tuple[tuple[str, str, int, bool], ...] = (
    ("registrations", "id", 64, False),
    ("registrations", "tracking_number", 64, True),
    ("registrations", "order_number", 128, False),
    ("registrations", "store", 128, False),
    ("registrations", "customer_id", 64, False),
    ("registrations", "customer_suite", 64, False),
    ("registrations", "customer_name", 256, False),
    ("registrations", "status", 32, False),
    ("registration_keys", "key", 64, False),
    ("registration_keys", "registration_id", 64, False),
    ("receipts", "registration_id", 64, False),
    ("scan_log", "registration_id", 64, True),
    ("unknown_parcels", "resolved_registration_id", 64, True),
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for table, column, length, nullable in _WIDENED:
        op.alter_column(table, column, type_=sa.Text(), existing_type=sa.String(length), existing_nullable=nullable)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    # Longer values are cut to the old limits (the feed is the server's copy: a pull brings them back).
    for table, column, length, nullable in reversed(_WIDENED):
        op.alter_column(
            table,
            column,
            type_=sa.String(length),
            existing_type=sa.Text(),
            existing_nullable=nullable,
            postgresql_using=f"left({column}, {length})",
        )
