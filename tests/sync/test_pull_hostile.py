"""Registrations the contract allows but a database may refuse: each is stored or set aside, never the feed stopped."""

from __future__ import annotations

import json
import random
import string
from typing import Any

from sqlalchemy import select

from scanstation.domain import Outcome, Scan
from scanstation.receiving import Receiver
from scanstation.store.connection import Store
from scanstation.store.models import Registration, ReviewItem
from scanstation.sync.client import CentralClient
from scanstation.sync.loop import SyncLoop
from scanstation.sync.pull import REFUSED_REGISTRATION, Puller

from .conftest import STATION, TOKEN, MakeConfig
from .faultproxy import FaultProxy

PARCELS = "/api/station/v1/parcels"
# Incompressible, so no database can squeeze it under an index's entry limit (PostgreSQL's is ~2.7 kB).
_HUGE_ID = "p_" + "".join(random.Random(7).choices(string.ascii_letters + string.digits, k=8000))


def _item(n: int, **fields: Any) -> dict[str, Any]:
    customer = {"id": f"c_{n}", "suite": f"UN-{1000 + n}", "name": "Иван Петров"}
    customer.update(fields.pop("customer", {}))
    item: dict[str, Any] = {
        "id": f"p_{n}",
        "tracking_number": f"TBA9{n:011d}",
        "order_number": f"113-{n:07d}-1234567",
        "store": "amazon.com",
        "customer": customer,
        "services": ["photo"],
        "status": "awaiting",
        "deleted": False,
        "updated_at": f"2026-11-26T14:{n:02d}:07Z",
    }
    item.update(fields)
    return item


# 13 registrations, most of them hostile; every one is what the contract allows (it limits no string).
HOSTILE = [
    _item(1),
    _item(2, customer={"name": "Иван " * 60}),  # 300 characters; the column was varchar(256)
    _item(3, store="s" * 200),
    _item(4, id="p_" + "4" * 98),  # an id of 100
    _item(5, status="awaiting_customs_clearance_at_the_border"),  # a status of 40, unknown to the station
    _item(6, id=_HUGE_ID),  # too big for PostgreSQL's index of ids: the one record set aside there
    _item(7, customer={"name": "Ivan\u0000Petrov"}),  # PostgreSQL's text holds no NUL
    _item(8, customer={"name": "<font color=red size=7>UN-6666</font><img src=file:///etc/passwd>"}),
    _item(9, customer={"name": "\u0007\u001b[31mRED\u202eevil\u0008"}, order_number="113\t\r\n-1"),
    _item(10, customer={"id": "c_" + "1" * 98, "suite": "UN-" + "0" * 97}),
    _item(11, order_number="1" * 500),
    _item(12, id="p_nul\u0000id", store="ama\u0000zon"),
    _item(13, services=["photo", "x" * 300, "a\u0000b"]),
]


def _page(items: list[dict[str, Any]]) -> bytes:
    return json.dumps({"items": items, "next_cursor": "c:hostile", "has_more": False}).encode()


def _stored(engine: Store) -> dict[str, Any]:
    with engine.connect() as conn:
        return {row.id: row for row in conn.execute(select(Registration))}


def test_every_registration_a_database_can_hold_is_stored_and_scans_as_matched(
    engine: Store, proxy: FaultProxy, make_config: MakeConfig
) -> None:
    proxy.add(PARCELS, "answer", status=200, body=_page(HOSTILE))
    config = make_config(proxy.url + "/api/station/v1", page_limit=40)
    loop = SyncLoop(config, engine)
    result = loop.run_once().pull
    assert result is not None and result.completed
    puller = Puller(engine, CentralClient(config.server, TOKEN, STATION), page_limit=40)
    assert puller.stored_cursor() == "c:hostile"  # the page counts as read: the feed goes on after it

    postgres = engine.dialect.name == "postgresql"
    refused = {_HUGE_ID} if postgres else set()
    stored = _stored(engine)
    assert result.set_aside == loop.status.registrations_set_aside == len(refused)
    assert set(stored) == {item["id"].replace("\u0000", "\ufffd") for item in HOSTILE} - refused
    # Stored as given: long strings whole, markup and control characters as text; NUL became U+FFFD.
    assert stored["p_2"].customer_name == "Иван " * 60
    assert stored["p_3"].store == "s" * 200
    assert stored["p_7"].customer_name == "Ivan\ufffdPetrov"
    assert stored["p_8"].customer_name == HOSTILE[7]["customer"]["name"]
    assert stored["p_9"].customer_name == HOSTILE[8]["customer"]["name"]
    assert stored["p_nul\ufffdid"].store == "ama\ufffdzon"
    assert stored["p_13"].services == f"photo {'x' * 300} a\ufffdb"

    with engine.connect() as conn:
        reviews = conn.execute(select(ReviewItem).where(ReviewItem.kind == REFUSED_REGISTRATION)).all()
    assert len(reviews) == len(refused)
    for review in reviews:
        detail = json.loads(review.detail)
        assert _HUGE_ID.startswith(detail["registration_id"])
        assert detail["updated_at"].startswith("2026-11-26T14:06:07")
        assert "index row" in detail["reason"]

    receiver = Receiver(engine, station_id=STATION, undo_window_s=0)
    for item in HOSTILE:
        verdict = receiver.receive(Scan(raw=item["tracking_number"], scanner="test"), "anna")
        if item["id"] in refused:
            expected = Outcome.UNKNOWN  # set aside for review, not stored
        elif item["status"] != "awaiting":
            expected = Outcome.NOT_EXPECTED  # an unknown status is stored and shown as is
        else:
            expected = Outcome.MATCHED
        assert verdict.outcome is expected, (item["id"][:40], verdict)
