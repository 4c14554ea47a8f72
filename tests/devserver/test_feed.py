"""GET /health and GET /parcels over real HTTP: auth, paging, cursors, edits, tombstones, 410."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from scanstation.devserver import DevServer
from scanstation.devserver.wire import is_timestamp
from tests.devserver.conftest import Api, event


def _add(server: DevServer, count: int) -> list[dict[str, Any]]:
    return [server.add_registration(f"TBA{n:012d}", order_number=f"o-{n}") for n in range(count)]


def test_health_needs_no_token_and_reports_the_clock(server: DevServer) -> None:
    response = requests.get(server.url + "/health", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["status"] == "ok"
    assert is_timestamp(body["server_time"])
    server_time = datetime.fromisoformat(body["server_time"].replace("Z", "+00:00"))
    assert abs(server_time - datetime.now(UTC)) < timedelta(seconds=5)


@pytest.mark.parametrize("header", [None, "Bearer wrong", "Bearer ", "Basic dGVzdC10b2tlbg==", "test-token"])
def test_parcels_without_the_right_token_get_401(server: DevServer, parcel: dict[str, Any], header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    response = requests.get(server.url + "/parcels", headers=headers, timeout=10)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert parcel["id"] not in response.text


def test_the_token_is_accepted_whatever_the_scheme_case(server: DevServer, parcel: dict[str, Any]) -> None:
    response = requests.get(server.url + "/parcels", headers={"Authorization": f"bearer {server.token}"}, timeout=10)
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == [parcel["id"]]


def test_first_pull_returns_the_registration_as_the_contract_shows_it(api: Api, parcel: dict[str, Any]) -> None:
    page = api.get("/parcels").json()
    assert page["has_more"] is False
    assert isinstance(page["next_cursor"], str)
    assert page["next_cursor"]
    (item,) = page["items"]
    assert item == {
        "id": parcel["id"],
        "tracking_number": "1z 999 aa1 01 2345 6784",
        "order_number": "113-4567890-1234567",
        "store": "amazon.com",
        "customer": {"id": item["customer"]["id"], "suite": "UN-1234", "name": "Иван Петров"},
        "services": ["photo", "remove_invoice"],
        "status": "awaiting",
        "deleted": False,
        "updated_at": item["updated_at"],
    }
    assert item["customer"]["id"].startswith("c_")
    assert is_timestamp(item["updated_at"])


def test_an_empty_feed_still_gives_a_cursor_that_sees_later_registrations(server: DevServer, api: Api) -> None:
    page = api.get("/parcels").json()
    assert page == {"items": [], "next_cursor": page["next_cursor"], "has_more": False}
    added = server.add_registration("TBA000000000001")
    later = api.get("/parcels", params={"cursor": page["next_cursor"]}).json()
    assert [item["id"] for item in later["items"]] == [added["id"]]


def test_pages_follow_the_limit_and_has_more_until_the_end(server: DevServer, api: Api) -> None:
    added = _add(server, 7)
    sizes: list[int] = []
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = api.get("/parcels", params=params).json()
        sizes.append(len(page["items"]))
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert sizes == [3, 3, 1]
    assert seen == [item["id"] for item in added]
    # Asking again from the last cursor gives nothing new, and the same cursor back.
    again = api.get("/parcels", params={"cursor": cursor}).json()
    assert again == {"items": [], "next_cursor": cursor, "has_more": False}


def test_limit_defaults_to_1000_and_may_be_5000(server: DevServer, api: Api) -> None:
    store = server.store
    for n in range(1001):
        store.add_registration(f"TBA{n:012d}")
    default = api.get("/parcels").json()
    assert len(default["items"]) == 1000
    assert default["has_more"] is True
    most = api.get("/parcels", params={"limit": 5000}).json()
    assert len(most["items"]) == 1001
    assert most["has_more"] is False


@pytest.mark.parametrize("limit", ["0", "5001", "-1", "abc", "", "1.5", "10" * 3000, "٣"])
def test_a_bad_limit_is_400(api: Api, parcel: dict[str, Any], limit: str) -> None:
    response = api.get("/parcels", params={"limit": limit})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_limit"


@pytest.mark.parametrize("cursor", ["garbage", "c:58231", "c:zzzzzzzz.1", "c:" + "9" * 40, "\u0444"])
def test_a_cursor_the_server_never_made_is_410(api: Api, parcel: dict[str, Any], cursor: str) -> None:
    response = api.get("/parcels", params={"cursor": cursor})
    assert response.status_code == 410
    assert response.json()["error"]["code"] == "cursor_gone"


def test_a_cursor_past_the_end_of_the_feed_is_410(api: Api, parcel: dict[str, Any]) -> None:
    cursor = api.get("/parcels").json()["next_cursor"]
    head, _, seq = cursor.rpartition(".")
    assert api.get("/parcels", params={"cursor": f"{head}.{int(seq) + 5}"}).status_code == 410


def test_invalidated_cursors_get_410_and_the_beginning_works_again(
    server: DevServer, api: Api, parcel: dict[str, Any]
) -> None:
    cursor = api.get("/parcels").json()["next_cursor"]
    assert api.get("/parcels", params={"cursor": cursor}).status_code == 200
    server.invalidate_cursors()
    assert api.get("/parcels", params={"cursor": cursor}).status_code == 410
    items, fresh = api.pull_all()
    assert [item["id"] for item in items] == [parcel["id"]]
    assert fresh != cursor
    assert api.get("/parcels", params={"cursor": fresh}).status_code == 200


def test_an_edit_comes_again_after_the_cursor_with_a_later_updated_at(
    server: DevServer, api: Api, parcel: dict[str, Any]
) -> None:
    others = _add(server, 2)
    _, cursor = api.pull_all()
    server.edit_registration(parcel["id"], tracking_number="1Z999AA10123456784, 9400111899223100000000", services=[])
    items, _ = api.pull_all(cursor)
    assert [item["id"] for item in items] == [parcel["id"]]
    (edited,) = items
    assert edited["tracking_number"] == "1Z999AA10123456784, 9400111899223100000000"
    assert edited["services"] == []
    assert edited["updated_at"] > parcel["updated_at"]
    # From the beginning the feed is in change order: the edited registration now comes last, once.
    everything, _ = api.pull_all()
    assert [item["id"] for item in everything] == [others[0]["id"], others[1]["id"], parcel["id"]]


def test_a_deleted_registration_comes_as_a_tombstone(server: DevServer, api: Api, parcel: dict[str, Any]) -> None:
    _, cursor = api.pull_all()
    server.delete_registration(parcel["id"])
    (tomb,) = api.pull_all(cursor)[0]
    assert set(tomb) == {"id", "deleted", "updated_at"}
    assert tomb["id"] == parcel["id"]
    assert tomb["deleted"] is True
    assert tomb["updated_at"] > parcel["updated_at"]
    # A station starting today also gets the tombstone (and no live copy).
    assert api.pull_all()[0] == [tomb]
    with pytest.raises(KeyError):
        server.edit_registration(parcel["id"], store="ebay.com")


def test_a_status_change_pushed_by_one_station_reaches_every_station(
    server: DevServer, api: Api, parcel: dict[str, Any]
) -> None:
    _, other_station_cursor = api.pull_all()
    (result,) = api.push(event("parcel.status_changed", "ev-1", parcel_id=parcel["id"]))
    assert result["status"] == "accepted"
    (item,) = api.pull_all(other_station_cursor)[0]
    assert item["id"] == parcel["id"]
    assert item["status"] == "at_warehouse"
    assert item["updated_at"] > parcel["updated_at"]
    # An unknown later-stage code is stored and served as is.
    api.push(event("parcel.status_changed", "ev-2", parcel_id=parcel["id"], status="sorted_for_flight_7"))
    assert api.pull_all(other_station_cursor)[0][0]["status"] == "sorted_for_flight_7"


def test_changes_made_while_a_station_pages_are_all_delivered(server: DevServer, api: Api) -> None:
    added = _add(server, 10)
    first = api.get("/parcels", params={"limit": 4}).json()
    # Between pages: one already-delivered item changes, one not-yet-delivered item changes, a new one arrives.
    server.edit_registration(added[1]["id"], store="ebay.com")
    server.edit_registration(added[8]["id"], store="walmart.com")
    newest = server.add_registration("TBA999999999999")
    rest, _ = api.pull_all(first["next_cursor"], limit=4)
    ids = [item["id"] for item in first["items"] + rest]
    expected_last = {added[1]["id"]: "ebay.com", added[8]["id"]: "walmart.com"}
    latest = {item["id"]: item for item in first["items"] + rest}
    assert set(ids) == {item["id"] for item in added} | {newest["id"]}
    for pid, store in expected_last.items():
        assert latest[pid]["store"] == store
    # Each change is delivered once after the cursor: nothing repeats except the item edited after delivery.
    assert ids.count(added[1]["id"]) == 2
    assert ids.count(added[8]["id"]) == 1


def test_every_change_comes_with_a_later_updated_at_even_within_one_millisecond(
    server: DevServer, api: Api, parcel: dict[str, Any]
) -> None:
    stamps = [parcel["updated_at"]]
    cursor = api.pull_all()[1]
    for n in range(30):
        stamps.append(server.edit_registration(parcel["id"], order_number=f"o-{n}")["updated_at"])
    stamps.append(server.delete_registration(parcel["id"])["updated_at"])
    assert all(earlier < later for earlier, later in itertools.pairwise(stamps))
    (last,) = api.pull_all(cursor)[0]
    assert last["updated_at"] == stamps[-1]
