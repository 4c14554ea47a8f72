"""A supervisor's "this is it" at the desk reaching a real DevServer over loopback, exactly once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scanstation.access.refusals import check
from scanstation.devserver import DevServer
from scanstation.domain import Outcome, Scan
from scanstation.gui import qt
from scanstation.gui.bridge import Bridge, GuiReceiving
from scanstation.gui.supervisor.context import SupervisorContext
from scanstation.gui.supervisor.window import SupervisorWindow
from scanstation.receiving import Receiver
from scanstation.review.resolve import Resolutions
from scanstation.store.connection import Store
from scanstation.sync.pull import Puller
from scanstation.sync.push import Pusher
from tests.review.test_resolve_server import UNDO_WINDOW_S, _accepted, _client, _push_when_due
from tests.sync.conftest import STATION, TOKEN

from .conftest import SUPERVISOR

pytestmark = pytest.mark.gui

WAIT = 10_000


@pytest.fixture
def server(tmp_path: Path) -> Iterator[DevServer]:
    made = DevServer(tmp_path / "central.db", token=TOKEN)
    made.start()
    try:
        yield made
    finally:
        made.stop()


@pytest.fixture
def desk(qtbot: Any, sqlite_engine: Store, tmp_path: Path) -> Iterator[tuple[SupervisorWindow, GuiReceiving]]:
    """The desk on its own receiving thread, for the sync tests' station, with a short undo window."""
    bridge = Bridge()
    receiver = Receiver(sqlite_engine, station_id=STATION, undo_window_s=UNDO_WINDOW_S)
    receiving = GuiReceiving.with_worker(
        receiver,
        bridge,
        journal=tmp_path / "unrecorded.tsv",
        check_act=lambda actor, act: check(sqlite_engine, actor, act, station=STATION),
    )
    receiving.start()
    context = SupervisorContext(
        runner=receiving.runner,
        store=sqlite_engine,
        actor=lambda: SUPERVISOR,
        station_id=STATION,
        bridge=bridge,
        receiving=receiving,
        resolutions=Resolutions(sqlite_engine, receiver),
    )
    try:
        with qtbot.waitSignal(receiving.runner.answered, timeout=WAIT):
            window = SupervisorWindow(context)
        qtbot.addWidget(window)
        window.show()
        yield window, receiving
    finally:
        assert receiving.stop(), "the receiving worker did not stop"


def test_an_unknown_matched_from_a_suggestion_reaches_the_server_once(
    qtbot: Any, sqlite_engine: Store, server: DevServer, desk: tuple[SupervisorWindow, GuiReceiving]
) -> None:
    window, receiving = desk
    client = _client(sqlite_engine, server.url)
    # Scanned at the clerk's window (the desk would take a scan read while it is active), on the same thread.
    verdicts: list[Any] = []
    receiver = receiving.worker.receiver
    with qtbot.waitSignal(receiving.runner.answered, timeout=WAIT):
        receiving.op(lambda: receiver.receive(Scan(raw="TBA000000004711", scanner="dock-1"), "anna")).success(
            verdicts.append
        ).run_in_background()
    assert [v.outcome for v in verdicts] == [Outcome.UNKNOWN]
    with qtbot.waitSignal(window.queue.loaded, timeout=WAIT):
        window.queue.refresh()
    [item] = window.queue.model.rows
    typed = server.add_registration(
        "TBA000000004717", order_number="113-0000001", suite="UN-1001", name="Ольга Миронова"
    )
    pid, customer = typed["id"], typed["customer"]["id"]
    assert Puller(sqlite_engine, client, page_limit=40).pull().completed
    with qtbot.waitSignal(window.parcel.loaded, timeout=WAIT):
        window.open_item(item.id)
    page = window.parcel
    assert [s.registration_id for s in page.suggestions] == [pid]
    assert page.suggestions_model.index(0, 2).data() == "Ольга Миронова"
    with qtbot.waitSignal(page.resolved, timeout=WAIT) as answer, qtbot.waitSignal(page.loaded, timeout=WAIT):
        qtbot.mouseClick(page.this_is_it, qt.Qt.MouseButton.LeftButton)
    assert answer.args == [True, "Done: matched."]

    pusher = Pusher(sqlite_engine, client)
    first = _push_when_due(sqlite_engine, pusher)
    assert (first.sent, first.rejected, first.duplicate) == (4, 0, 0), first  # listed, status, notice, resolved
    unknown_id = item.id.removeprefix("unknown:")

    def held() -> tuple[list[Any], list[Any], list[Any]]:
        status = [(e["parcel_id"], e["status"]) for e in _accepted(server, "parcel.status_changed")]
        notices = [(n["parcel_id"], n["customer_id"]) for n in server.notifications()]
        resolved = [
            (e["local_id"], e["resolution"], e["parcel_id"]) for e in _accepted(server, "parcel.unknown_resolved")
        ]
        return status, notices, resolved

    assert held() == ([(pid, "at_warehouse")], [(pid, customer)], [(unknown_id, "matched", pid)])
    assert pusher.push_once().requests == 0
    assert held() == ([(pid, "at_warehouse")], [(pid, customer)], [(unknown_id, "matched", pid)])
    # The window is past: the undo button is gone, the history says who matched it.
    assert page.history_model.index(0, 2).data() == SUPERVISOR.name
    qtbot.waitUntil(lambda: not page.undo_button.isVisible(), timeout=WAIT)
