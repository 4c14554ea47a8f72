"""The operation runner: work on another thread, success or failure on the GUI thread, in order."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from scanstation.gui.operations import OperationRunner


def _on_a_thread(work: Callable[[], None]) -> None:
    threading.Thread(target=work, name="not-gui").start()


def test_the_work_runs_off_the_gui_thread_and_its_answer_on_it(qtbot: Any) -> None:
    runner = OperationRunner(_on_a_thread)
    seen: list[tuple[str, object]] = []
    with qtbot.waitSignal(runner.answered, timeout=10_000):
        runner.op(lambda: threading.current_thread().name).success(
            lambda name: seen.append((threading.current_thread().name, name))
        ).run_in_background()
    assert seen == [(threading.main_thread().name, "not-gui")]


def test_an_exception_in_the_work_goes_to_failure_on_the_gui_thread(qtbot: Any) -> None:
    runner = OperationRunner(_on_a_thread)
    failures: list[tuple[bool, str]] = []

    def refuse() -> int:
        raise RuntimeError("database gone")

    with qtbot.waitSignal(runner.answered, timeout=10_000):
        runner.op(refuse).success(lambda _: failures.append((False, "success called"))).failure(
            lambda exc: failures.append((threading.current_thread() is threading.main_thread(), str(exc)))
        ).run_in_background()
    assert failures == [(True, "database gone")]
