"""Generated registrations: the count, determinism, and realistic shares of carriers, orders, services, typing."""

from __future__ import annotations

import collections
import re
from pathlib import Path
from typing import Any

import msgspec
import pytest

from scanstation.devserver import DevServer
from scanstation.devserver.generate import generate_batches
from scanstation.devserver.wire import SERVICES
from scanstation.tracking import parse_typed
from tests.devserver.conftest import Api

COUNT = 20_000


def _items(count: int, seed: int, **kwargs: Any) -> list[dict[str, Any]]:
    return [msgspec.json.decode(row[-1]) for _, rows in generate_batches(count, seed=seed, **kwargs) for row in rows]


@pytest.fixture(scope="module")
def items() -> list[dict[str, Any]]:
    return _items(COUNT, 1)


def _without_time(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in item.items() if k != "updated_at"} for item in items]


def test_the_server_serves_exactly_the_generated_registrations_in_order(tmp_path: Path) -> None:
    progress: list[tuple[int, int]] = []
    dev = DevServer(tmp_path / "c.sqlite3", parcels=2500, seed=9)
    dev.start(on_progress=lambda done, total: progress.append((done, total)))
    try:
        pulled, _ = Api(dev).pull_all(limit=5000)
    finally:
        dev.stop()
    assert [item["id"] for item in pulled] == [f"p_{n}" for n in range(1, 2501)]
    assert _without_time(pulled) == _without_time(_items(2500, 9))
    assert progress[-1] == (2500, 2500)
    stamps = [item["updated_at"] for item in pulled]
    assert stamps == sorted(stamps)


def test_the_same_seed_gives_the_same_registrations_and_another_seed_others() -> None:
    first = _items(3000, 1)
    assert _without_time(_items(3000, 1)) == _without_time(first)
    other = _items(3000, 2)
    same = sum(a["tracking_number"] == b["tracking_number"] for a, b in zip(other, first, strict=True))
    assert same < 10


@pytest.mark.slow
def test_worker_processes_build_the_same_registrations_as_a_thread() -> None:
    count = 45_000  # three chunks
    assert _without_time(_items(count, 4, processes=True)) == _without_time(_items(count, 4, processes=False))


def test_orders_are_split_into_two_to_four_parcels_of_one_customer(items: list[dict[str, Any]]) -> None:
    orders: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
    for item in items:
        orders[item["order_number"]].append(item)
    split = [group for group in orders.values() if len(group) > 1]
    in_split = sum(len(group) for group in split)
    assert 0.12 < in_split / COUNT < 0.45
    assert {len(group) for group in split} >= {2, 3, 4}
    assert max(len(group) for group in split) <= 4
    for group in split:
        assert len({(i["customer"]["id"], i["store"]) for i in group}) == 1
    amazon = [o for o, g in orders.items() if g[0]["store"] == "amazon.com"]
    assert all(re.fullmatch(r"1\d\d-\d{7}-\d{7}", order) for order in amazon)


def test_services_come_from_the_contracts_list_in_a_realistic_share(items: list[dict[str, Any]]) -> None:
    with_services = [item for item in items if item["services"]]
    assert 0.35 < len(with_services) / COUNT < 0.65
    used = collections.Counter(code for item in items for code in item["services"])
    assert set(used) == set(SERVICES)
    assert used.most_common(1)[0][0] == "photo"
    for item in with_services:
        assert item["services"] == sorted(set(item["services"]), key=SERVICES.index)


def test_customers_have_russian_and_latin_names_and_suites(items: list[dict[str, Any]]) -> None:
    customers = {item["customer"]["id"]: item["customer"] for item in items}
    assert len(customers) > COUNT // 5
    cyrillic = sum(bool(re.fullmatch(r"[А-ЯЁ][а-яё]+ [А-ЯЁ][а-яё]+", c["name"])) for c in customers.values())
    latin = sum(bool(re.fullmatch(r"[A-Z][a-z']+ [A-Z][a-z']+", c["name"])) for c in customers.values())
    assert cyrillic + latin == len(customers)
    assert 0.5 < cyrillic / len(customers) < 0.8
    assert all(re.fullmatch(r"UN-\d{4,}", c["suite"]) for c in customers.values())
    assert len({c["suite"] for c in customers.values()}) == len(customers)


def test_stores_are_a_realistic_mix(items: list[dict[str, Any]]) -> None:
    stores = collections.Counter(item["store"] for item in items)
    assert stores.most_common(1)[0][0] == "amazon.com"
    assert {"amazon.com", "ebay.com", "walmart.com", "iherb.com"} <= set(stores)
    assert len(stores) >= 10


def test_customers_type_numbers_the_way_people_do(items: list[dict[str, Any]]) -> None:
    typed = [item["tracking_number"] for item in items]
    clean = sum(bool(re.fullmatch(r"[0-9A-Z]+", t)) for t in typed)
    assert 0.45 < clean / COUNT < 0.75
    assert any(" " in t.strip() for t in typed)
    assert any("-" in t for t in typed)
    assert any(re.fullmatch(r"[0-9a-z]+", t) and re.search(r"[a-z]", t) for t in typed)
    assert any("," in t for t in typed)
    assert any(re.search(r"[a-z]{4,}", t.lower().replace("tracking", "")) for t in typed)
    assert any(t != t.strip() for t in typed)


def test_the_carrier_mix_is_realistic_and_the_station_can_read_what_customers_typed(
    items: list[dict[str, Any]],
) -> None:
    sample = items[:4000]
    parsed = [parse_typed(item["tracking_number"]) for item in sample]
    assert sum(bool(p.keys) for p in parsed) / len(sample) > 0.97
    carriers = collections.Counter(p.carrier for p in parsed if p.keys)
    share = {carrier: n / len(sample) for carrier, n in carriers.items()}
    assert share["usps"] > 0.2
    assert share["ups"] > 0.15
    assert share["fedex"] > 0.08
    assert share["amazon"] > 0.05
    assert len(carriers) >= 6


def test_a_few_numbers_were_registered_by_two_customers(items: list[dict[str, Any]]) -> None:
    by_number: dict[str, set[str]] = collections.defaultdict(set)
    for item in items:
        by_number[re.sub(r"[^0-9A-Z]", "", item["tracking_number"].upper())].add(item["customer"]["id"])
    shared = [n for n, who in by_number.items() if len(who) > 1]
    assert 0 < len(shared) < COUNT / 1000
