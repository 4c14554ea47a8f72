"""Review: each supervisor's resolution kept for its undo window, and what closed a review item."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "resolutions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undo_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("registration_id", sa.Text().with_variant(sa.String(length=64), "sqlite"), nullable=True),
        sa.Column("event_id", sa.String(length=36), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resolutions")),
    )
    op.create_index(op.f("ix_resolutions_item_id"), "resolutions", ["item_id"])
    with op.batch_alter_table("review_items") as batch:
        batch.add_column(sa.Column("resolution", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("note", sa.Text(), nullable=True))
    # The queue reads one kind's open items: kind first, then the open ones (closed_at NULL).
    op.create_index(op.f("ix_review_items_kind_closed_at"), "review_items", ["kind", "closed_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_review_items_kind_closed_at"), table_name="review_items")
    with op.batch_alter_table("review_items") as batch:
        batch.drop_column("note")
        batch.drop_column("resolution")
    op.drop_index(op.f("ix_resolutions_item_id"), table_name="resolutions")
    op.drop_table("resolutions")
