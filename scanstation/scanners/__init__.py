"""Scanner sources without Qt (serial, socket): each turns a scanner's output into Scan values."""

from __future__ import annotations

from collections.abc import Sequence

from scanstation.config import ScannerConfig
from scanstation.scanners.base import ScanCallback, ScannerSource, StatusCallback
from scanstation.scanners.framing import Frame, FrameDecoder, FrameEnd
from scanstation.scanners.monitor import MonitorEvent, ReadExplanation, explain_read, visible_controls
from scanstation.scanners.stream import PortMonitor, StreamSource

__all__ = [
    "Frame",
    "FrameDecoder",
    "FrameEnd",
    "MonitorEvent",
    "PortMonitor",
    "ReadExplanation",
    "ScanCallback",
    "ScannerSource",
    "StatusCallback",
    "StreamSource",
    "build_sources",
    "explain_read",
    "stop_all",
    "visible_controls",
]


def build_sources(configs: Sequence[ScannerConfig]) -> list[ScannerSource]:
    """The enabled serial and socket scanners; the keyboard wedge is built by the GUI (gui.wedge.build_wedge)."""
    return [StreamSource(c) for c in configs if c.enabled and c.type in ("serial", "socket")]


def stop_all(sources: Sequence[ScannerSource]) -> None:
    """Stop several sources in about the time of one: every reader is told first, then each is joined."""
    for source in sources:
        if isinstance(source, StreamSource):
            source.request_stop()
    for source in sources:
        source.stop()
