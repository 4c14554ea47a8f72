"""Receiving fixtures: a Receiver on a fresh database and a way to register parcels as the feed would."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from scanstation.receiving import Receiver
from scanstation.store.registrations import RegistrationRecord, upsert_registrations

Register = Callable[..., RegistrationRecord]


@pytest.fixture
def make_receiver(engine: Engine) -> Iterator[Callable[..., Receiver]]:
    made: list[Receiver] = []

    def _make(**options: Any) -> Receiver:
        receiver = Receiver(engine, **{"station_id": "st-test", "undo_window_s": 10, **options})
        made.append(receiver)
        return receiver

    yield _make
    for receiver in made:
        receiver.close()


@pytest.fixture
def receiver(make_receiver: Callable[..., Receiver]) -> Receiver:
    return make_receiver()


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
