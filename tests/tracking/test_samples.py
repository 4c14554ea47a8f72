"""samples.py: deterministic, realistic, and every sample round-trips through parse_scan / registration_keys."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanstation.tracking import parse_scan, registration_keys
from scanstation.tracking.samples import CARRIERS, garbage_scan, routing_only_scan, sample_number, typed_variant


def test_deterministic_for_a_seed() -> None:
    a = [sample_number(random.Random(7)) for _ in range(3)]
    rng1, rng2 = random.Random(42), random.Random(42)
    first = [(sample_number(rng1), typed_variant("1Z999AA10123456784", rng1), garbage_scan(rng1)) for _ in range(500)]
    second = [(sample_number(rng2), typed_variant("1Z999AA10123456784", rng2), garbage_scan(rng2)) for _ in range(500)]
    assert first == second
    assert a[0] == a[1] == a[2]


def test_carrier_mix_is_roughly_the_docks() -> None:
    rng = random.Random(1)
    counts = Counter(sample_number(rng).carrier for _ in range(20_000))
    share = {c: counts[c] / 20_000 for c in CARRIERS}
    assert 0.32 < share["usps"] < 0.38
    assert 0.22 < share["ups"] < 0.28
    assert 0.17 < share["fedex"] < 0.23
    assert 0.10 < share["amazon"] < 0.14
    for rare in ("dhl", "ontrac", "lasership", "s10"):
        assert 0.01 < share[rare] < 0.03


@pytest.mark.parametrize("carrier", CARRIERS)
def test_every_label_scan_meets_every_typed_variant(carrier: str) -> None:
    rng = random.Random(carrier)
    for _ in range(1500):
        sample = sample_number(rng, carrier)
        assert sample.carrier == carrier
        typed = typed_variant(sample.tracking_number, rng)
        keys = registration_keys(typed)
        assert sample.tracking_number in keys, (sample, typed, keys)
        assert sample.label_scans
        for scan in sample.label_scans:
            parsed = parse_scan(scan)
            assert parsed.tracking_number == sample.tracking_number, (scan, parsed)
            assert parsed.keys & keys, (scan, parsed, typed)


def test_typed_variants_are_varied_and_mostly_exact() -> None:
    rng = random.Random(3)
    number = "1Z999AA10123456784"
    variants = [typed_variant(number, rng) for _ in range(5000)]
    exact = sum(v == number for v in variants) / len(variants)
    assert 0.55 < exact < 0.65
    assert any(" " in v for v in variants)
    assert any("-" in v for v in variants)
    assert any("," in v for v in variants)
    assert any(any(c.isalpha() for c in v) for v in variants)  # comments


def test_usps_samples_carry_routing_zip_forms() -> None:
    rng = random.Random(5)
    sample = sample_number(rng, "usps")
    assert sample.label_scans[0].startswith("]C1420")
    assert "\x1d" in sample.label_scans[0]
    assert any(s.startswith("420") and "\x1d" not in s for s in sample.label_scans)


def test_routing_only_and_garbage_scans_have_no_keys() -> None:
    rng = random.Random(9)
    for _ in range(5000):
        routing = routing_only_scan(rng)
        parsed = parse_scan(routing)
        assert parsed.keys == frozenset(), routing
        assert "routing" in (parsed.note or "")
        garbage = garbage_scan(rng)
        assert parse_scan(garbage).keys == frozenset(), repr(garbage)


def test_unknown_carrier_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="usps"):
        sample_number(random.Random(0), "pony-express")


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=2**64), st.sampled_from((None, *CARRIERS)))
def test_any_seed_round_trips(seed: int, carrier: str | None) -> None:
    rng = random.Random(seed)
    sample = sample_number(rng, carrier)
    keys = registration_keys(typed_variant(sample.tracking_number, rng))
    for scan in sample.label_scans:
        assert parse_scan(scan).keys & keys
    assert parse_scan(garbage_scan(rng)).keys == frozenset()
    assert parse_scan(routing_only_scan(rng)).keys == frozenset()
