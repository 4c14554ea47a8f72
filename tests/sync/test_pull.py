"""Pull against the simulator over real HTTP, on SQLite and PostgreSQL: pages, edits, tombstones, 410, receipts."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from scanstation.devserver import DevServer
from scanstation.domain import NOTE_RESOLVED_LATER, Outcome, Scan
from scanstation.receiving import Receiver, parcel_status
from scanstation.store.connection import Store
from scanstation.store.models import FeedState, Receipt, Registration, RegistrationKey
from scanstation.store.state import get_state
from scanstation.sync.client import CentralClient
from scanstation.sync.contract import ContractError
from scanstation.sync.pull import CURSOR_KEY, Puller
from scanstation.tracking import parse_typed, registration_keys

from .conftest import STATION, MakeConfig
from .faultproxy import FaultProxy


def _puller(engine: Store, config: object, **kw: object) -> Puller:
    client = CentralClient(config.server, config.server_token(), STATION)  # type: ignore[attr-defined]
    return Puller(engine, client, page_limit=config.server.page_limit, **kw)  # type: ignore[attr-defined,arg-type]


def _count(engine: Store, model: type, *where: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(model).where(*where)).scalar_one())  # type: ignore[arg-type]


def _cursor(engine: Store) -> str | None:
    with engine.connect() as conn:
        return get_state(conn, CURSOR_KEY, FeedState)


def _reg(engine: Store, rid: str) -> Registration:
    with engine.connect() as conn:
        row = conn.execute(select(Registration).where(Registration.id == rid)).one()
    return row[0] if not hasattr(row, "id") else row  # type: ignore[return-value]


def _row(engine: Store, rid: str) -> dict[str, object]:
    with engine.connect() as conn:
        return dict(conn.execute(select(Registration.__table__).where(Registration.id == rid)).mappings().one())


def _keys(engine: Store, rid: str) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(RegistrationKey.key).where(RegistrationKey.registration_id == rid)).scalars())


def _server_ids(devserver: DevServer) -> set[str]:
    return {item["id"] for item in devserver.registrations(limit=100_000)}


def test_initial_pull_takes_every_registration_page_by_page_with_its_keys(
    engine: Store, devserver: DevServer, make_config: MakeConfig
) -> None:
    config = make_config(devserver.url, page_limit=25)
    result = _puller(engine, config, batch_rows=10).pull()
    ids = _server_ids(devserver)
    assert result.completed
    assert result.items == len(ids) == _count(engine, Registration)
    assert result.pages == -(-len(ids) // 25) or result.pages == len(ids) // 25 + 1
    item = devserver.registrations(limit=1)[0]
    row = _row(engine, item["id"])
    assert row["tracking_typed"] == item["tracking_number"]
    assert row["customer_suite"] == item["customer"]["suite"]
    assert row["services"] == " ".join(item["services"])
    assert _keys(engine, item["id"]) == set(registration_keys(item["tracking_number"]))
    stored = _cursor(engine)
    assert stored is not None and stored.startswith("c:")

    # The cursor survives: a new puller (as after a restart) asks from it and gets nothing new.
    again = _puller(engine, config).pull()
    assert again.items == 0
    assert again.completed


def test_edits_rekey_and_deletions_keep_a_tombstone_with_its_keys(
    engine: Store, devserver: DevServer, make_config: MakeConfig
) -> None:
    config = make_config(devserver.url)
    _puller(engine, config).pull()
    edited, deleted = (item["id"] for item in devserver.registrations(limit=2))
    old_keys = _keys(engine, edited)
    devserver.edit_registration(edited, tracking_number="9400 1118 9922 3197 4284 90", services=["repack"])
    deleted_keys = _keys(engine, deleted)
    devserver.delete_registration(deleted)

    result = _puller(engine, config).pull()
    assert result.items == 2
    assert _keys(engine, edited) == set(registration_keys("9400 1118 9922 3197 4284 90")) != old_keys
    assert _row(engine, edited)["services"] == "repack"
    tomb = _row(engine, deleted)
    assert tomb["deleted"] is True
    assert _keys(engine, deleted) == deleted_keys
    assert deleted_keys


def test_410_starts_again_from_the_beginning_and_keeps_the_receipt(
    engine: Store, devserver: DevServer, make_config: MakeConfig
) -> None:
    config = make_config(devserver.url)
    _puller(engine, config).pull()
    receiver = Receiver(engine, station_id=STATION, undo_window_s=60)
    rid, number = next(
        (r["id"], r["tracking_number"]) for r in devserver.registrations(limit=200) if r.get("status") == "awaiting"
    )
    tracking = _row(engine, rid)["tracking_number"]
    verdict = receiver.receive(Scan(raw=str(tracking), scanner="test"), "anna")
    assert verdict.outcome is Outcome.MATCHED, (number, verdict)

    devserver.invalidate_cursors()
    devserver.edit_registration(rid, services=["photo"])  # the server still says awaiting: our event is held
    result = _puller(engine, config).pull()
    assert result.restarted
    assert result.items == len(_server_ids(devserver))
    row = _row(engine, rid)
    assert row["status"] == "awaiting"  # the feed's row says what the server says ...
    assert row["services"] == "photo"
    with engine.connect() as conn:
        assert parcel_status(conn, rid) == "at_warehouse"  # ... and the receipt still stands
        receipt = conn.execute(select(Receipt.__table__).where(Receipt.registration_id == rid)).one()
    assert receipt.scan_id == verdict.scan_id


@pytest.mark.parametrize("in_worker", [False, True], ids=["inline", "worker-process"])
def test_a_contract_breaking_page_is_set_aside_and_nothing_is_written(
    engine: Store, devserver: DevServer, proxy: FaultProxy, make_config: MakeConfig, in_worker: bool
) -> None:
    config = make_config(proxy.url + "/api/station/v1")
    # has_more sends the first page of a big pull to the worker process; its error must come back here.
    body = (
        b'{"items":[{"id":"p_1","deleted":false,"updated_at":"2026-11-26T14:03:07+05:00"}],'
        b'"next_cursor":"x","has_more":' + (b"true" if in_worker else b"false") + b"}"
    )
    proxy.add("/api/station/v1/parcels", "answer", body=body)
    with pytest.raises(ContractError, match="UTC"):
        _puller(engine, config, workers_after_items=0 if in_worker else 10**9).pull()
    assert _count(engine, Registration) == 0
    assert _cursor(engine) is None
    result = _puller(engine, config).pull()  # the next try (a proper answer) applies
    assert result.completed
    assert _count(engine, Registration) == len(_server_ids(devserver))


def test_stop_commits_the_pages_written_with_their_cursor(
    engine: Store, devserver: DevServer, make_config: MakeConfig
) -> None:
    config = make_config(devserver.url, page_limit=50)
    stop = threading.Event()

    class Stopper(Puller):
        def _write_page(self, conn, page, result):  # type: ignore[no-untyped-def]
            stop.set()  # stop is checked after every page: only the first page is written
            return super()._write_page(conn, page, result)

    client = CentralClient(config.server, config.server_token(), STATION)
    first = Stopper(engine, client, page_limit=50, stop=stop).pull()
    assert not first.completed
    assert first.pages == 1
    assert _count(engine, Registration) == 50
    assert _cursor(engine) is not None
    second = _puller(engine, config).pull()
    assert second.completed
    assert first.items + second.items == _count(engine, Registration) == len(_server_ids(devserver))


def test_a_crash_while_writing_rolls_back_the_pages_with_their_cursor(
    engine: Store, devserver: DevServer, make_config: MakeConfig
) -> None:
    config = make_config(devserver.url, page_limit=50)
    written = 0

    class Crasher(Puller):
        def _write_page(self, conn, page, result):  # type: ignore[no-untyped-def]
            nonlocal written
            written += 1
            if written == 3:
                raise OSError("disk unplugged")  # mid-transaction, after two pages' statements
            return super()._write_page(conn, page, result)

    client = CentralClient(config.server, config.server_token(), STATION)
    with pytest.raises(OSError, match="disk unplugged"):
        Crasher(engine, client, page_limit=50, batch_rows=1000).pull()
    # Whatever had committed holds whole pages and their cursor, and nothing after the cursor.
    stored = _count(engine, Registration)
    assert stored in (0, 50, 100)
    assert (_cursor(engine) is None) == (stored == 0)
    again = _puller(engine, config).pull()
    assert again.completed
    assert stored + again.items == _count(engine, Registration) == len(_server_ids(devserver))


def test_a_late_registration_receives_the_unknown_parcel_and_notifies(
    engine: Store, devserver: DevServer, make_config: MakeConfig
) -> None:
    config = make_config(devserver.url)
    _puller(engine, config).pull()
    receiver = Receiver(engine, station_id=STATION, undo_window_s=0)
    number = "1Z999AA10123456784"
    assert receiver.receive(Scan(raw=number, scanner="test"), "anna").outcome is Outcome.UNKNOWN
    devserver.add_registration("1z 999 aa1 01 2345 6784", suite="UN-9999", name="Пётр Иванов")
    seen: list[object] = []
    result = _puller(engine, config, resolver=receiver.resolve_unknowns).pull(on_resolved=seen.extend)
    assert len(result.resolved) == 1
    assert seen == result.resolved
    verdict = result.resolved[0]
    assert verdict.note == NOTE_RESOLVED_LATER
    assert verdict.customer_suite == "UN-9999"


def test_pages_checked_and_parsed_in_a_worker_process_give_the_same_database(
    engine: Store, devserver: DevServer, make_config: MakeConfig
) -> None:
    config = make_config(devserver.url, page_limit=40)
    result = _puller(engine, config, workers_after_items=0).pull()
    assert result.completed and result.pages > 1
    with engine.connect() as conn:
        stored = {
            row.id: (row.tracking_number, row.customer_suite, row.services, row.updated_at)
            for row in conn.execute(select(Registration))
        }
    assert set(stored) == set(_server_ids(devserver))
    for pid in list(stored)[:25]:
        item = devserver.registration(pid)
        assert item is not None
        assert stored[pid][0] == parse_typed(item["tracking_number"]).tracking_number
        assert stored[pid][1] == item["customer"]["suite"]
        assert stored[pid][2] == " ".join(item["services"])
