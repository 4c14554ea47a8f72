"""Sync fixtures: a DevServer on loopback, a fault proxy in front of it, configs and a receiving thread."""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from scanstation.config import Config, parse_config
from scanstation.devserver import DevServer
from scanstation.domain import Scan
from scanstation.logs import redactor
from scanstation.receiving import Receiver
from scanstation.store.connection import Store
from scanstation.store.models import OutboxEvent, Receipt, Registration
from tests.sync.faultproxy import FaultProxy

TOKEN = "s3cret-station-token-41f9"
STATION = "nj-test-1"
FEED_SIZE = 120
MakeConfig = Callable[..., Config]


@pytest.fixture
def devserver(tmp_path: Path) -> Iterator[DevServer]:
    server = DevServer(tmp_path / "central.db", token=TOKEN)
    server.start()
    for n in range(1, FEED_SIZE + 1):
        # Typing habits of real customers: lower case, spaces, a dash.
        typed = (f"TBA{n:012d}", f"tba {n:012d}", f"TBA-{n:06d}-{n:06d}".replace("-", "", 1))[n % 3]
        server.add_registration(
            typed, order_number=f"113-{n // 2:07d}", suite=f"UN-{1000 + n % 40}", services=["photo"]
        )
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def proxy(devserver: DevServer) -> Iterator[FaultProxy]:
    fault_proxy = FaultProxy(devserver.root_url).start()
    try:
        yield fault_proxy
    finally:
        fault_proxy.stop()


@pytest.fixture
def make_config(engine: Store) -> MakeConfig:
    """A validated Config pointing at `url`, on the test's database, fast timings for tests."""
    db_url = engine.url.render_as_string(hide_password=False)

    def _make(url: str | None, **server: Any) -> Config:
        section: dict[str, Any] = {
            "token": TOKEN,
            "page_limit": 40,
            "connect_timeout_s": 2.0,
            "read_timeout_s": 2.0,
            "backoff_initial_s": 0.05,
            "backoff_max_s": 0.2,
            "pull_interval_s": 1,
            "push_interval_s": 0.1,
        }
        if url is not None:
            section["url"] = url
        section.update(server)
        data = {
            "station": {"id": STATION, "operator": "anna"},
            "database": {"url": db_url},
            "server": section,
            "receiving": {"undo_window_s": 0},
            "logging": {"file": False},
        }
        return parse_config(data, "test")

    return _make


def live_numbers(engine: Store, limit: int = 1000) -> list[tuple[str, str]]:
    """(id, tracking_number) of awaiting live registrations the station knows, for scans."""
    query = (
        select(Registration.id, Registration.tracking_number)
        .outerjoin(Receipt, Receipt.registration_id == Registration.id)
        .where(Registration.deleted.is_(False), Registration.status == "awaiting", Receipt.registration_id.is_(None))
        .where(Registration.tracking_number.is_not(None))
        .order_by(Registration.id)
        .limit(limit)
    )
    with engine.connect() as conn:
        return [(rid, number) for rid, number in conn.execute(query) if number is not None]


def outbox_rows(engine: Store) -> list[tuple[str, str, str]]:
    with engine.connect() as conn:
        return [(r.id, r.type, r.state) for r in conn.execute(select(OutboxEvent).order_by(OutboxEvent.seq))]


class ScanningThread:
    """A clerk scanning all along: receives the given numbers, one by one, on its own thread."""

    def __init__(self, receiver: Receiver, raws: list[str]) -> None:
        self._receiver = receiver
        self._raws = raws
        self.verdicts: list[Any] = []
        self.errors: list[BaseException] = []
        self.done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="clerk", daemon=True)

    def start(self) -> ScanningThread:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            for raw in self._raws:
                self.verdicts.append(self._receiver.receive(Scan(raw=raw, scanner="test"), "anna"))
        except BaseException as err:
            self.errors.append(err)
        finally:
            self.done.set()

    def join(self, timeout: float = 60) -> None:
        assert self.done.wait(timeout), "the clerk's scans did not finish"
        assert not self.errors, self.errors


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    """Every log record at DEBUG, with tracebacks, through the station's redacting filter (as setup_logging sets it)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setLevel(logging.DEBUG)
    handler.addFilter(redactor())
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
