"""A busy server's Retry-After: never faster than the normal back-off, never longer than backoff_max_s."""

from __future__ import annotations

import itertools
import random
import threading

import pytest

from scanstation.devserver import DevServer
from scanstation.domain import SyncStatus
from scanstation.store.connection import Store
from scanstation.sync.client import _retry_after
from scanstation.sync.loop import JITTER_LOW, Backoff, SyncLoop

from .conftest import MakeConfig
from .faultproxy import FaultProxy

PARCELS = "/api/station/v1/parcels"
BACKOFF_INITIAL_S = 0.4
BACKOFF_MAX_S = 1.0


@pytest.fixture
def engine(sqlite_engine: Store) -> Store:
    """The back-off does not depend on the database: one backend is enough here."""
    return sqlite_engine


@pytest.mark.parametrize("retry_after", [None, 0.0, 0.001, -3.0, float("nan"), float("inf"), float("-inf")])
def test_a_retry_after_never_shortens_the_back_off(retry_after: float | None) -> None:
    backoff = Backoff(1.0, 8.0, random.Random(7))
    plain = Backoff(1.0, 8.0, random.Random(7))
    for _ in range(6):
        assert backoff.failure(retry_after) >= plain.failure()


def test_a_retry_after_lengthens_the_back_off_up_to_backoff_max() -> None:
    backoff = Backoff(1.0, 8.0, random.Random(7))
    assert backoff.failure(5.0) == 5.0
    assert backoff.failure(30.0) == 8.0
    assert backoff.failure(86400.0 * 365) == 8.0


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("3", 3.0),
        (" 1.5 ", 1.5),
        ("0", 0.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # a date in the past: now (the back-off floors it)
        ("-1", None),
        ("nan", None),
        ("inf", None),
        ("1e400", None),
        ("9" * 400, None),
        ("soon", None),
        ("Mon, 99 Foo 2015 07:28:00 GMT", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_forms(header: str | None, seconds: float | None) -> None:
    assert _retry_after(header) == seconds


def _gaps_between_pulls(engine: Store, proxy: FaultProxy, make_config: MakeConfig, *, first: int) -> list[float]:
    """Run the loop until a pull gets through the busy answers; the seconds between its first requests."""
    pulled = threading.Event()

    def on_status(status: SyncStatus) -> None:
        if status.last_pull_at is not None:
            pulled.set()

    config = make_config(
        proxy.url + "/api/station/v1", backoff_initial_s=BACKOFF_INITIAL_S, backoff_max_s=BACKOFF_MAX_S
    )
    loop = SyncLoop(config, engine, on_status=on_status)
    loop.start()
    try:
        assert pulled.wait(30), "the pull did not complete after the server stopped being busy"
    finally:
        assert loop.stop(5)
    times = [at for at, _what in proxy.requests_to(PARCELS)]
    return [later - earlier for earlier, later in itertools.pairwise(times[:first])]


@pytest.mark.parametrize("header", ["0", "-1", "nan", "1e999", "Wed, 21 Oct 2015 07:28:00 GMT"])
def test_a_busy_server_saying_come_back_now_gets_no_faster_retries(
    header: str, engine: Store, devserver: DevServer, proxy: FaultProxy, make_config: MakeConfig
) -> None:
    proxy.add(PARCELS, "answer", count=3, status=503, headers={"Retry-After": header})
    gaps = _gaps_between_pulls(engine, proxy, make_config, first=4)
    assert len(gaps) == 3
    assert min(gaps) >= BACKOFF_INITIAL_S * JITTER_LOW * 0.95, gaps


def test_a_busy_server_asking_for_a_day_is_asked_again_within_backoff_max(
    engine: Store, devserver: DevServer, proxy: FaultProxy, make_config: MakeConfig
) -> None:
    proxy.add(PARCELS, "answer", status=503, headers={"Retry-After": "86400"})
    proxy.add(PARCELS, "answer", status=429, headers={"Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT"})
    gaps = _gaps_between_pulls(engine, proxy, make_config, first=3)
    assert all(BACKOFF_MAX_S * 0.95 <= gap <= BACKOFF_MAX_S + 1.0 for gap in gaps), gaps
