"""Photos: each image kept with a parcel (its file under the data directory); the report's unknown-parcel indexes."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "photos",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("parcel_ref", sa.String(length=80), nullable=False),
        sa.Column("file_name", sa.String(length=128), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("taken_by", sa.String(length=128), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photos")),
    )
    op.create_index(op.f("ix_photos_parcel_ref"), "photos", ["parcel_ref"])
    # The shift report reads the unknown parcels opened or resolved in its range: two ranges, one index each.
    op.create_index(op.f("ix_unknown_parcels_first_seen_at"), "unknown_parcels", ["first_seen_at"])
    op.create_index(op.f("ix_unknown_parcels_resolved_at"), "unknown_parcels", ["resolved_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_unknown_parcels_resolved_at"), table_name="unknown_parcels")
    op.drop_index(op.f("ix_unknown_parcels_first_seen_at"), table_name="unknown_parcels")
    op.drop_index(op.f("ix_photos_parcel_ref"), table_name="photos")
    op.drop_table("photos")
