"""Fixtures for the simulator's tests: a running DevServer on loopback and an HTTP session to it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from scanstation.devserver import DevServer

TOKEN = "test-token"


def event(event_type: str, event_id: str, /, **fields: Any) -> dict[str, Any]:
    """A valid event of the given type; `fields` override or add to the defaults."""
    base: dict[str, Any] = {
        "id": event_id,
        "type": event_type,
        "occurred_at": "2026-11-27T09:15:02.481Z",
        "operator": "anna",
    }
    defaults: dict[str, dict[str, Any]] = {
        "parcel.status_changed": {
            "parcel_id": "p_1",
            "tracking_number": "1Z999AA10123456784",
            "status": "at_warehouse",
            "previous_status": "awaiting",
        },
        "notification.requested": {"parcel_id": "p_1", "kind": "parcel_arrived"},
        "parcel.unknown": {
            "local_id": "6fa459ea-ee8a-3ca4-894e-db77e160355e",
            "tracking_number": "TBA123456789012",
            "raw_scan": "]C0TBA123456789012",
            "carrier": None,
        },
        "parcel.unknown_resolved": {
            "local_id": "6fa459ea-ee8a-3ca4-894e-db77e160355e",
            "resolution": "returned_to_sender",
            "note": "refused",
        },
    }
    return {**base, **defaults.get(event_type, {}), **fields}


class Api:
    """A requests session speaking to one DevServer with its token."""

    def __init__(self, server: DevServer) -> None:
        self.server = server
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {server.token}"

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.session.get(self.server.url + path, timeout=30, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.session.post(self.server.url + path, timeout=30, **kwargs)

    def push(self, *events: dict[str, Any], station_id: str = "nj-receiving-1") -> list[dict[str, Any]]:
        response = self.post("/events", json={"station_id": station_id, "events": list(events)})
        assert response.status_code == 200, response.text
        results: list[dict[str, Any]] = response.json()["results"]
        return results

    def pull_all(self, cursor: str | None = None, limit: int | None = None) -> tuple[list[dict[str, Any]], str]:
        """Follow has_more to the end; returns (items, last next_cursor)."""
        items: list[dict[str, Any]] = []
        while True:
            params: dict[str, Any] = {}
            if cursor is not None:
                params["cursor"] = cursor
            if limit is not None:
                params["limit"] = limit
            response = self.get("/parcels", params=params)
            assert response.status_code == 200, response.text
            page = response.json()
            items += page["items"]
            cursor = page["next_cursor"]
            if not page["has_more"]:
                assert cursor is not None
                return items, cursor


@pytest.fixture
def server(tmp_path: Path) -> Iterator[DevServer]:
    dev = DevServer(tmp_path / "central.sqlite3", token=TOKEN)
    dev.start()
    try:
        yield dev
    finally:
        dev.stop()


@pytest.fixture
def api(server: DevServer) -> Iterator[Api]:
    client = Api(server)
    yield client
    client.session.close()


@pytest.fixture
def parcel(server: DevServer) -> dict[str, Any]:
    """One live registration (p_1) with a customer, an order and services."""
    return server.add_registration(
        "1z 999 aa1 01 2345 6784",
        order_number="113-4567890-1234567",
        store="amazon.com",
        suite="UN-1234",
        name="Иван Петров",
        services=["photo", "remove_invoice"],
    )
