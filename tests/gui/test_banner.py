"""The verdict banner as a clerk meets it: a shape per outcome, a pulse per verdict, back to READY, what to act on."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from scanstation.config.load import parse_config_text
from scanstation.domain import FirstReceipt, Outcome, Scan, Verdict
from scanstation.gui import qt
from scanstation.gui.clerk.banner import VerdictBanner
from scanstation.gui.clerk.shapes import SHAPES
from scanstation.gui.texts import COLOURS, banner_for, banner_undone, status_word
from scanstation.receiving import UNDONE_NOTHING_SENT
from scanstation.tracking.samples import sample_number

from .conftest import OPERATOR, Station

UPS = "1Z999AA10123456784"
USPS = "9400111899223197428490"
UPS_UNREGISTERED = "1Z0715X10190647079"

pytestmark = pytest.mark.gui


def _verdict(outcome: Outcome, **fields: Any) -> Verdict:
    values: dict[str, Any] = {"tracking_number": UPS, "customer_suite": "UN-0101"}
    values.update(fields)
    return Verdict("s-1", outcome, UPS, "dock-1", OPERATOR, "st-gui", datetime.now(UTC), **values)


def _shape_image(banner: VerdictBanner) -> qt.QImage:
    return banner.icon.grab().toImage()


def test_each_outcome_has_its_own_shape_beside_its_word(qtbot: Any) -> None:
    banner = VerdictBanner()
    qtbot.addWidget(banner)
    banner.resize(1000, 700)
    banner.show()
    shapes, pictures = {}, {}
    for outcome in Outcome:
        banner.show_text(banner_for(_verdict(outcome)))
        assert banner.icon.isVisible(), outcome
        shapes[outcome] = banner.icon.shape
        # Drawn in the same two colours for every outcome, so only the shape can tell them apart.
        banner.icon.show_shape(banner.icon.shape, "#000000", "#ffffff")
        pictures[outcome] = _shape_image(banner)
    assert len(set(shapes.values())) == len(Outcome)
    for a, b in itertools.combinations(Outcome, 2):
        assert pictures[a] != pictures[b], f"{a} and {b} look the same"
    blank = qt.QImage(pictures[Outcome.MATCHED])
    blank.fill(qt.QColor("#ffffff"))
    assert all(picture != blank for picture in pictures.values())


def test_the_key_word_and_its_shape_fit_a_narrow_banner(qtbot: Any) -> None:
    banner = VerdictBanner()
    qtbot.addWidget(banner)
    banner.resize(560, 700)  # the banner beside the demo's labels and the shift's lists
    banner.show()
    banner.show_text(banner_for(_verdict(Outcome.DUPLICATE, first_receipt=None)))
    qtbot.waitUntil(lambda: banner.word.isVisible())
    left = banner.icon.geometry().left()
    right = banner.word.x() + qt.QFontMetricsF(banner.word.font()).horizontalAdvance(banner.word.text())
    assert left >= 0 and right <= banner.width(), (left, right, banner.width())
    banner.resize(1400, 700)  # with room again, the word is back at its full size
    qtbot.waitUntil(lambda: banner.word.font().pointSizeF() >= 44)


def test_the_ready_banner_has_no_shape(station: Station) -> None:
    station.log_in()
    assert station.banner()[0] == "READY"
    assert not station.window.banner.icon.isVisible()


def test_two_identical_verdicts_in_a_row_are_two_pulses(station: Station, register: Callable[..., Any]) -> None:
    register(UPS)
    station.log_in()
    banner = station.window.banner
    frames: list[tuple[float, bool]] = []

    def seen(_payload: object) -> None:
        # At the moment the verdict is shown: the frame is wide, in the text colour, where it rests in the background.
        image = banner.grab().toImage()
        frames.append((banner.frame_width(), image.pixelColor(16, image.height() // 2).name() == banner.foreground()))

    station.window.banner_shown.connect(seen)
    station.type_number(UPS)
    before = banner.pulse_count
    station.type_number(UPS)
    station.type_number(UPS)
    assert banner.pulse_count == before + 2
    assert [word for word, *_ in [station.banner()]] == ["ALREADY RECEIVED"]
    assert frames[-2:] == [(banner.FRAME_WIDTH + banner.PULSE_WIDTH, True)] * 2
    # No sound device here, so the banner also flashes; both end, and the frame is thin again.
    station.qtbot.waitUntil(lambda: not banner.pulsing and not banner.flashing, timeout=5_000)
    assert banner.frame_width() == banner.FRAME_WIDTH
    image = banner.grab().toImage()
    assert image.pixelColor(16, image.height() // 2).name() == COLOURS[Outcome.DUPLICATE][0]


def test_the_banner_goes_back_to_ready_after_the_idle_time(station: Station, register: Callable[..., Any]) -> None:
    register(UPS)
    station.log_in()
    banner = station.window.banner
    banner.set_ready_after(0.3)
    assert banner.ready_left_ms() == -1  # READY is on screen: nothing is due
    station.type_number(UPS)
    assert station.banner()[0] == "НА СКЛАДЕ"
    assert 0 <= banner.ready_left_ms() <= 300
    with station.qtbot.waitSignal(station.window.banner_shown, timeout=5_000):
        pass
    assert station.banner() == ("READY", "", "scan a parcel")
    assert banner.ready_left_ms() == -1

    banner.set_ready_after(0)  # 0: the last verdict stays
    station.type_number(UPS)
    assert station.banner()[0] == "ALREADY RECEIVED"
    assert banner.ready_left_ms() == -1


def test_ready_after_is_a_gui_setting_with_a_default() -> None:
    base = '[station]\nid = "st"\n[database]\nurl = "sqlite:///x.db"\n'
    assert parse_config_text(base, "x.toml").gui.ready_after_s == 60.0
    assert parse_config_text(base + "[gui]\nready_after_s = 0\n", "x.toml").gui.ready_after_s == 0.0
    assert parse_config_text(base + "[gui]\nready_after_s = 12.5\n", "x.toml").gui.ready_after_s == 12.5


def _third_number() -> str:
    return sample_number(random.Random(7), "fedex").tracking_number


def test_a_split_order_shows_its_progress_as_a_badge_and_a_cue_when_complete(
    station: Station, register: Callable[..., Any]
) -> None:
    third = _third_number()
    for number in (UPS, USPS, third):
        register(number, order_number="113-9", services=("consolidate",))
    station.log_in()
    banner = station.window.banner
    station.type_number(UPS)
    progress = banner.progress()
    assert progress is not None and not progress.complete
    assert (progress.label.text(), progress.caption.text()) == ("1 of 3", "parcels of this order are here")
    station.type_number(USPS)
    progress = banner.progress()
    assert progress is not None and progress.label.text() == "2 of 3"
    # As large as a service badge's word, and not a detail line any more.
    assert progress.label.font().pointSizeF() >= banner.services()[0].badge.font().pointSizeF()
    assert "2 of 3" not in banner.details.text()

    station.type_number(third)
    progress = banner.progress()
    assert progress is not None and progress.complete
    assert progress.label.text() == "3 of 3: order complete"
    assert progress.icon.isVisible() and progress.icon.shape == SHAPES["complete"]


def test_a_duplicate_says_which_shelf_when_and_by_whom_and_asks_no_service_again(
    station: Station, register: Callable[..., Any]
) -> None:
    register(UPS, services=("photo",), customer_suite="UN-0101")
    station.log_in()
    first = station.type_number(UPS)
    assert [b.badge.text() for b in station.window.banner.services()] == ["PHOTO"]
    station.type_number(UPS)
    at = first.at.astimezone().strftime("%H:%M")
    assert station.banner() == ("ALREADY RECEIVED", "UN-0101", f"already on shelf UN-0101 — received {at} by anna")
    assert station.window.banner.services() == []
    assert "services asked at the first receipt: PHOTO" in station.window.banner.details.text()


def test_a_duplicate_of_an_unknown_parcel_sends_it_to_the_unknown_shelf(station: Station) -> None:
    station.log_in()
    first = station.type_number(UPS_UNREGISTERED)
    assert first.outcome is Outcome.UNKNOWN
    second = station.type_number(UPS_UNREGISTERED)
    assert second.outcome is Outcome.DUPLICATE
    word, big, action = station.banner()
    at = first.at.astimezone().strftime("%H:%M")
    assert (word, big) == ("ALREADY RECEIVED", "1Z 071 5X1 01 9064 7079")
    assert action == f"to the unknown shelf: it is already on it — received {at} by anna"


def test_a_duplicate_received_elsewhere_or_on_another_day_says_so(qapp: Any) -> None:
    earlier = datetime(2026, 11, 20, 9, 5, tzinfo=UTC)
    text = banner_for(_verdict(Outcome.DUPLICATE, first_receipt=FirstReceipt(earlier, "st-2", "olga")))
    shown = earlier.astimezone().strftime("%d.%m %H:%M")
    assert text.action == f"already on shelf UN-0101 — received {shown} by olga, station st-2"
    text = banner_for(_verdict(Outcome.DUPLICATE, first_receipt=FirstReceipt(earlier, None, None)))
    assert text.action == f"already on shelf UN-0101 — received {shown} at another station"


def test_not_expected_shows_the_status_large_and_the_suite_small(
    station: Station, register: Callable[..., Any]
) -> None:
    register(UPS, status="shipped", services=("photo",), customer_suite="UN-0107")
    register(USPS)
    station.log_in()
    station.type_number(USPS)
    match_points = station.window.banner.big.font().pointSizeF()
    station.type_number(UPS)
    banner = station.window.banner
    assert station.banner() == ("NOT EXPECTED", "SHIPPED", "do not shelve: call a supervisor")
    assert banner.big.font().pointSizeF() < 0.7 * match_points
    assert banner.details.text().splitlines()[0] == "UN-0107 · Иван Петров · amazon.com"
    assert banner.services() == []  # nothing to do to a parcel that is not to be shelved


def test_status_words_known_translated_and_unknown_codes_as_they_are(qapp: Any) -> None:
    assert [status_word(s) for s in ("awaiting", "at_warehouse", "packed", "shipped", "delivered")] == [
        "ОЖИДАЕМ",
        "НА СКЛАДЕ",
        "PACKED",
        "SHIPPED",
        "DELIVERED",
    ]
    assert status_word("customs_hold") == "customs_hold"
    assert banner_for(_verdict(Outcome.NOT_EXPECTED, status="customs_hold")).big == "customs_hold"


def test_ambiguous_shows_the_candidate_suites(station: Station, register: Callable[..., Any]) -> None:
    register(UPS, customer_id="c_1", customer_suite="UN-0106")
    register(UPS, customer_id="c_2", customer_suite="UN-0108")
    station.log_in()
    station.type_number(UPS)
    assert station.banner() == ("AMBIGUOUS", "UN-0106 · UN-0108", "do not shelve: call a supervisor")
    assert "2 customers registered this number: 1Z 999 AA1 01 2345 6784" in station.window.banner.details.text()


def test_unknown_shows_the_number_as_printed_and_what_to_write_on_the_box(station: Station) -> None:
    station.log_in()
    verdict = station.type_number(UPS_UNREGISTERED)
    day = verdict.at.astimezone().strftime("%d.%m")
    assert station.banner() == (
        "UNKNOWN",
        "1Z 071 5X1 01 9064 7079",
        f"write 7079 and {day} on the box, put it on the unknown shelf",
    )


def test_the_russian_screen_is_russian_throughout(station: Station, register: Callable[..., Any]) -> None:
    register(UPS, status="shipped")
    w = station.window
    station.qtbot.keyClick(w, qt.Qt.Key.Key_F9)  # Russian
    # Nobody logged in: the scan is the conveyor's, in Russian.
    verdict = station.wait_banner(lambda: w.submit(Scan(UPS, "dock-1")))
    assert verdict.operator == "conveyor"
    word, big, action = station.banner()
    assert (word, big, action) == ("НЕ ОЖИДАЕТСЯ", "ОТПРАВЛЕНА", "не ставьте на полку: позовите старшего")
    assert "никто не вошёл: записано на конвейер" in w.banner.details.text()
    assert "conveyor" not in w.banner.details.text()
    undone = banner_undone("1Z99", UNDONE_NOTHING_SENT)
    assert undone.details == ("отменено; ничего не отправлено",)
    station.qtbot.keyClick(w, qt.Qt.Key.Key_F9)
