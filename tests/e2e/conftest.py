"""Fixtures of the end-to-end tests: the central-server simulator and a pseudo-terminal for a serial scanner."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanstation.devserver import DevServer
from tests.e2e.station import TOKEN


@pytest.fixture
def devserver(tmp_path: Path) -> Iterator[DevServer]:
    server = DevServer(tmp_path / "central.db", token=TOKEN)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def pty_port() -> Iterator[tuple[int, str]]:
    master, slave = os.openpty()
    yield master, os.ttyname(slave)
    os.close(master)
    os.close(slave)
