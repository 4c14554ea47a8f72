"""What the headless end-to-end tests share: a reader of JSON lines and a station config with a pty scanner."""

from __future__ import annotations

import contextlib
import json
import queue
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from subprocess import Popen
from typing import IO, Any

from scanstation.bench.common import write_pty_station_config
from tests.waiting import TIMEOUT_S, Deadline

UPS = "1Z999AA10123456784"
TOKEN = "headless-test-token"


class Lines:
    """Reads a process's stdout on a thread; tests wait for the line they need, with a deadline."""

    def __init__(self, stream: Any) -> None:
        self.seen: list[dict[str, Any]] = []
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self._thread.start()

    def _pump(self, stream: Any) -> None:
        for raw in stream:
            self._queue.put(json.loads(raw))
        self._queue.put(None)

    def wait_for(
        self, match: Callable[[dict[str, Any]], bool], timeout: float = TIMEOUT_S, what: str = "a matching line"
    ) -> dict[str, Any]:
        for line in self.seen:
            if match(line):
                return line
        deadline = Deadline(timeout, what)
        while True:
            try:
                item = self._queue.get(timeout=deadline.left())
            except queue.Empty:
                raise deadline.missed(f"lines so far: {self.seen}") from None
            if item is None:
                raise AssertionError(f"stdout ended; lines so far: {self.seen}")
            self.seen.append(item)
            if match(item):
                return item


def write_config(tmp_path: Path, server_url: str, port: str) -> Path:
    """The e2e station's config: one pty scanner `pty1`, operator `conveyor`, database in tmp_path."""
    return write_pty_station_config(tmp_path, station_id="e2e-station", server_url=server_url, port=port)


@contextlib.contextmanager
def headless_process(config: Path, env: Mapping[str, str], stderr: IO[str]) -> Iterator[tuple[Popen[str], Lines]]:
    """`scanstation headless --config CONFIG` as a process and a reader of its lines; killed if still running."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "scanstation", "headless", "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        env=dict(env),
    )
    try:
        assert proc.stdout is not None
        yield proc, Lines(proc.stdout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
