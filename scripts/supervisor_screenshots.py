"""Screenshots of the supervisor's desk (queue, a parcel's page with suggestions, the shift report), offscreen."""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("SCANSTATION_HOME", tempfile.mkdtemp(prefix="scanstation-shots-home-"))

from sqlalchemy import select, update

from scanstation.access.refusals import check
from scanstation.domain import Actor, Role, Scan
from scanstation.gui import qt
from scanstation.gui.bridge import Bridge, GuiReceiving
from scanstation.gui.i18n import Translations
from scanstation.gui.supervisor.context import SupervisorContext
from scanstation.gui.supervisor.window import SupervisorWindow
from scanstation.receiving import Receiver
from scanstation.review.queue import ExceptionKind
from scanstation.review.resolve import Resolutions
from scanstation.store.connection import Store, close_store, open_store
from scanstation.store.engine import write_transaction
from scanstation.store.models import OutboxEvent, ReviewItem
from scanstation.store.outbox import Rejection, mark_sent_and_rejected
from scanstation.store.registrations import RegistrationRecord, upsert_registrations

ROOT = Path(__file__).resolve().parents[1]
SIZE = (1400, 900)
STATION = "dock-1"
SUPERVISOR = Actor("sven", Role.SUPERVISOR, "Свен Петров")
CLERKS = ("anna", "boris", "dina")
NAMES = (
    "Иван Петров", "Мария Соколова", "Алексей Смирнов", "Ольга Миронова", "Дмитрий Кузнецов", "Анна Лебедева",
    "Сергей Волков", "Екатерина Новикова", "Павел Морозов", "Наталья Козлова", "Андрей Попов", "Татьяна Орлова",
    "Михаил Фёдоров", "Елена Васильева", "Николай Зайцев", "Юлия Павлова", "Роман Семёнов", "Ирина Голубева",
)  # fmt: skip
STORES = (("amazon.com", "113-{:07d}-{:07d}"), ("ebay.com", "26-{:05d}-{:05d}"), ("iherb.com", "IH{:07d}{:03d}"))


def wait(condition: Callable[[], bool], what: str, timeout_s: float = 30.0) -> None:
    # A QEventLoop's processEvents, as scripts/screenshots.py does (QApplication.processEvents leaks on 6.12).
    loop = qt.QEventLoop()
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"supervisor screenshots: timed out waiting for {what}")
        loop.processEvents(qt.QEventLoop.ProcessEventsFlag.AllEvents, 50)


def settle() -> None:
    loop = qt.QEventLoop()
    for _ in range(5):
        loop.processEvents(qt.QEventLoop.ProcessEventsFlag.AllEvents, 50)


def number(n: int) -> str:
    return f"TBA3{n:011d}"


def registrations(store: Store, rng: random.Random, now: datetime) -> list[RegistrationRecord]:
    """What customers registered: most awaited, a pair sharing one number, one shipped, one typed badly, old ones."""
    records = []
    for n in range(1, 61):
        shop, order = STORES[n % len(STORES)]
        records.append(
            RegistrationRecord(
                id=f"p_{n}",
                updated_at=now - timedelta(days=rng.randint(1, 9), minutes=n),
                tracking_typed=number(n),
                order_number=order.format(rng.randint(1, 9_999_999) % 10**5, rng.randint(1, 99_999)),
                store=shop,
                customer_id=f"c_{n % 18}",
                customer_suite=f"UN-{1001 + n % 18}",
                customer_name=NAMES[n % 18],
            )
        )
    twin = records[40]
    records.append(
        RegistrationRecord(
            id="p_twin", updated_at=twin.updated_at, tracking_typed=twin.tracking_typed, order_number="26-48213-11907",
            store="ebay.com", customer_id="c_99", customer_suite="UN-1099", customer_name="Георгий Белов",
        )
    )  # fmt: skip
    records.append(
        RegistrationRecord(
            id="p_bad", updated_at=now - timedelta(days=2), tracking_typed=f"{number(71)} и {number(72)} (две коробки)",
            store="amazon.com", customer_id="c_5", customer_suite="UN-1006", customer_name=NAMES[5],
            order_number="113-5550101-7730215",
        )
    )  # fmt: skip
    for n in (81, 82, 83):
        records.append(
            RegistrationRecord(
                id=f"p_{n}", updated_at=now - timedelta(days=14 + n - 78), tracking_typed=number(n),
                store="iherb.com", customer_id=f"c_{n % 18}", customer_suite=f"UN-{1001 + n % 18}",
                customer_name=NAMES[n % 18], order_number=f"IH{n:07d}",
            )
        )  # fmt: skip
    with write_transaction(store.feed) as conn:
        upsert_registrations(conn, records)
    return records


