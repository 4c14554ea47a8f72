"""The answers' contract checks: what is accepted, and that every kind of breakage is caught."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from scanstation.sync.contract import (
    ContractError,
    check_events_answer,
    decode_events_answer,
    decode_health,
    decode_page,
)


def _item(**over: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": "p_10482",
        "tracking_number": "1Z 999 AA1 01 2345 6784",
        "order_number": "113-4567890-1234567",
        "store": "amazon.com",
        "customer": {"id": "c_77", "suite": "UN-1234", "name": "Иван Петров"},
        "services": ["photo", "remove_invoice"],
        "status": "awaiting",
        "deleted": False,
        "updated_at": "2026-11-26T14:03:07Z",
    }
    item.update(over)
    return item


def _page(*items: dict[str, Any], has_more: bool = False, cursor: Any = "c:1") -> bytes:
    return json.dumps({"items": list(items), "next_cursor": cursor, "has_more": has_more}).encode()


def test_the_contract_example_page_decodes_with_utc_times() -> None:
    page = decode_page(_page(_item(), _item(id="p_2", updated_at="2026-11-26T14:03:07.123456Z")), 10)
    assert [i.id for i in page.items] == ["p_10482", "p_2"]
    assert page.items[0].updated_at == datetime(2026, 11, 26, 14, 3, 7, tzinfo=UTC)
    assert page.items[0].customer.suite == "UN-1234"  # type: ignore[union-attr]
    assert page.next_cursor == "c:1"
    assert page.has_more is False


def test_a_tombstone_needs_only_id_and_updated_at() -> None:
    page = decode_page(_page({"id": "p_3", "deleted": True, "updated_at": "2026-11-26T14:03:07Z"}), 10)
    assert page.items[0].deleted is True


def test_unknown_status_and_service_codes_and_extra_fields_are_kept() -> None:
    page = decode_page(_page(_item(status="shipped", services=["gift_wrap"], future_field=1)), 10)
    assert page.items[0].status == "shipped"
    assert page.items[0].services == ["gift_wrap"]


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"not json", "not JSON"),
        (b"[]", "Expected `object`"),
        (_page(_item(updated_at="2026-11-26T17:03:07+03:00")), "not in UTC"),
        (_page(_item(updated_at="2026-11-26T14:03:07")), "timezone"),
        (_page(_item(updated_at="yesterday")), "datetime"),
        (_page(_item(tracking_number=12345)), "Expected `str`"),
        (_page(_item(deleted="no")), "Expected `bool`"),
        (_page({k: v for k, v in _item().items() if k != "customer"}), "without `customer`"),
        (_page({k: v for k, v in _item().items() if k != "tracking_number"}), "without `tracking_number`"),
        (_page({k: v for k, v in _item().items() if k != "deleted"}), "deleted"),
        (_page(_item(services=["photo contents"])), "service code"),
        (_page(_item(id="")), "length"),
        (_page(_item(customer={"id": "c_1"})), "suite"),
        (_page(_item(), cursor=None), "next_cursor"),
        (_page(has_more=True), "empty page"),
        (json.dumps({"items": [], "has_more": False}).encode(), "next_cursor"),
    ],
)
def test_a_page_that_breaks_the_contract_is_refused(body: bytes, why: str) -> None:
    with pytest.raises(ContractError, match=why):
        decode_page(body, 10)


def test_more_items_than_asked_for_is_refused() -> None:
    with pytest.raises(ContractError, match="limit=1"):
        decode_page(_page(_item(), _item(id="p_2")), 1)


def test_health() -> None:
    assert decode_health(b'{"status": "ok", "server_time": "2026-11-26T14:03:07Z"}').server_time.year == 2026
    with pytest.raises(ContractError):
        decode_health(b'{"status": "down", "server_time": "2026-11-26T14:03:07Z"}')
    with pytest.raises(ContractError):
        decode_health(b'{"status": "ok", "server_time": "2026-11-26T14:03:07+01:00"}')


def test_events_answer_must_match_what_was_sent() -> None:
    body = b'{"results": [{"id": "a", "status": "accepted"}, {"id": "b", "status": "duplicate"}]}'
    check_events_answer(decode_events_answer(body), ["a", "b"])
    with pytest.raises(ContractError, match="results for"):
        check_events_answer(decode_events_answer(body), ["a", "b", "c"])
    with pytest.raises(ContractError, match="order"):
        check_events_answer(decode_events_answer(body), ["b", "a"])
    with pytest.raises(ContractError, match="without an error"):
        check_events_answer(decode_events_answer(b'{"results": [{"id": "a", "status": "rejected"}]}'), ["a"])
    with pytest.raises(ContractError, match="Invalid enum value"):
        decode_events_answer(b'{"results": [{"id": "a", "status": "maybe"}]}')
    rejected = decode_events_answer(
        b'{"results": [{"id": "a", "status": "rejected", "error": {"code": "unknown_parcel", "message": "no"}}]}'
    )
    check_events_answer(rejected, ["a"])
    assert rejected.results[0].error is not None
    assert rejected.results[0].error.code == "unknown_parcel"


DEEP = b"[" * 100_000


@pytest.mark.parametrize(
    ("decode", "body"),
    [
        (decode_health, b'{"status": "ok", "extra": ' + DEEP),
        (lambda body: decode_page(body, 10), b'{"items": [], "extra": ' + DEEP),
        (lambda body: decode_page(body, 10), b'{"items": [{"id": "p_1", "extra": ' + DEEP),
        (decode_events_answer, b'{"results": [{"id": "x", "extra": ' + b'{"a": ' * 100_000),
    ],
    ids=["health", "page", "page-item", "events"],
)
def test_json_nested_past_any_depth_is_a_contract_error(decode: Any, body: bytes) -> None:
    with pytest.raises(ContractError, match="nested too deeply"):
        decode(body)
