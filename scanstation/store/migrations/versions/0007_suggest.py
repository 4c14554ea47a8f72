"""Suggestions and searching: keys reversed (found by their tail), customer_terms, and (status, updated_at).

PostgreSQL only: on SQLite the feed lives in its own file, whose layout 2 (FEED_SCHEMA_VERSION) makes
these, the old file emptied and the feed pulled again.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 20_000


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    if _sqlite():
        return
    from scanstation.store.registrations import term_rows

    op.add_column("registration_keys", sa.Column("rkey", sa.Text(), nullable=False, server_default=""))
    op.execute("UPDATE registration_keys SET rkey = reverse(key)")
    op.alter_column("registration_keys", "rkey", server_default=None)
    op.create_index(op.f("ix_registration_keys_rkey"), "registration_keys", ["rkey"])
    op.create_index(op.f("ix_registrations_status_updated_at"), "registrations", ["status", "updated_at"])
    op.create_index(
        "ix_registrations_deleted_updated_at",
        "registrations",
        ["updated_at"],
        postgresql_where=sa.text("deleted IS true"),
    )
    op.create_table(
        "customer_terms",
        sa.Column("term", sa.Text(), nullable=False),
        sa.Column("customer_id", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("term", "customer_id", name=op.f("pk_customer_terms")),
    )
    # The terms as the station computes them (store.registrations.customer_terms), customer by customer.
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT customer_id, customer_name, customer_suite, order_number, store FROM registrations "
            "GROUP BY customer_id, customer_name, customer_suite, order_number, store"
        )
    )
    insert = sa.text(
        "INSERT INTO customer_terms (term, customer_id) VALUES (:term, :customer_id) ON CONFLICT DO NOTHING"
    )
    while batch := rows.fetchmany(_BATCH):
        terms = term_rows(tuple(row) for row in batch)
        if terms:
            bind.execute(insert, terms)


def downgrade() -> None:
    if _sqlite():
        return
    op.drop_table("customer_terms")
    op.drop_index("ix_registrations_deleted_updated_at", table_name="registrations")
    op.drop_index(op.f("ix_registrations_status_updated_at"), table_name="registrations")
    op.drop_index(op.f("ix_registration_keys_rkey"), table_name="registration_keys")
    op.drop_column("registration_keys", "rkey")
