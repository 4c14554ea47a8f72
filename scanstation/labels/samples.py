"""The demo's sample labels: parcels as their carriers print them, and what customers registered for them."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from scanstation.labels.barcodes import GS, code128_svg
from scanstation.tracking.printed import group_for_print
from scanstation.tracking.samples import SampleNumber, sample_number

SPLIT_ORDER: Final = "113-7766554-0012345"


@dataclass(frozen=True, slots=True)
class DemoRegistration:
    """What a customer typed on the site for one parcel (loaded into the simulator of the central server)."""

    typed: str
    order_number: str
    store: str
    suite: str
    name: str
    services: tuple[str, ...] = ()
    status: str = "awaiting"  # a later stage (e.g. "shipped") makes a scan of it not_expected


@dataclass(frozen=True, slots=True)
class DemoLabel:
    """One printed label: its barcode, what a scanner sends for it, and whether anyone registered the parcel."""

    key: str
    title: str  # what the demo shows above the barcode (English; the demo panel translates the kind)
    carrier: str
    tracking_number: str | None  # the number the customer sees; None for a label that carries none
    scan: str  # exactly what a scanner sends, framing excluded (GS for an FNC1 separator)
    barcode_data: str  # what the bars encode (GS marks an FNC1 in GS1-128)
    gs1: bool
    human: str  # the human-readable line under the bars
    registration: DemoRegistration | None

    def svg(self) -> bytes:
        return code128_svg(self.barcode_data, gs1=self.gs1, text=self.human)


def _find(rng: random.Random, carrier: str, want: Callable[[SampleNumber], bool]) -> SampleNumber:
    for _ in range(10_000):
        sample = sample_number(rng, carrier)
        if want(sample):
            return sample
    raise RuntimeError(f"no {carrier} sample of the wanted form")  # pragma: no cover - the generators cover them


def _usps_label(key: str, title: str, sample: SampleNumber, reg: DemoRegistration | None) -> DemoLabel:
    # IMpb: [FNC1] 420 ZIP [FNC1] PIC; a scanner without AIM ids sends "420ZIP<GS>PIC".
    scan = next(s for s in sample.label_scans if s.startswith("420") and GS in s)
    zip_code = scan[3 : scan.index(GS)]
    human = f"(420) {zip_code} {group_for_print(sample.tracking_number, sample.carrier)}"
    return DemoLabel(key, title, "usps", sample.tracking_number, scan, scan, True, human, reg)


def _plain_label(key: str, title: str, sample: SampleNumber, data: str, reg: DemoRegistration | None) -> DemoLabel:
    human = group_for_print(data, sample.carrier)  # the groups the clerk's screen shows too
    return DemoLabel(key, title, sample.carrier, sample.tracking_number, data, data, False, human, reg)


def demo_labels(seed: int = 2026) -> list[DemoLabel]:
    """The fixed set the demo shows (deterministic for a seed): every outcome a clerk meets on a first day."""
    rng = random.Random(seed)
    labels: list[DemoLabel] = []

    ups = _find(rng, "ups", lambda s: True)
    labels.append(
        _plain_label(
            "ups",
            "UPS 1Z · services",
            ups,
            ups.tracking_number,
            DemoRegistration(
                group_for_print(ups.tracking_number, "ups").lower(),  # typed with spaces and in lower case
                "113-2211334-5566778",
                "amazon.com",
                "UN-0101",
                "Иван Петров",
                ("photo", "remove_invoice"),
            ),
        )
    )
    fedex = _find(rng, "fedex", lambda s: len(s.label_scans[0]) == 34)
    labels.append(
        _plain_label(
            "fedex34",
            "FedEx 34-digit barcode",
            fedex,
            fedex.label_scans[0],
            DemoRegistration(fedex.tracking_number, "W-88120455", "walmart.com", "UN-0102", "Мария Смирнова"),
        )
    )
    usps = _find(rng, "usps", lambda s: len(s.tracking_number) == 22)
    labels.append(
        _usps_label(
            "usps",
            "USPS IMpb 420+ZIP",
            usps,
            DemoRegistration(
                f"USPS {usps.tracking_number}",
                "1144-55",
                "bestbuy.com",
                "UN-0104",
                "Ольга Иванова",
                ("photo_contents",),
            ),
        )
    )
    amazon = _find(rng, "amazon", lambda s: s.tracking_number.startswith("TBA"))
    labels.append(
        _plain_label(
            "amazon",
            "Amazon TBA",
            amazon,
            amazon.tracking_number,
            DemoRegistration(amazon.tracking_number, "114-9988776-1122334", "amazon.com", "UN-0105", "Павел Орлов"),
        )
    )
    # A split order: three parcels of one order, two labels shown (the third is still on its way).
    split = DemoRegistration("", SPLIT_ORDER, "macys.com", "UN-0103", "Анна Кузнецова", ("consolidate",))
    first = _find(rng, "usps", lambda s: len(s.tracking_number) == 22)
    labels.append(_usps_label("split1", "Split order · parcel 1 of 3", first, _with(split, first.tracking_number)))
    second = _find(rng, "ups", lambda s: True)
    labels.append(
        _plain_label(
            "split2",
            "Split order · parcel 2 of 3",
            second,
            second.tracking_number,
            _with(split, second.tracking_number),
        )
    )
    twice = _find(rng, "ups", lambda s: True)
    labels.append(
        _plain_label(
            "ambiguous",
            "Two customers typed this number",
            twice,
            twice.tracking_number,
            DemoRegistration(twice.tracking_number, "555-1", "ebay.com", "UN-0106", "Сергей Волков"),
        )
    )
    gone = _find(rng, "amazon", lambda s: s.tracking_number.startswith("TBA"))
    labels.append(
        _plain_label(
            "shipped",
            "Already shipped to the customer",
            gone,
            gone.tracking_number,
            DemoRegistration(
                gone.tracking_number, "114-0001", "amazon.com", "UN-0107", "Елена Соколова", status="shipped"
            ),
        )
    )
    nobody = _find(rng, "usps", lambda s: len(s.tracking_number) == 22)
    labels.append(_usps_label("unknown", "Nobody registered this", nobody, None))
    labels.append(
        DemoLabel("garbage", "Not a tracking number", "", None, "HELLO-42", "HELLO-42", False, "HELLO-42", None)
    )
    return labels


def _with(reg: DemoRegistration, typed: str) -> DemoRegistration:
    return DemoRegistration(typed, reg.order_number, reg.store, reg.suite, reg.name, reg.services, reg.status)


def demo_registrations(labels: list[DemoLabel], seed: int = 2026) -> list[DemoRegistration]:
    """Every registration behind the labels, plus two without a label of their own.

    The split order's third parcel (still on its way), and a second customer's registration of the
    "ambiguous" label's number.
    """
    regs = [label.registration for label in labels if label.registration is not None]
    split = next(r for r in regs if r.order_number == SPLIT_ORDER)
    third = sample_number(random.Random(seed + 1), "amazon").tracking_number
    twice = next(label for label in labels if label.key == "ambiguous")
    other = DemoRegistration(twice.scan, "777-2", "ebay.com", "UN-0108", "Дмитрий Новиков")
    return [*regs, _with(split, third), other]
