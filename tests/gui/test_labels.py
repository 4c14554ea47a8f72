"""Demo labels are real barcodes: decoding the rendered bars gives back exactly what a scanner would send."""

from __future__ import annotations

import re

import pytest
from barcode.charsets import code128

from scanstation.domain import new_badge_secret
from scanstation.gui.demo_panel import svg_pixmap
from scanstation.labels.badge import badge_svg
from scanstation.labels.barcodes import GS, LabelError, code128_svg
from scanstation.labels.samples import demo_labels, demo_registrations
from scanstation.tracking import parse_scan, parse_typed

MODULE_MM = 0.3
_RECT = re.compile(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="[\d.]+" style="fill:black;"/>')


def decode_code128(svg: bytes) -> tuple[str, bool]:
    """Read the bars of an SVG as a scanner does: (data with GS for inner FNC1s, whether it is GS1-128)."""
    bars = [(float(x), float(w)) for x, w in _RECT.findall(svg.decode())]
    start = bars[0][0]
    end = bars[-1][0] + bars[-1][1]
    modules = ["0"] * round((end - start) / MODULE_MM)
    for x, w in bars:
        first = round((x - start) / MODULE_MM)
        for i in range(first, first + round(w / MODULE_MM)):
            modules[i] = "1"
    bits = "".join(modules)
    assert bits.endswith(code128.STOP + "11"), "no stop pattern"
    body = bits[: -len(code128.STOP) - 2]
    values = [code128.CODES.index(body[i : i + 11]) for i in range(0, len(body), 11)]
    start_value, *data, check = values
    assert (start_value + sum(i * v for i, v in enumerate(data, 1))) % 103 == check, "bad check symbol"
    charset = {103: "A", 104: "B", 105: "C"}[start_value]
    out: list[str] = []
    gs1 = bool(data) and data[0] == 102
    for value in data[1:] if gs1 else data:
        if value == 102:
            out.append(GS)
        elif charset == "C" and value < 100:
            out.append(f"{value:02d}")
        elif charset != "C" and value < 96:
            out.append(chr(value + 32) if charset == "B" or value < 64 else chr(value - 64))
        else:
            charset = {99: "C", 100: "B", 101: "A"}[value]
    return "".join(out), gs1


@pytest.mark.parametrize("label", demo_labels(), ids=lambda label: label.key)
def test_bars_decode_to_the_scan_and_the_scan_matches_its_registration(label: object) -> None:
    from scanstation.labels.samples import DemoLabel

    assert isinstance(label, DemoLabel)
    data, gs1 = decode_code128(label.svg())
    assert data == label.scan
    assert gs1 == label.gs1
    parsed = parse_scan(label.scan)
    assert parsed.tracking_number == label.tracking_number
    if label.registration is not None:
        assert parsed.keys & parse_typed(label.registration.typed).keys


def test_demo_set_has_the_carrier_forms_a_split_order_and_an_unregistered_parcel() -> None:
    labels = {label.key: label for label in demo_labels()}
    assert labels["usps"].scan.startswith("420") and GS in labels["usps"].scan
    assert len(labels["fedex34"].scan) == 34 and labels["fedex34"].scan.endswith(
        labels["fedex34"].tracking_number or "-"
    )
    assert labels["ups"].scan.startswith("1Z")
    assert labels["amazon"].scan.startswith("TBA")
    assert labels["unknown"].registration is None
    assert labels["ups"].registration is not None and labels["ups"].registration.services
    regs = demo_registrations(list(labels.values()))
    split = [r for r in regs if r.order_number == labels["split1"].registration.order_number]  # type: ignore[union-attr]
    assert len(split) == 3


def test_what_code128_cannot_carry_is_refused_with_the_character() -> None:
    with pytest.raises(LabelError, match="'é'"):
        code128_svg("café")
    with pytest.raises(LabelError, match="GS1-128"):
        code128_svg(f"420123{GS}9400")


def test_svg_renders_to_a_pixmap_with_bars(qapp: object) -> None:
    pixmap = svg_pixmap(code128_svg("TBA123456789012"), 300)
    image = pixmap.toImage()
    assert image.width() == 300
    row = image.height() // 3
    dark = sum(1 for x in range(300) if image.pixelColor(x, row).lightness() < 128)
    assert 60 < dark < 240  # bars and spaces across the middle, not an empty or black box


def test_a_badge_carries_its_secret_in_the_bars_and_the_name_under_them() -> None:
    secret = new_badge_secret()
    svg = badge_svg("Анна  <K> & Co", secret)
    assert decode_code128(svg) == (secret, False)
    assert secret.encode() not in svg
    assert "Анна &lt;K&gt; &amp; Co" in svg.decode()
    with pytest.raises(LabelError, match="not a badge secret"):
        badge_svg("Anna", "1Z999AA10123456784")
