"""Review fixtures: a Receiver and its Resolutions on a fresh database, actors of each role."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from scanstation.domain import Actor, Role
from scanstation.receiving import Receiver
from scanstation.review.resolve import Resolutions
from scanstation.store.connection import Store
from tests.dbfixtures import registrar
from tests.receiving.conftest import Register

CLERK = Actor("anna", Role.CLERK)
SUPERVISOR = Actor("boris", Role.SUPERVISOR)


@pytest.fixture
def receiver(engine: Store) -> Iterator[Receiver]:
    made = Receiver(engine, station_id="st-test", undo_window_s=600)
    yield made
    made.close()


@pytest.fixture
def resolutions(engine: Store, receiver: Receiver) -> Resolutions:
    return Resolutions(engine, receiver)


@pytest.fixture
def register(engine: Store) -> Register:
    return registrar(engine)
