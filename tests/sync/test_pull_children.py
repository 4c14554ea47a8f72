"""The processes a pull starts die with the station, however it ends: SIGKILL leaves none behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.waiting import wait_until

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads child processes from /proc")

# A station's parsing processes exactly as a big pull starts them (Puller._worker), each busy with a page.
POOL = """
    import sys, time
    from pathlib import Path
    from scanstation.sync.pull import ParsingProcesses

    def parse(marker):
        Path(marker).touch()  # the process is set up (its initializer ran) and at work
        time.sleep(120)

    if __name__ == "__main__":
        pool = ParsingProcesses(2)
        busy = [pool.submit(parse, f"{sys.argv[1]}/busy-{n}") for n in range(2)]
        time.sleep(120)
"""

# The watcher of platforms without a parent-death signal, tried here on Linux with the signal left out.
WATCHER = """
    import multiprocessing, os, sys, time
    from pathlib import Path
    from scanstation.sync.pull import die_with_parent

    def child(parent, marker):
        die_with_parent(parent, kernel_signal=False)
        Path(marker).touch()
        time.sleep(120)

    if __name__ == "__main__":
        spawn = multiprocessing.get_context("spawn")
        for n in range(2):
            spawn.Process(target=child, args=(os.getpid(), f"{sys.argv[1]}/busy-{n}")).start()
        time.sleep(120)
"""


def _children(pid: int) -> set[int]:
    """Live (not zombie) processes whose parent is `pid`."""
    found: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == pid and state != "Z":
            found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _descendants(pid: int) -> set[int]:
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in _children(todo.pop()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _kill_and_await_no_leftovers(script: str, tmp_path: Path) -> None:
    source = tmp_path / "station.py"
    source.write_text(textwrap.dedent(script), encoding="utf-8")
    markers = tmp_path / "markers"
    markers.mkdir()
    station = subprocess.Popen([sys.executable, str(source), str(markers)], cwd=Path(__file__).parents[2])
    descendants: set[int] = set()
    try:
        # Both children are up and busy (slow to start on a loaded machine: each imports the station's code).
        wait_until(lambda: len(list(markers.iterdir())) == 2, timeout=120, what="the child processes at work")
        descendants = _descendants(station.pid)  # the two, and multiprocessing's resource tracker
        assert len(descendants) >= 2
        station.send_signal(signal.SIGKILL)
        station.wait(10)
        wait_until(lambda: not any(_alive(pid) for pid in descendants), timeout=30, what="every child process gone")
    finally:
        for pid in descendants:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        if station.poll() is None:
            station.kill()
            station.wait()


def test_the_parsing_processes_die_with_a_station_killed_mid_pull(tmp_path: Path) -> None:
    _kill_and_await_no_leftovers(POOL, tmp_path)


def test_without_a_parent_death_signal_a_watcher_ends_the_child(tmp_path: Path) -> None:
    _kill_and_await_no_leftovers(WATCHER, tmp_path)


def test_a_child_whose_parent_died_before_it_asked_for_the_signal_ends_at_once(tmp_path: Path) -> None:
    # The race PR_SET_PDEATHSIG leaves: asked for after the parent is gone, no signal ever comes.
    done = subprocess.run(
        [sys.executable, "-c", "from scanstation.sync.pull import die_with_parent; die_with_parent(1); print('alive')"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "alive" not in done.stdout