def shift(store: Store, receiver: Receiver, day: date, rng: random.Random) -> None:
    """A day of scans, 08:00 to 17:00 on the station's clock, with every kind of outcome."""
    start = datetime.combine(day, datetime.min.time()).astimezone().replace(hour=8)
    plan: list[str] = [number(n) for n in range(1, 41)]
    plan += [number(n) for n in (3, 7, 12, 19)]  # scanned twice: duplicates
    plan += [number(41)]  # the number two customers registered: ambiguous
    plan += ["TBA300000000915", "TBA300000000911", "1Z999AA10123456784", "TBA300000000233"]  # nobody's: unknown
    plan += ["QR:WAREHOUSE-7", "0000", "]C0???"]  # unreadable
    rng.shuffle(plan)
    minutes = sorted(rng.sample(range(9 * 60), len(plan)))
    for raw, minute in zip(plan, minutes, strict=True):
        at = (start + timedelta(minutes=minute, seconds=rng.randint(0, 59))).astimezone(UTC)
        receiver.receive(Scan(raw=raw, scanner=rng.choice(("dock-1", "dock-2", "wedge")), at=at), rng.choice(CLERKS))
    # One registration shipped by mistake on the site before its box came: not expected.
    with write_transaction(store.feed) as conn:
        upsert_registrations(
            conn,
            [
                RegistrationRecord(
                    id="p_50", updated_at=datetime.now(UTC), tracking_typed=number(50), store="amazon.com",
                    customer_id="c_14", customer_suite="UN-1015", customer_name=NAMES[14], status="shipped",
                    order_number="113-7001234-5550001",
                )
            ],
        )  # fmt: skip
    receiver.receive(
        Scan(raw=number(50), scanner="dock-1", at=(start + timedelta(hours=8, minutes=40)).astimezone(UTC)), "dina"
    )
    # The server refused one status change: the customer deleted that registration meanwhile.
    with store.connect() as conn:
        event_id = (
            conn.execute(
                select(OutboxEvent.id).where(OutboxEvent.type == "parcel.status_changed").order_by(OutboxEvent.seq)
            )
            .scalars()
            .first()
        )
    assert event_id is not None
    with write_transaction(store) as conn:
        conn.execute(update(OutboxEvent).where(OutboxEvent.id == event_id).values(state="pending"))
        words = "the parcel was deleted by the customer"
        mark_sent_and_rejected(
            conn, [], [Rejection(event_id, f"parcel_deleted: {words}", "parcel_deleted", words)], start
        )
        conn.execute(update(ReviewItem).where(ReviewItem.event_id == event_id).values(created_at=start))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--language", choices=("ru", "en"), default="ru")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="scanstation-supervisor-shots-"))
    store = open_store(f"sqlite:///{folder / 'station.db'}")
    rng = random.Random(2026)
    day = date.today() - timedelta(days=1)
    registrations(store, rng, datetime.now(UTC))

    app = qt.QApplication(sys.argv[:1])
    translations = Translations(app)
    translations.set_language(args.language)
    bridge = Bridge()
    receiver = Receiver(store, station_id=STATION)
    shift(store, receiver, day, rng)
    receiver.close()
    receiver = Receiver(store, station_id=STATION)
    receiving = GuiReceiving.with_worker(
        receiver, bridge, check_act=lambda actor, act: check(store, actor, act, station=STATION)
    )
    receiving.start()
    try:
        context = SupervisorContext(
            runner=receiving.runner,
            store=store,
            actor=lambda: SUPERVISOR,
            station_id=STATION,
            bridge=bridge,
            receiving=receiving,
            resolutions=Resolutions(store, receiver),
        )
        window = SupervisorWindow(context)
        window.resize(*SIZE)
        window.show()
        queue = window.queue
        wait(lambda: queue.model.rowCount() > 0, "the queue")
        queue.table.selectRow(7)
        settle()
        window.grab().save(str(args.out / "supervisor-queue.png"))

        unknown = next(
            i for i in queue.model.rows if i.kind is ExceptionKind.UNKNOWN and i.tracking_number == "TBA300000000915"
        )
        loaded: list[bool] = []
        window.parcel.loaded.connect(lambda: loaded.append(True))
        window.open_item(unknown.id)
        wait(lambda: bool(loaded), "the parcel's page")
        settle()
        window.grab().save(str(args.out / "supervisor-parcel.png"))

        built: list[bool] = []
        window.report.loaded.connect(lambda: built.append(True))
        window.tabs.setCurrentWidget(window.report)
        wait(lambda: bool(built), "the report")
        built.clear()
        window.report.choose_shift("day", day)
        wait(lambda: bool(built), "yesterday's report")
        settle()
        window.grab().save(str(args.out / "supervisor-report.png"))
        window.close()
    finally:
        receiving.stop()
        close_store(store)
    shots = ("supervisor-queue", "supervisor-parcel", "supervisor-report")
    print("supervisor screenshots: " + ", ".join(str(args.out / f"{name}.png") for name in shots))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
