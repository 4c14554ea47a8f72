"""Answers that would hurt the station: compression bombs and JSON nested past any depth, on every endpoint."""

from __future__ import annotations

import io
import re
import uuid
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from scanstation.devserver import DevServer
from scanstation.domain import Scan
from scanstation.receiving import Receiver
from scanstation.store.connection import Store
from scanstation.sync.client import AnswerTooLargeError, CentralClient, ContractError, ServerBusyError
from scanstation.sync.loop import SyncLoop

from .conftest import STATION, TOKEN, MakeConfig
from .faultproxy import FaultProxy

BASE = "/api/station/v1"
HEALTH = f"{BASE}/health"
PARCELS = f"{BASE}/parcels"
EVENTS = f"{BASE}/events"
INFLATED = 200 * 1024 * 1024
# Peak memory a capped read may add: the caps here are well under a MiB; the rest is the allocator's slack.
RSS_GROWTH_ALLOWED_KIB = 24 * 1024


def _bomb(wbits: int) -> bytes:
    """INFLATED zero bytes, compressed (wbits 31: gzip, 15: zlib "deflate"), made without holding them."""
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    block = bytes(1024 * 1024)
    parts = [packer.compress(block) for _ in range(INFLATED // len(block))]
    parts.append(packer.flush())
    return b"".join(parts)


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    return {"gzip": _bomb(31), "deflate": _bomb(15)}


@pytest.fixture
def engine(sqlite_engine: Store) -> Store:
    """What an answer does to the station's memory does not depend on the database: one backend here."""
    return sqlite_engine


@pytest.fixture
def client(devserver: DevServer, proxy: FaultProxy, make_config: MakeConfig) -> Iterator[CentralClient]:
    central = CentralClient(make_config(proxy.url + BASE).server, TOKEN, STATION)
    try:
        yield central
    finally:
        central.close()


def _status_kib(field: str) -> int:
    match = re.search(rf"^{field}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.MULTILINE)
    assert match, field
    return int(match.group(1))


def _peak_growth_kib(action: Callable[[], object]) -> int:
    """How far the process's peak resident memory rose above its current size while `action` ran."""
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets the peak (VmHWM) to the current size
    except OSError as err:
        pytest.skip(f"cannot reset the peak memory figure here: {err}")
    before = _status_kib("VmRSS")
    action()
    return _status_kib("VmHWM") - before


def _call(client: CentralClient, endpoint: str) -> object:
    if endpoint == HEALTH:
        return client.health()
    if endpoint == PARCELS:
        return client.parcels(None, 40)
    event_id = str(uuid.uuid4())
    return client.post_events([f'{{"id":"{event_id}","type":"parcel.status_changed"}}'], [event_id])


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
@pytest.mark.parametrize("endpoint", [HEALTH, PARCELS, EVENTS])
def test_a_compression_bomb_is_set_aside_in_words_without_the_memory(
    endpoint: str, encoding: str, bombs: dict[str, bytes], client: CentralClient, proxy: FaultProxy
) -> None:
    bomb = bombs[encoding]
    assert len(bomb) < 256 * 1024  # a small answer on the wire
    proxy.add(endpoint, "answer", status=200, headers={"Content-Encoding": encoding}, body=bomb)
    errors: list[ContractError] = []

    def ask() -> None:
        with pytest.raises(AnswerTooLargeError) as info:
            _call(client, endpoint)
        errors.append(info.value)

    growth = _peak_growth_kib(ask)
    assert growth < RSS_GROWTH_ALLOWED_KIB, f"peak memory rose by {growth} KiB"
    message = str(errors[0])
    assert "larger than" in message and f"once inflated ({encoding})" in message, message
    assert isinstance(errors[0], ContractError)  # set aside like any answer that breaks the contract
    assert proxy.pending(endpoint) == 0
    _call(client, HEALTH)  # the connection it came on was dropped; the next request works


def test_an_error_answer_that_is_a_bomb_is_only_quoted(
    bombs: dict[str, bytes], client: CentralClient, proxy: FaultProxy
) -> None:
    proxy.add(
        PARCELS, "answer", status=503, headers={"Content-Encoding": "gzip", "Retry-After": "5"}, body=bombs["gzip"]
    )
    errors: list[ServerBusyError] = []

    def ask() -> None:
        with pytest.raises(ServerBusyError) as info:
            client.parcels(None, 40)
        errors.append(info.value)

    growth = _peak_growth_kib(ask)
    assert growth < RSS_GROWTH_ALLOWED_KIB, f"peak memory rose by {growth} KiB"
    assert errors[0].retry_after == 5


def test_a_plain_answer_past_its_cap_is_set_aside_and_one_under_it_is_read(
    client: CentralClient, proxy: FaultProxy
) -> None:
    padded = b'{"status": "ok", "server_time": "2026-11-26T14:03:07Z"' + b" " * 70_000 + b"}"
    proxy.add(HEALTH, "answer", status=200, body=padded)
    with pytest.raises(AnswerTooLargeError, match=r"larger than the 64 KiB the station reads"):
        client.health()
    proxy.add(HEALTH, "answer", status=200, body=padded.replace(b" " * 70_000, b" " * 60_000))
    assert client.health().health.status == "ok"


def test_the_loop_sets_a_bomb_aside_and_pulls_the_page_again(
    bombs: dict[str, bytes],
    engine: Store,
    devserver: DevServer,
    proxy: FaultProxy,
    make_config: MakeConfig,
    captured_logs: io.StringIO,
) -> None:
    proxy.add(PARCELS, "answer", status=200, headers={"Content-Encoding": "gzip"}, body=bombs["gzip"])
    loop = SyncLoop(make_config(proxy.url + BASE), engine)
    first = loop.run_once()
    assert first.pull is None
    assert any("larger than" in error for error in first.errors), first.errors
    assert loop.status.contract_errors == 1
    second = loop.run_once()
    assert second.pull is not None and second.pull.completed
    assert "Traceback" not in captured_logs.getvalue()


DEEP = b"[" * 50_000  # past any recursion limit, under the smallest cap (64 KiB for /health)
NESTED_ANSWERS = {
    HEALTH: b'{"status": "ok", "server_time": "2026-11-26T14:03:07Z", "extra": ' + DEEP,
    PARCELS: b'{"items": [{"id": "p_1", "extra": ' + DEEP,
    EVENTS: b'{"results": [{"id": "x", "status": "accepted", "extra": ' + DEEP,
}


@pytest.mark.parametrize("endpoint", list(NESTED_ANSWERS))
def test_json_nested_past_any_depth_is_a_contract_error_in_words(
    endpoint: str, client: CentralClient, proxy: FaultProxy
) -> None:
    proxy.add(endpoint, "answer", status=200, body=NESTED_ANSWERS[endpoint])
    with pytest.raises(ContractError, match="nested too deeply") as info:
        _call(client, endpoint)
    assert info.value.__cause__ is None and info.value.__suppress_context__


# The puller reads a page's head (cursor, has_more) with its own decoder before the contract check.


@pytest.mark.parametrize("endpoint", [HEALTH, PARCELS, EVENTS])
def test_the_loop_sets_a_deeply_nested_answer_aside_without_a_traceback(
    endpoint: str,
    engine: Store,
    devserver: DevServer,
    proxy: FaultProxy,
    make_config: MakeConfig,
    captured_logs: io.StringIO,
) -> None:
    if endpoint == EVENTS:
        devserver.add_registration("TBA000000000999")
        loop = SyncLoop(make_config(proxy.url + BASE), engine)
        loop.run_once()
        Receiver(engine, station_id=STATION, undo_window_s=0).receive(Scan(raw="TBA000000000999", scanner="t"), "anna")
    else:
        loop = SyncLoop(make_config(proxy.url + BASE), engine)
    proxy.add(endpoint, "answer", status=200, body=NESTED_ANSWERS[endpoint])
    report = loop.run_once()
    assert any("nested too deeply" in error for error in report.errors), report.errors
    assert loop.status.contract_errors == 1
    logged = captured_logs.getvalue()
    assert "answer set aside, it breaks the contract" in logged
    assert "Traceback" not in logged and "RecursionError" not in logged
