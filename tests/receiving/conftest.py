"""Receiving fixtures: a Receiver on a fresh database and a way to register parcels as the feed would."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine

from scanstation.receiving import Receiver
from scanstation.store.registrations import RegistrationRecord, upsert_registrations

Register = Callable[..., RegistrationRecord]


@pytest.fixture
def receiver(engine: Engine) -> Receiver:
    return Receiver(engine, station_id="st-test", undo_window_s=10)


@pytest.fixture
def register(engine: Engine) -> Register:
    counter = iter(range(1, 1_000_000))

    def _register(tracking: str, **fields: object) -> RegistrationRecord:
        values: dict[str, object] = {
            "id": f"p_{next(counter)}",
            "updated_at": datetime(2026, 11, 26, 14, 3, 7, tzinfo=UTC),
            "tracking_typed": tracking,
            "order_number": "113-4567890-1234567",
            "store": "amazon.com",
            "customer_id": "c_77",
            "customer_suite": "UN-1234",
            "customer_name": "Иван Петров",
            "services": ("photo",),
        }
        values.update(fields)
        record = RegistrationRecord(**values)  # type: ignore[arg-type]
        with engine.begin() as conn:
            upsert_registrations(conn, [record])
        return record

    return _register
