"""What every tab of the admin's window works with: the runner, the store, who acts, the config and how to save."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from scanstation.config import Config, ServerConfig
from scanstation.domain.access import Actor, SettingChange
from scanstation.gui.bridge import Bridge
from scanstation.gui.operations import OperationRunner
from scanstation.scanners.base import ScannerSource
from scanstation.scanners.ports import PortLister, system_ports
from scanstation.store.connection import Store

if TYPE_CHECKING:
    from scanstation.gui.wedge import KeyboardWedge


class SettingsEditor(Protocol):
    """An edit of the config file (config.write.SettingsEdit): set values, then save them atomically."""

    def set(self, section: str, name: str, value: object) -> None: ...

    def set_token(self, token: str) -> None: ...

    def changes(self) -> tuple[SettingChange, ...]: ...

    def save(self) -> Config: ...


class ProbeStepShown(Protocol):
    """One step of a connection test (sync.probe.ProbeStep): its name, whether it passed, and the words."""

    @property
    def name(self) -> str: ...

    @property
    def ok(self) -> bool: ...

    @property
    def words(self) -> str: ...


class ProbeReportShown(Protocol):
    """A connection test's answer (sync.probe.ProbeReport)."""

    @property
    def ok(self) -> bool: ...

    @property
    def steps(self) -> Sequence[ProbeStepShown]: ...

    @property
    def summary(self) -> str: ...


# config.write.SettingsEdit.open
OpenEdit = Callable[[Path], SettingsEditor]
# access.settings.save_settings bound to the store and station: role checked, saved, audited; receiving thread.
SaveSettings = Callable[[Actor, SettingsEditor], Config]
# sync.probe.probe_server(server, token, station_id); runs on a thread of its own, never raises.
Probe = Callable[[ServerConfig, str | None, str], ProbeReportShown]


def _no_sources() -> Sequence[ScannerSource]:
    return ()


def _no_wedge() -> KeyboardWedge | None:
    return None


@dataclass(frozen=True)
class LiveScanners:
    """What the Scanners tab watches while the station runs: its scanners now (for taps), the wedge, the ports."""

    sources: Callable[[], Sequence[ScannerSource]] = _no_sources  # StationRuntime.sources now (apply replaces them)
    wedge: Callable[[], KeyboardWedge | None] = _no_wedge  # the Station's keyboard wedge now, for its observers
    list_ports: PortLister = system_ports  # where PortWatcher looks (a test lists a folder of socat links)


@dataclass
class AdminContext:
    """The admin's window and its tabs are built from this one value (the Station makes it)."""

    runner: OperationRunner  # work on the receiving thread, answers on the GUI thread
    store: Store
    actor: Callable[[], Actor | None]  # who is logged in now (None: nobody)
    config_path: Path
    config: Callable[[], Config]  # the config the station runs with now
    apply: Callable[[Config, tuple[SettingChange, ...]], None]  # a saved config taken on without a restart
    station_id: str
    bridge: Bridge
    open_edit: OpenEdit
    save: SaveSettings
    probe: Probe
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)  # where server.token_env is read
    live_scanners: LiveScanners = field(default_factory=LiveScanners)  # the Scanners tab's view of running parts


__all__ = [
    "AdminContext",
    "LiveScanners",
    "OpenEdit",
    "Probe",
    "ProbeReportShown",
    "ProbeStepShown",
    "SaveSettings",
    "SettingsEditor",
]
