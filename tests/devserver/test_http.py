"""The simulator's HTTP handling: garbage never gets a 500, framing errors, methods, paths, keep-alive, outage."""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanstation.devserver import DevServer
from tests.devserver.conftest import Api, event

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
batch_like = st.fixed_dictionaries(
    {
        "station_id": json_values,
        "events": st.lists(st.dictionaries(st.sampled_from(["id", "type", "parcel_id"]), json_values), max_size=3)
        | json_values,
    }
)
FUZZ = settings(max_examples=100, deadline=None, database=None, suppress_health_check=list(HealthCheck))


@pytest.mark.slow
@FUZZ
@given(body=st.binary(max_size=300))
def test_random_bytes_are_400_never_a_server_error(server: DevServer, api: Api, body: bytes) -> None:
    response = api.post("/events", data=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "malformed_body"


@pytest.mark.slow
@FUZZ
@given(body=json_values | batch_like)
def test_random_json_is_judged_never_a_server_error(server: DevServer, api: Api, body: Any) -> None:
    response = api.post("/events", json=body)
    assert response.status_code in (200, 400), response.text
    if response.status_code == 200:
        results = response.json()["results"]
        assert [r["id"] for r in results] == [e["id"] for e in body["events"]]
        assert all(r["status"] in ("rejected", "duplicate") for r in results)


@pytest.mark.slow
@FUZZ
@given(limit=st.text(max_size=8), cursor=st.text(max_size=30))
def test_random_query_strings_are_200_400_or_410(server: DevServer, api: Api, limit: str, cursor: str) -> None:
    response = api.get("/parcels", params={"limit": limit, "cursor": cursor})
    assert response.status_code in (200, 400, 410), response.text
    assert "error" in response.json() or "items" in response.json()


def test_a_chunked_body_is_read(server: DevServer, api: Api, parcel: dict[str, Any]) -> None:
    body = json.dumps(
        {"station_id": "s", "events": [event("notification.requested", "n-1", parcel_id=parcel["id"])]}
    ).encode()

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(body), 7):
            yield body[i : i + 7]

    response = api.post("/events", data=chunks())
    assert response.request.headers.get("Transfer-Encoding") == "chunked"
    assert response.status_code == 200
    assert response.json()["results"] == [{"id": "n-1", "status": "accepted"}]


def _raw(server: DevServer, request: bytes) -> bytes:
    """Send bytes on a fresh connection; everything the server answers until it closes (or 5 s pass)."""
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer


@pytest.mark.parametrize(
    "headers",
    [
        b"Content-Length: abc\r\n",
        b"Content-Length: 999999999999\r\n",
        b"Content-Length: 500\r\n",  # then only a few bytes arrive
        b"Transfer-Encoding: chunked\r\n",  # then no valid chunk size
    ],
)
def test_broken_framing_is_400_and_the_connection_closes(server: DevServer, headers: bytes) -> None:
    request = (
        b"POST /api/station/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
        + server.token.encode()
        + b"\r\n"
        + headers
        + b"\r\nzz{"
    )
    answer = _raw(server, request)
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:200]
    assert b"Connection: close" in answer
    assert b"malformed_body" in answer
    assert server.events() == []


def test_a_garbage_request_line_gets_an_http_error_not_a_crash(server: DevServer) -> None:
    answer = _raw(server, b"GET /\x00\xff garbage HTTP/1.1\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert b"Content-Type: application/json" in answer
    assert b'{"error":{"code":"bad_request","message":"Bad request syntax' in answer
    # Bytes that are not even a request line: the stdlib takes them for HTTP/0.9 and answers with a bare body.
    assert b'"code":"bad_request"' in _raw(server, b"\x00\xff\r\n\r\n")
    assert requests.get(server.url + "/health", timeout=5).status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/parcels", "GET, HEAD"),
        ("POST", "/parcels", "GET, HEAD"),
        ("DELETE", "/events", "POST"),
        ("GET", "/events", "POST"),
        ("TRACE", "/health", "GET, HEAD"),
        ("BREW", "/health", "GET, HEAD"),
    ],
)
def test_a_wrong_method_is_405_with_allow(server: DevServer, method: str, path: str, allow: str) -> None:
    response = requests.request(method, server.url + path, timeout=5)
    assert response.status_code == 405
    assert response.headers["Allow"] == allow
    assert response.json()["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize("path", ["/api/station/v1/nope", "/api/station/v2/parcels", "/favicon.ico", "/api/station/v1"])
def test_unknown_paths_are_404_json(server: DevServer, path: str) -> None:
    response = requests.get(server.root_url + path, timeout=5)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_head_answers_like_get_without_a_body(server: DevServer) -> None:
    response = requests.head(server.url + "/health", timeout=5)
    assert response.status_code == 200
    assert response.content == b""
    assert int(response.headers["Content-Length"]) > 0


def test_one_connection_carries_many_requests(server: DevServer, parcel: dict[str, Any]) -> None:
    conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
    try:
        conn.connect()
        local = conn.sock.getsockname()
        for _ in range(5):
            conn.request("GET", "/api/station/v1/parcels?limit=1", headers={"Authorization": f"Bearer {server.token}"})
            answer = conn.getresponse()
            assert answer.status == 200
            assert parcel["id"].encode() in answer.read()
            assert conn.sock.getsockname() == local
    finally:
        conn.close()


def test_an_outage_answers_503_with_retry_after_and_applies_nothing(
    server: DevServer, api: Api, parcel: dict[str, Any]
) -> None:
    server.set_unavailable(7)
    for response in (
        requests.get(server.url + "/health", timeout=5),
        api.get("/parcels"),
        api.post("/events", json={"station_id": "s", "events": [event("parcel.status_changed", "e-1")]}),
    ):
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "7"
        assert response.json()["error"]["code"] == "unavailable"
    assert server.events() == []
    server.set_unavailable(None)
    assert api.push(event("parcel.status_changed", "e-1"))[0]["status"] == "accepted"
