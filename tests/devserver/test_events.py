"""POST /events over real HTTP: results per event, idempotence, validation, notifications, unknown parcels."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import requests

from scanstation.devserver import DevServer
from tests.devserver.conftest import Api, event

LOCAL_ID = "6fa459ea-ee8a-3ca4-894e-db77e160355e"


def test_events_are_accepted_in_order_with_one_result_each(server: DevServer, api: Api, parcel: dict[str, Any]) -> None:
    pid = parcel["id"]
    results = api.push(
        event("parcel.status_changed", "e-1", parcel_id=pid),
        event("notification.requested", "e-2", parcel_id=pid),
        event("parcel.unknown", "e-3"),
        event("parcel.unknown_resolved", "e-4", resolution="matched", parcel_id=pid, note=None),
    )
    assert results == [{"id": f"e-{n}", "status": "accepted"} for n in range(1, 5)]
    assert server.registration(pid)["status"] == "at_warehouse"  # type: ignore[index]
    assert [e["id"] for e in server.events()] == ["e-1", "e-2", "e-3", "e-4"]
    assert all(server.applied_count(f"e-{n}") == 1 for n in range(1, 5))


def test_the_same_event_again_is_duplicate_and_nothing_is_done_twice(
    server: DevServer, api: Api, parcel: dict[str, Any]
) -> None:
    batch = [
        event("notification.requested", "n-1", parcel_id=parcel["id"]),
        event("parcel.status_changed", "s-1", parcel_id=parcel["id"]),
    ]
    assert [r["status"] for r in api.push(*batch)] == ["accepted", "accepted"]
    _, cursor = api.pull_all()
    assert [r["status"] for r in api.push(*batch)] == ["duplicate", "duplicate"]
    # Within one batch too: the second copy is a duplicate of the first.
    twice = event("parcel.status_changed", "s-2", parcel_id=parcel["id"], status="packed")
    assert [r["status"] for r in api.push(twice, twice)] == ["accepted", "duplicate"]
    assert len(server.notifications()) == 1
    assert server.applied_count("n-1") == 1
    assert server.received_count("n-1") == 2
    assert server.applied_count("s-2") == 1
    assert [item["status"] for item in api.pull_all(cursor)[0]] == ["packed"]
    assert [e["result"] for e in server.events()] == ["accepted"] * 2 + ["duplicate"] * 2 + ["accepted", "duplicate"]


def test_a_duplicate_is_judged_by_id_alone(server: DevServer, api: Api, parcel: dict[str, Any]) -> None:
    api.push(event("parcel.status_changed", "same", parcel_id=parcel["id"], status="at_warehouse"))
    (result,) = api.push(event("parcel.status_changed", "same", parcel_id=parcel["id"], status="shipped"))
    assert result == {"id": "same", "status": "duplicate"}
    assert server.registration(parcel["id"])["status"] == "at_warehouse"  # type: ignore[index]


def test_notification_tells_the_customer_in_russian_once(server: DevServer, api: Api, parcel: dict[str, Any]) -> None:
    api.push(event("notification.requested", "n-1", parcel_id=parcel["id"]))
    api.push(event("notification.requested", "n-1", parcel_id=parcel["id"]))
    (note,) = server.notifications()
    assert note["event_id"] == "n-1"
    assert note["parcel_id"] == parcel["id"]
    assert note["customer_id"] == parcel["customer"]["id"]
    assert "@" in note["email"]
    assert "НА СКЛАДЕ" in note["subject"]
    for text in (note["email_text"], note["account_message"]):
        assert "Ваша посылка 1z 999 aa1 01 2345 6784" in text
        assert "НА СКЛАДЕ" in text
        assert "113-4567890-1234567" in text
        assert "UN-1234" in text
    assert note["email_text"].startswith("Здравствуйте, Иван!")
    assert "фото посылки" in note["email_text"]
    assert "27.11.2026" in note["email_text"]


def test_a_second_notification_event_for_the_same_parcel_is_a_second_message(
    server: DevServer, api: Api, parcel: dict[str, Any]
) -> None:
    # The contract de-duplicates by event id; a new arrival (new id) is a new message.
    api.push(event("notification.requested", "n-1", parcel_id=parcel["id"]))
    api.push(event("notification.requested", "n-2", parcel_id=parcel["id"]))
    assert [n["event_id"] for n in server.notifications()] == ["n-1", "n-2"]


def test_events_for_unknown_or_deleted_parcels_are_rejected(
    server: DevServer, api: Api, parcel: dict[str, Any]
) -> None:
    gone = server.add_registration("TBA000000000002")
    server.delete_registration(gone["id"])
    results = api.push(
        event("parcel.status_changed", "u-1", parcel_id="p_999999"),
        event("notification.requested", "u-2", parcel_id="p_007"),
        event("notification.requested", "d-1", parcel_id=gone["id"]),
        event("parcel.status_changed", "d-2", parcel_id=gone["id"]),
        event("parcel.unknown_resolved", "d-3", resolution="matched", parcel_id=gone["id"]),
        event("parcel.unknown_resolved", "u-3", resolution="matched", parcel_id="nonsense"),
    )
    codes = [(r["status"], r["error"]["code"]) for r in results]
    assert codes == [("rejected", "unknown_parcel")] * 2 + [("rejected", "parcel_deleted")] * 3 + [
        ("rejected", "unknown_parcel")
    ]
    assert all(r["error"]["message"] for r in results)
    assert server.notifications() == []
    assert server.unknown_parcels() == []
    assert all(server.applied_count(r["id"]) == 0 for r in results)


def test_a_rejected_event_is_judged_again_when_sent_again(server: DevServer, api: Api) -> None:
    (first,) = api.push(event("notification.requested", "late", parcel_id="p_1"))
    assert first["error"]["code"] == "unknown_parcel"
    server.add_registration("TBA000000000001")  # becomes p_1
    (second,) = api.push(event("notification.requested", "late", parcel_id="p_1"))
    assert second == {"id": "late", "status": "accepted"}
    assert server.applied_count("late") == 1


INVALID = [
    ({"type": "parcel.teleported"}, "unknown event type"),
    ({"type": 5}, "type"),
    ({"occurred_at": "2026-11-27 09:15:02"}, "occurred_at"),
    ({"occurred_at": "2026-11-27T09:15:02+03:00"}, "occurred_at"),
    ({"occurred_at": "2026-13-45T09:15:02Z"}, "occurred_at"),
    ({"occurred_at": None}, "occurred_at"),
    ({"operator": 7}, "operator"),
]


@pytest.mark.parametrize(("override", "named"), INVALID)
def test_common_fields_are_validated(api: Api, parcel: dict[str, Any], override: dict[str, Any], named: str) -> None:
    (result,) = api.push({**event("parcel.status_changed", "bad", parcel_id=parcel["id"]), **override})
    assert result["status"] == "rejected"
    assert result["error"]["code"] == "invalid_event"
    assert named in result["error"]["message"]


PER_TYPE = [
    ("parcel.status_changed", "parcel_id", None),
    ("parcel.status_changed", "tracking_number", 12),
    ("parcel.status_changed", "status", ""),
    ("parcel.status_changed", "status", None),
    ("parcel.status_changed", "previous_status", 3),
    ("notification.requested", "parcel_id", ["p_1"]),
    ("notification.requested", "kind", "parcel_lost"),
    ("parcel.unknown", "local_id", "not-a-uuid"),
    ("parcel.unknown", "tracking_number", ""),
    ("parcel.unknown", "raw_scan", None),
    ("parcel.unknown", "carrier", 1),
    ("parcel.unknown_resolved", "local_id", 42),
    ("parcel.unknown_resolved", "resolution", "ignored"),
    ("parcel.unknown_resolved", "note", 5),
]


@pytest.mark.parametrize(("kind", "name", "value"), PER_TYPE)
def test_fields_of_each_event_type_are_validated(
    server: DevServer, api: Api, parcel: dict[str, Any], kind: str, name: str, value: Any
) -> None:
    (result,) = api.push(event(kind, "bad", **{"parcel_id": parcel["id"], name: value}))
    assert result["status"] == "rejected", result
    assert result["error"]["code"] == "invalid_event"
    assert name in result["error"]["message"]
    assert server.applied_count("bad") == 0


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        ("parcel.status_changed", "previous_status"),
        ("parcel.status_changed", "tracking_number"),
        ("notification.requested", "kind"),
        ("parcel.unknown", "carrier"),
        ("parcel.unknown", "raw_scan"),
        ("parcel.unknown_resolved", "resolution"),
    ],
)
def test_a_missing_field_rejects_the_event(api: Api, parcel: dict[str, Any], kind: str, name: str) -> None:
    bad = event(kind, "bad", parcel_id=parcel["id"])
    del bad[name]
    (result,) = api.push(bad)
    assert result["error"] == {"code": "invalid_event", "message": result["error"]["message"]}
    assert f"{name} is missing" in result["error"]["message"]


def test_matched_resolution_needs_a_parcel_id(api: Api) -> None:
    (result,) = api.push(event("parcel.unknown_resolved", "r", resolution="matched"))
    assert result["error"]["code"] == "invalid_event"
    assert "parcel_id" in result["error"]["message"]


def test_unknown_parcel_is_listed_then_closed(server: DevServer, api: Api, parcel: dict[str, Any]) -> None:
    api.push(event("parcel.unknown", "u-1", local_id=LOCAL_ID, carrier="amazon"))
    (listed,) = server.unknown_parcels()
    assert listed["local_id"] == LOCAL_ID
    assert listed["station_id"] == "nj-receiving-1"
    assert listed["tracking_number"] == "TBA123456789012"
    assert listed["carrier"] == "amazon"
    assert listed["resolution"] is None
    api.push(event("parcel.unknown_resolved", "u-2", local_id=LOCAL_ID, resolution="matched", parcel_id=parcel["id"]))
    (closed,) = server.unknown_parcels()
    assert closed["resolution"] == "matched"
    assert closed["parcel_id"] == parcel["id"]
    assert closed["resolved_at"] == "2026-11-27T09:15:02.481Z"
    # Listing the same local parcel again (a new event) does not reopen it.
    api.push(event("parcel.unknown", "u-3", local_id=LOCAL_ID))
    assert server.unknown_parcels()[0]["resolution"] == "matched"


def test_a_resolution_whose_listing_never_arrived_is_kept(server: DevServer, api: Api) -> None:
    (result,) = api.push(event("parcel.unknown_resolved", "r-1", resolution="disposed", note="leaking"))
    assert result["status"] == "accepted"
    (kept,) = server.unknown_parcels()
    assert (kept["resolution"], kept["note"], kept["tracking_number"]) == ("disposed", "leaking", None)


def test_extra_fields_are_ignored(server: DevServer, api: Api, parcel: dict[str, Any]) -> None:
    (result,) = api.push(event("parcel.status_changed", "x", parcel_id=parcel["id"], scanner="dock-2", weight_g=412))
    assert result["status"] == "accepted"


def test_fractions_and_whole_seconds_are_both_timestamps(api: Api, parcel: dict[str, Any]) -> None:
    results = api.push(
        event("parcel.status_changed", "t-1", parcel_id=parcel["id"], occurred_at="2026-11-27T09:15:02Z"),
        event("parcel.status_changed", "t-2", parcel_id=parcel["id"], occurred_at="2026-11-27T09:15:02.123456789Z"),
    )
    assert [r["status"] for r in results] == ["accepted", "accepted"]


def test_an_empty_batch_is_fine(api: Api) -> None:
    assert api.push() == []


def test_501_events_are_400_and_nothing_is_applied(server: DevServer, api: Api, parcel: dict[str, Any]) -> None:
    events = [event("notification.requested", f"n-{i}", parcel_id=parcel["id"]) for i in range(501)]
    response = api.post("/events", json={"station_id": "s", "events": events})
    assert response.status_code == 400
    assert "500" in response.json()["error"]["message"]
    assert server.events() == []
    assert server.notifications() == []
    assert [r["status"] for r in api.push(*events[:500])] == ["accepted"] * 500
    assert len(server.notifications()) == 500


MALFORMED: list[bytes] = [
    b"",
    b"garbage",
    b"\xff\xfe{",
    b"null",
    b"[]",
    b'"events"',
    b'{"events": []}',
    b'{"station_id": "", "events": []}',
    b'{"station_id": 5, "events": []}',
    b'{"station_id": "s"}',
    b'{"station_id": "s", "events": {}}',
    b'{"station_id": "s", "events": [1]}',
    b'{"station_id": "s", "events": [{"type": "parcel.unknown"}]}',
    b'{"station_id": "s", "events": [{"id": 7}]}',
    b'{"station_id": "s", "events": [{"id": ""}]}',
    b'{"station_id": "s", "events": [{"id": "' + b"x" * 201 + b'"}]}',
    b'{"station_id": "s", "events": [{"id": "ok", "type": "parcel.unknown"}, "second"]}',
    b'{"station_id": "s", "events": [{"id": "\\ud800"}]}',
    b'{"station_id": "s", "events": [' + b"[" * 5000 + b"]" * 5000 + b"]}",
    b'{"station_id": "s", "events": [], "x": 1e999}',
    b'{"station_id": "s", "events": []',
]


@pytest.mark.parametrize("body", MALFORMED, ids=range(len(MALFORMED)))
def test_a_malformed_body_is_400_and_nothing_is_applied(
    server: DevServer, api: Api, parcel: dict[str, Any], body: bytes
) -> None:
    response = api.post("/events", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_body"
    assert server.events() == []
    # The connection is still usable for the next request.
    assert api.get("/parcels").status_code == 200


def test_a_malformed_batch_with_valid_events_first_applies_none(
    server: DevServer, api: Api, parcel: dict[str, Any]
) -> None:
    good = event("notification.requested", "n-1", parcel_id=parcel["id"])
    response = api.post("/events", json={"station_id": "s", "events": [good, {"no": "id"}]})
    assert response.status_code == 400
    assert server.notifications() == []
    assert server.applied_count("n-1") == 0


@pytest.mark.parametrize("header", [None, "Bearer nope"])
def test_events_with_a_bad_token_are_401_and_nothing_is_applied(
    server: DevServer, parcel: dict[str, Any], header: str | None
) -> None:
    body = {"station_id": "s", "events": [event("notification.requested", "n-1", parcel_id=parcel["id"])]}
    headers = {} if header is None else {"Authorization": header}
    response = requests.post(server.url + "/events", json=body, headers=headers, timeout=10)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert server.events() == []
    assert server.notifications() == []


def test_many_stations_pushing_the_same_events_at_once_apply_each_once(
    server: DevServer, parcel: dict[str, Any]
) -> None:
    events = [event("notification.requested", f"n-{i}", parcel_id=parcel["id"]) for i in range(50)]
    events += [event("parcel.status_changed", f"s-{i}", parcel_id=parcel["id"], status=f"st-{i}") for i in range(50)]
    start = threading.Barrier(8)
    statuses: list[list[str]] = []
    errors: list[BaseException] = []

    def push() -> None:
        try:
            with requests.Session() as session:
                start.wait(timeout=30)
                for _ in range(3):
                    response = session.post(
                        server.url + "/events",
                        json={"station_id": "s", "events": events},
                        headers={"Authorization": f"Bearer {server.token}"},
                        timeout=30,
                    )
                    assert response.status_code == 200
                    statuses.append([r["status"] for r in response.json()["results"]])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=push) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(statuses) == 24
    for i in range(len(events)):
        column = [batch[i] for batch in statuses]
        assert column.count("accepted") == 1
        assert column.count("duplicate") == 23
    assert all(server.applied_count(e["id"]) == 1 for e in events)
    assert len(server.notifications()) == 50
