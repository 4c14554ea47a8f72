"""Test connection: is the server reachable, do the clocks agree, is the token accepted, each said in words."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

import requests

from scanstation.config import ServerConfig
from scanstation.sync.client import (
    CentralClient,
    ContractError,
    ServerBusyError,
    ServerFailedError,
    SyncError,
    TokenRejectedError,
    UnreachableError,
)

__all__ = ["CLOCK", "CLOCK_TOLERANCE_S", "REACHABLE", "TOKEN", "ProbeReport", "ProbeStep", "probe_server"]

# Beyond this the station's event times and the server's disagree enough to confuse a reader of both.
CLOCK_TOLERANCE_S: Final = 5.0
REACHABLE: Final = "reachable"
CLOCK: Final = "clock"
TOKEN: Final = "token"


@dataclass(frozen=True, slots=True)
class ProbeStep:
    """One check of the connection and what it found, in words a person reads."""

    name: str
    ok: bool
    words: str


@dataclass(frozen=True, slots=True)
class ProbeReport:
    """The checks that ran, in order; a check that could not run for an earlier failure is left out."""

    steps: tuple[ProbeStep, ...]

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(step.ok for step in self.steps)

    @property
    def summary(self) -> str:
        """One line: every step's words when all is well, else the first failure's."""
        if self.ok:
            return "; ".join(step.words for step in self.steps)
        return next(step.words for step in self.steps if not step.ok)


def probe_server(server: ServerConfig, token: str | None, station_id: str) -> ProbeReport:
    """GET /health (reachable, clock offset), then GET /parcels?limit=1 with the token; never raises for the network."""
    if server.url is None:
        return ProbeReport((ProbeStep(REACHABLE, False, "no server url is set: the station works offline"),))
    try:
        client = CentralClient(server, token or None, station_id)
    except ValueError as err:
        return ProbeReport((ProbeStep(REACHABLE, False, str(err)),))
    try:
        return ProbeReport(tuple(_steps(client, server, token)))
    finally:
        client.close()


def _steps(client: CentralClient, server: ServerConfig, token: str | None) -> list[ProbeStep]:
    where = _host_port(server)
    started = time.monotonic()
    try:
        reading = client.health()
    except SyncError as err:
        return [ProbeStep(REACHABLE, False, _failure_words(err, server, "/health"))]
    took_ms = (time.monotonic() - started) * 1000
    steps = [
        ProbeStep(REACHABLE, True, f"{where} answered in {took_ms:.0f} ms"),
        _clock_step(reading.clock_offset_s),
    ]
    variable = f"${server.token_env}"
    if not token:
        steps.append(ProbeStep(TOKEN, False, f"no token: set {variable} or server.token"))
        return steps
    try:
        client.parcels(None, 1)
    except TokenRejectedError:
        steps.append(ProbeStep(TOKEN, False, f"token rejected (401): check server.token or {variable}"))
    except SyncError as err:
        steps.append(ProbeStep(TOKEN, False, _failure_words(err, server, "/parcels")))
    else:
        steps.append(ProbeStep(TOKEN, True, "token accepted"))
    return steps


def _clock_step(offset_s: float) -> ProbeStep:
    if abs(offset_s) <= CLOCK_TOLERANCE_S:
        return ProbeStep(CLOCK, True, "clocks agree")
    side = "behind" if offset_s > 0 else "ahead of"
    return ProbeStep(
        CLOCK,
        False,
        f"clock off by {abs(offset_s):.0f} s (this station is {side} the server): set the station's clock (NTP)",
    )


def _host_port(server: ServerConfig) -> str:
    parts = urlsplit(server.url or "")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.hostname}:{port}"


def _failure_words(err: SyncError, server: ServerConfig, path: str) -> str:
    """Why a request got no usable answer, in words that point at the fix."""
    where = _host_port(server)
    if isinstance(err, ServerBusyError):
        later = f" (it asks to come back in {err.retry_after:.0f} s)" if err.retry_after is not None else ""
        return f"the server at {where} is busy or down for maintenance: HTTP {err.status} to {path}{later}"
    if isinstance(err, ServerFailedError):
        return f"the server at {where} answered HTTP {err.status} to {path}: is the url the station API's?"
    if isinstance(err, ContractError):
        return f"{where} answered {path}, but not as the station's API does: check the url ({err})"
    if isinstance(err, UnreachableError):
        # The client hides the requests exception behind its own (`from None`); it is still the context.
        return _transport_words(err.__context__, server, where) or f"{where} cannot be reached: {err}"
    return f"{where}: {err}"


def _transport_words(cause: BaseException | None, server: ServerConfig, where: str) -> str | None:
    text = str(cause)
    if isinstance(cause, requests.exceptions.SSLError):
        return _tls_words(text, server, where)
    if isinstance(cause, requests.exceptions.ConnectTimeout):
        return f"no answer from {where} within {server.connect_timeout_s:g} s: a firewall, or the wrong host?"
    if isinstance(cause, requests.exceptions.ReadTimeout):
        return f"{where} took the connection but did not answer within {server.read_timeout_s:g} s"
    if isinstance(cause, requests.exceptions.ConnectionError):
        if "Connection refused" in text:
            return f"nothing answers at {where} (connection refused): is the server running, and is the port right?"
        if "resolve" in text or "Name or service not known" in text or "nodename nor servname" in text:
            return f"the name {urlsplit(server.url or '').hostname} cannot be resolved (DNS): check the url"
        return f"the connection to {where} failed: {text}"
    return None


def _tls_words(text: str, server: ServerConfig, where: str) -> str:
    lowered = text.lower()
    if "wrong version number" in lowered or "record layer failure" in lowered or "packet length" in lowered:
        return f"{where} does not speak TLS: is it http:// rather than https://, or the wrong port?"
    if "hostname mismatch" in lowered or "doesn't match" in lowered:
        return f"the TLS certificate of {where} is for another name: use the name the certificate gives in the url"
    if "expired" in lowered:
        return f"the TLS certificate of {where} has expired: the server's administrator must renew it"
    if "certificate verify failed" in lowered:
        trusted = "the CA bundle in verify_tls" if isinstance(server.verify_tls, str) else "the system's CAs"
        return (
            f"the TLS certificate of {where} is not signed by {trusted}: for a private CA, set verify_tls to its "
            "bundle (PEM) path"
        )
    return f"TLS with {where} failed: {text}"
