"""The admin page and its JSON endpoints: manage registrations, see events and notifications; loopback only."""

from __future__ import annotations

import re
import socket
from pathlib import Path
from typing import Any

import pytest
import requests

from scanstation.devserver import DevServer
from tests.devserver.conftest import Api, event


def _admin(server: DevServer, method: str, path: str, **kwargs: Any) -> requests.Response:
    return requests.request(method, server.admin_url + path, timeout=10, allow_redirects=False, **kwargs)


def test_the_page_shows_registrations_events_and_what_the_customer_was_sent(
    server: DevServer, api: Api, parcel: dict[str, Any]
) -> None:
    api.push(event("notification.requested", "n-1", parcel_id=parcel["id"]), event("parcel.teleported", "bad-1"))
    response = _admin(server, "GET", "")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    page = response.text
    assert "1z 999 aa1 01 2345 6784" in page
    assert "Иван Петров" in page
    assert "Ваша посылка 1z 999 aa1 01 2345 6784" in page
    assert "НА СКЛАДЕ" in page
    assert "rejected: invalid_event" in page
    assert "unknown event type" in page


def test_html_is_escaped(server: DevServer) -> None:
    server.add_registration("<script>alert(1)</script>", name="<b>x</b>")
    page = _admin(server, "GET", "").text
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_forms_add_edit_and_delete_and_the_feed_follows(server: DevServer, api: Api) -> None:
    added = _admin(
        server,
        "POST",
        "/registrations",
        data={
            "tracking_number": "9400 1118 9922 3100 0000 00",
            "order_number": "113-1",
            "store": "ebay.com",
            "suite": "UN-7777",
            "name": "Anna Smirnova",
            "services": "photo hold",
            "status": "awaiting",
        },
    )
    assert added.status_code == 303
    (item,) = api.pull_all()[0]
    assert item["tracking_number"] == "9400 1118 9922 3100 0000 00"
    assert item["customer"]["suite"] == "UN-7777"
    assert item["services"] == ["photo", "hold"]
    assert item["id"] in added.headers["Location"]
    _, cursor = api.pull_all()

    edit_page = _admin(server, "GET", f"/registrations/{item['id']}").text
    assert "9400 1118 9922 3100 0000 00" in edit_page
    edited = _admin(
        server,
        "POST",
        f"/registrations/{item['id']}",
        data={"tracking_number": "9400111899223100000000", "order_number": "113-1", "store": "ebay.com",
              "status": "awaiting", "services": ""},
    )  # fmt: skip
    assert edited.status_code == 303
    (changed,) = api.pull_all(cursor)[0]
    assert changed["tracking_number"] == "9400111899223100000000"
    assert changed["services"] == []

    assert _admin(server, "POST", f"/registrations/{item['id']}/delete").status_code == 303
    (tomb,) = api.pull_all(cursor)[0]
    assert tomb == {"id": item["id"], "deleted": True, "updated_at": tomb["updated_at"]}
    assert "was deleted" in _admin(server, "GET", f"/registrations/{item['id']}").text


def test_page_buttons_invalidate_cursors_and_simulate_an_outage(server: DevServer, api: Api) -> None:
    _, cursor = api.pull_all()
    assert _admin(server, "POST", "/invalidate-cursors").status_code == 303
    assert api.get("/parcels", params={"cursor": cursor}).status_code == 410
    assert _admin(server, "POST", "/outage", data={"retry_after": "12"}).status_code == 303
    assert api.get("/parcels").headers["Retry-After"] == "12"
    assert "Answering 503" in _admin(server, "GET", "").text
    assert _admin(server, "POST", "/outage", data={}).status_code == 303
    assert api.get("/parcels").status_code == 200


