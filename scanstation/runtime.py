"""The station without a window: store, receiver, the receiving thread, scanner sources and the sync loop."""

from __future__ import annotations

import getpass
import logging
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from scanstation import paths
from scanstation.config import Config
from scanstation.domain import ReceivingStatus, Scan, ScannerStatus, SyncNotice, SyncStatus, Verdict
from scanstation.receiving import Receiver
from scanstation.scanners import ScannerSource, build_sources, stop_all
from scanstation.store.connection import close_store, open_store
from scanstation.sync import SyncLoop
from scanstation.worker import ReceivingWorker

log = logging.getLogger(__name__)

JOURNAL_NAME = "unrecorded-scans.tsv"


def journal_fallbacks(configured: str | None = None) -> tuple[Path, ...]:
    """Where unrecorded scans go when the data directory's disk cannot take them (configured dir or logs, then temp)."""
    first = Path(configured) if configured else paths.log_dir()
    return (first / JOURNAL_NAME, Path(tempfile.gettempdir()) / f"scanstation-{_user()}" / JOURNAL_NAME)


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container): the number still keeps users apart
        return str(os.getuid()) if hasattr(os, "getuid") else "user"


def _ignore(_: object) -> None:
    return None


@dataclass
class Observers:
    """Where the runtime reports; every callback may run on any of the station's threads."""

    verdict: Callable[[Verdict], None] = _ignore
    scan_failed: Callable[[Scan, Exception], None] = lambda scan, exc: None
    scanner_status: Callable[[ScannerStatus], None] = _ignore
    sync_status: Callable[[SyncStatus], None] = _ignore
    notice: Callable[[SyncNotice], None] = _ignore
    receiving_status: Callable[[ReceivingStatus], None] = _ignore


class StationRuntime:
    """Assembles and runs the station's threads; `stop()` loses nothing that was read.

    The GUI thread (or the headless main thread) never waits on disk, network or serial: receiving runs
    on the worker thread, sync on its own, each serial/socket scanner on its own reader thread.
    """

    def __init__(
        self,
        config: Config,
        observers: Observers,
        *,
        operator: Callable[[], str] | None = None,
        environ: Mapping[str, str] | None = None,
        on_badge: Callable[[Scan, str], None] | None = None,
        divert: Callable[[Scan], bool] | None = None,
    ) -> None:
        self.config = config
        self.store = open_store(config.database.url)  # migrations run here, before any scan
        self.receiver = Receiver(
            self.store,
            station_id=config.station.id,
            undo_window_s=config.receiving.undo_window_s,
            fnc1_substitutes=config.receiving.fnc1_substitutes,
        )
        self.worker = ReceivingWorker(
            self.receiver,
            operator=operator or (lambda: self.config.station.operator),
            on_verdict=observers.verdict,
            on_error=observers.scan_failed,
            journal=paths.data_dir() / JOURNAL_NAME,
            fallback_journals=journal_fallbacks(config.receiving.journal_fallback_dir),
            on_status=observers.receiving_status,
            on_badge=on_badge,
            divert=divert,
        )
        self.sync = SyncLoop(
            config,
            self.store,
            resolver=self.receiver.resolve_unknowns,
            on_status=observers.sync_status,
            on_notice=observers.notice,
            environ=environ,
        )
        self.sources: list[ScannerSource] = build_sources(config.scanners)
        self._observers = observers
        self._started = False

    def start(self) -> None:
        """Start receiving first, so the first scan any source reads has somewhere to go."""
        self.worker.start()
        for source in self.sources:
            source.start(self.worker.submit, self._observers.scanner_status)
        self.sync.start()
        self._observers.sync_status(self.sync.status)
        self._started = True

    def apply(self, config: Config) -> None:
        """Use a saved config without a restart: scanners whose block changed re-opened, sync, undo window.

        Runs on the caller's thread (the GUI's) and never waits on a port or the network: a stopped reader
        is joined (it wakes within its poll interval), a new one opens on its own thread. What cannot
        change while running (database, station id, logging) keeps its old value until the next start.
        """
        old = self.config
        self.config = config
        # Plain attributes the receiving thread reads for each scan; a scan already being decided keeps the old.
        self.receiver.undo_window_s = config.receiving.undo_window_s
        self.receiver.fnc1_substitutes = config.receiving.fnc1_substitutes
        if config.server != old.server or config.station != old.station:
            self.sync.reconfigure(config)
        wanted = {c.name: c for c in config.scanners if c.enabled and c.type in ("serial", "socket")}
        opened = {c.name: c for c in old.scanners}  # what each running source was built from
        keep: list[ScannerSource] = []
        gone: list[ScannerSource] = []
        for source in self.sources:
            (keep if wanted.get(source.name) == opened.get(source.name) else gone).append(source)
        if self._started:
            stop_all(gone)
        kept = {source.name for source in keep}
        fresh = build_sources([c for name, c in wanted.items() if name not in kept])
        for source in gone:
            log.info("scanner %s closed: its settings changed or it was removed", source.name)
        if self._started:
            for source in fresh:
                log.info("scanner %s opened with its new settings", source.name)
                source.start(self.worker.submit, self._observers.scanner_status)
        self.sources = [*keep, *fresh]

    def stop(self, timeout: float = 10.0) -> bool:
        """Stop reading, decide every scan already read, stop sync, close the database. True when clean."""
        if not self._started:
            close_store(self.store)
            return True
        self._started = False
        stop_all(self.sources)
        clean = self.worker.stop(timeout)
        if not clean:
            log.error("the receiving thread did not finish in %.0f s", timeout)
        if not self.sync.stop(timeout=min(timeout, 5.0)):
            log.warning("the sync thread did not stop in time; its work resumes at the next start")
            clean = False
        close_store(self.store)
        return clean
