"""Alembic environment: runs on the connection upgrade() hands over; no alembic.ini needed."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlalchemy.engine import Connection

from scanstation.store.models import Base, UTCDateTime

config = context.config


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    # Migrations are frozen history: write the column type itself, not a reference to models.py.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things: batch mode re-creates the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported; run `scanstation db upgrade`")

_connection = config.attributes.get("connection")
if _connection is None:
    # Developer use (`alembic -c scanstation/store/alembic.ini revision --autogenerate`): a URL in the ini.
    from scanstation.store.connection import create_store

    _store = create_store(config.get_main_option("sqlalchemy.url") or "")
    with _store.begin() as _conn:
        _run(_conn)
    _store.close()
else:
    _run(_connection)