def test_json_api_round_trip(server: DevServer, api: Api) -> None:
    created = _admin(
        server, "POST", "/api/registrations", json={"tracking_number": "TBA000000000001", "services": ["photo"]}
    )
    assert created.status_code == 201
    pid = created.json()["id"]
    assert _admin(server, "GET", f"/api/registrations/{pid}").json()["services"] == ["photo"]
    patched = _admin(server, "PATCH", f"/api/registrations/{pid}", json={"status": "packed", "store": "target.com"})
    assert patched.json()["status"] == "packed"
    assert [i["id"] for i in _admin(server, "GET", "/api/registrations", params={"q": "TBA0000"}).json()["items"]] == [
        pid
    ]
    api.push(
        event("notification.requested", "n-1", parcel_id=pid), event("notification.requested", "n-1", parcel_id=pid)
    )
    assert [e["result"] for e in _admin(server, "GET", "/api/events").json()["items"]] == ["accepted", "duplicate"]
    assert _admin(server, "GET", "/api/events/n-1").json() == {"id": "n-1", "received": 2, "applied": 1}
    (note,) = _admin(server, "GET", "/api/notifications").json()["items"]
    assert "НА СКЛАДЕ" in note["account_message"]
    summary = _admin(server, "GET", "/api/summary").json()
    assert summary["registrations"] == 1
    assert summary["events"] == {"accepted": 1, "duplicate": 1}
    assert summary["notifications"] == 1
    assert _admin(server, "DELETE", f"/api/registrations/{pid}").json()["deleted"] is True
    assert _admin(server, "GET", "/api/summary").json()["deleted"] == 1
    assert _admin(server, "POST", "/api/outage", json={"retry_after": 3}).json() == {"retry_after": 3}
    assert requests.get(server.url + "/health", timeout=5).status_code == 503
    assert _admin(server, "POST", "/api/outage", json={"retry_after": None}).status_code == 200
    _, cursor = api.pull_all()
    assert _admin(server, "POST", "/api/invalidate-cursors").status_code == 200
    assert api.get("/parcels", params={"cursor": cursor}).status_code == 410


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/registrations", {"tracking_number": ""}),
        ("POST", "/api/registrations", {"tracking_number": 5}),
        ("POST", "/api/registrations", {"tracking_number": "X", "colour": "red"}),
        ("POST", "/api/registrations", {"tracking_number": "X", "services": [1]}),
        ("POST", "/api/registrations", ["not", "an", "object"]),
        ("PATCH", "/api/registrations/p_1", {"id": "p_9"}),
        ("PATCH", "/api/registrations/p_1", {"status": ""}),
        ("PATCH", "/api/registrations/p_1", {"services": {"photo": True}}),
        ("POST", "/api/outage", {"retry_after": "soon"}),
        ("GET", "/api/registrations?limit=x", None),
    ],
)
def test_bad_admin_input_is_400_not_a_crash(
    server: DevServer, parcel: dict[str, Any], method: str, path: str, body: Any
) -> None:
    response = _admin(server, method, path, json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "invalid"


def test_services_may_be_given_as_one_string_of_codes(server: DevServer, parcel: dict[str, Any]) -> None:
    response = _admin(server, "PATCH", f"/api/registrations/{parcel['id']}", json={"services": "photo, hold"})
    assert response.json()["services"] == ["photo", "hold"]


def test_admin_garbage_body_and_unknown_ids(server: DevServer) -> None:
    assert _admin(server, "POST", "/api/registrations", data=b"\xff{").status_code == 400
    assert _admin(server, "GET", "/api/registrations/p_404").status_code == 404
    assert _admin(server, "PATCH", "/api/registrations/zzz", json={"store": "x"}).status_code == 404
    assert _admin(server, "GET", "/registrations/p_404").status_code == 404
    assert _admin(server, "GET", "/api/nothing").status_code == 404


def test_a_cross_site_form_post_is_refused(server: DevServer, parcel: dict[str, Any]) -> None:
    response = _admin(
        server, "POST", f"/registrations/{parcel['id']}/delete", headers={"Origin": "http://evil.example"}
    )
    assert response.status_code == 403
    assert server.registration(parcel["id"])["deleted"] is False  # type: ignore[index]


def _non_loopback_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing interface
            address = str(probe.getsockname()[0])
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_admin_answers_only_on_loopback(tmp_path: Path) -> None:
    address = _non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address")
    with DevServer(tmp_path / "c.sqlite3", host="0.0.0.0") as dev:
        remote = f"http://{address}:{dev.port}"
        assert requests.get(remote + "/admin", timeout=5).status_code == 403
        assert requests.post(remote + "/admin/api/invalidate-cursors", timeout=5).status_code == 403
        assert requests.get(remote + "/api/station/v1/health", timeout=5).status_code == 200
        assert requests.get(f"http://127.0.0.1:{dev.port}/admin", timeout=5).status_code == 200


def test_the_root_redirects_to_the_admin_page(server: DevServer) -> None:
    response = requests.get(server.root_url + "/", timeout=5, allow_redirects=False)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin"
    assert re.search(r"<h1>Central server simulator</h1>", requests.get(server.root_url, timeout=5).text)


def test_time_spent_answering_is_counted_per_endpoint(server: DevServer, api: Api, parcel: dict[str, Any]) -> None:
    for _ in range(3):
        api.get("/parcels")
    api.push(event("parcel.status_changed", "s-1", parcel_id=parcel["id"]))
    _admin(server, "GET", "")
    stats = server.request_stats()
    assert set(stats) == {"GET /parcels", "POST /events"}
    assert stats["GET /parcels"]["requests"] == 3
    assert stats["POST /events"]["requests"] == 1
    assert stats["GET /parcels"]["seconds"] > 0
    assert _admin(server, "GET", "/api/summary").json()["requests"]["GET /parcels"]["requests"] == 3
