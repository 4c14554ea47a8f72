"""The client: plain http refused off loopback, the token never in an error, a log line or a repr."""

from __future__ import annotations

import io

import pytest

from scanstation.config import ServerConfig
from scanstation.devserver import DevServer
from scanstation.sync.client import (
    BadRequestError,
    CentralClient,
    ServerBusyError,
    ServerFailedError,
    TokenRejectedError,
    UnreachableError,
)
from scanstation.sync.loop import TOKEN_REJECTED, SyncLoop

from .conftest import STATION, TOKEN, MakeConfig
from .faultproxy import FaultProxy

EVENTS = "/api/station/v1/events"
PARCELS = "/api/station/v1/parcels"


def test_plain_http_to_another_host_is_refused_even_if_the_config_let_it_through() -> None:
    server = ServerConfig(url="http://central.example.invalid/api", token=TOKEN)
    with pytest.raises(ValueError, match="plain http"):
        CentralClient(server, TOKEN, STATION)
    CentralClient(ServerConfig(url="http://central.example.invalid/api", allow_insecure_http=True), TOKEN, STATION)
    CentralClient(ServerConfig(url="http://127.0.0.1:9/api"), TOKEN, STATION)
    CentralClient(ServerConfig(url="https://central.example.invalid/api"), TOKEN, STATION)


def test_the_token_is_not_in_repr() -> None:
    server = ServerConfig(url="https://central.example.invalid/api", token=TOKEN)
    client = CentralClient(server, TOKEN, STATION)
    assert TOKEN not in repr(client)
    assert TOKEN not in repr(server)
    assert TOKEN not in repr(client._auth)


def test_a_token_a_header_cannot_carry_is_refused_without_showing_it() -> None:
    token = "abc\ndef-0123456789"
    with pytest.raises(ValueError) as info:
        CentralClient(ServerConfig(url="https://central.example.invalid/api"), token, STATION)
    assert "line break" in str(info.value)
    assert "def-0123456789" not in str(info.value)


def test_a_server_that_echoes_the_token_does_not_get_it_into_errors_status_or_logs(
    devserver: DevServer, proxy: FaultProxy, make_config: MakeConfig, captured_logs: io.StringIO, engine: object
) -> None:
    proxy.add(PARCELS, "echo", status=500)
    proxy.add(PARCELS, "echo", status=400)
    client = CentralClient(make_config(proxy.url + "/api/station/v1").server, TOKEN, STATION)
    with pytest.raises(ServerFailedError) as info:
        client.parcels(None, 10)
    assert TOKEN not in str(info.value)
    assert "bad request from Bearer" in str(info.value)  # the body is shown, the token is not
    loop = SyncLoop(make_config(proxy.url + "/api/station/v1"), engine)  # type: ignore[arg-type]
    report = loop.run_once()
    assert report.errors
    assert all(TOKEN not in e for e in report.errors)
    assert loop.status.last_error is not None
    assert TOKEN not in loop.status.last_error
    logged = captured_logs.getvalue()
    assert "bad request from Bearer" in logged
    assert TOKEN not in logged


def test_wrong_token_is_token_rejected(devserver: DevServer, make_config: MakeConfig) -> None:
    client = CentralClient(make_config(devserver.url).server, "not-the-token", STATION)
    with pytest.raises(TokenRejectedError):
        client.parcels(None, 10)
    assert client.health().health.status == "ok"  # /health needs no token


def test_503_carries_retry_after_and_a_dead_port_is_unreachable(devserver: DevServer, make_config: MakeConfig) -> None:
    client = CentralClient(make_config(devserver.url).server, TOKEN, STATION)
    devserver.set_unavailable(7)
    with pytest.raises(ServerBusyError) as info:
        client.parcels(None, 10)
    assert info.value.retry_after == 7
    devserver.set_unavailable(None)
    url = devserver.url
    devserver.stop()
    with pytest.raises(UnreachableError):
        CentralClient(make_config(url).server, TOKEN, STATION).health()


def test_clock_offset_is_measured(devserver: DevServer, make_config: MakeConfig, engine: object) -> None:
    loop = SyncLoop(make_config(devserver.url), engine)  # type: ignore[arg-type]
    loop.run_once()
    assert loop.status.clock_offset_s is not None
    assert abs(loop.status.clock_offset_s) < 2  # the simulator runs on this machine's clock
    assert loop.status.state != TOKEN_REJECTED


def test_a_three_character_token_echoed_by_the_server_is_not_in_errors_or_logs(
    devserver: DevServer, proxy: FaultProxy, make_config: MakeConfig, captured_logs: io.StringIO, engine: object
) -> None:
    short = "q7z"
    proxy.add(PARCELS, "echo", status=400)
    proxy.add(PARCELS, "echo", status=500)
    config = make_config(proxy.url + "/api/station/v1", token=short)
    with pytest.raises(BadRequestError) as info:
        CentralClient(config.server, short, STATION).parcels(None, 10)
    assert str(info.value).endswith("bad request from Bearer ***")
    report = SyncLoop(config, engine).run_once()  # type: ignore[arg-type]
    assert any("bad request from Bearer ***" in error for error in report.errors), report.errors
    logged = captured_logs.getvalue()
    assert "bad request from Bearer ***" in logged
    assert short not in logged


def test_a_token_with_a_space_inside_is_refused() -> None:
    with pytest.raises(ValueError, match="a space"):
        CentralClient(ServerConfig(url="https://central.example.invalid/api"), "abc def-0123", STATION)
