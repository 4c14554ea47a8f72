"""Receiving fixtures: a Receiver on a fresh database and a way to register parcels as the feed would."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from scanstation.receiving import Receiver
from scanstation.store.connection import Store
from scanstation.store.registrations import RegistrationRecord
from tests.dbfixtures import registrar

Register = Callable[..., RegistrationRecord]


@pytest.fixture
def make_receiver(engine: Store) -> Iterator[Callable[..., Receiver]]:
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
def register(engine: Store) -> Register:
    return registrar(engine)
