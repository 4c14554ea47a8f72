"""HTTP client of the central server contract: one requests session, strict answers, token kept secret."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Final
from urllib.parse import urlsplit

import msgspec
import requests

from scanstation.config import ServerConfig, is_loopback_host
from scanstation.logs import redactor
from scanstation.sync.contract import (
    HEALTH_MAX_BYTES,
    MAX_EVENTS_PER_REQUEST,
    AnswerTooLargeError,
    ContractError,
    EventsAnswer,
    Health,
    ParcelsPage,
    check_events_answer,
    decode_events_answer,
    decode_health,
    decode_page,
    events_answer_max_bytes,
    page_max_bytes,
)

__all__ = [
    "AnswerTooLargeError",
    "BadRequestError",
    "CentralClient",
    "ContractError",
    "CursorGoneError",
    "HealthReading",
    "ServerBusyError",
    "ServerFailedError",
    "SyncError",
    "TokenRejectedError",
    "UnreachableError",
    "redact",
]

log = logging.getLogger(__name__)

# How much of a server's body a log line or an error message shows.
_BODY_SHOWN: Final = 300
# How much of an error answer's body is read (the rest is dropped with the connection).
_ERROR_BODY_READ: Final = 64 * 1024
# Bytes asked of the connection per read; urllib3 inflates no more than this per read either.
_READ_CHUNK: Final = 64 * 1024


class SyncError(Exception):
    """A request that did not produce a usable answer; the text never contains the token."""


class UnreachableError(SyncError):
    """No answer: connection refused or broken, DNS, TLS, or a timeout. Nothing can be assumed."""


class ServerFailedError(SyncError):
    """A 5xx (other than 503) or an unexpected status: nothing can be assumed applied."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class ServerBusyError(ServerFailedError):
    """429 or 503: come back after `retry_after` seconds (None when the server did not say)."""

    def __init__(self, message: str, status: int, retry_after: float | None) -> None:
        super().__init__(message, status)
        self.retry_after = retry_after


class TokenRejectedError(SyncError):
    """401: the station's token is wrong; nothing is pushed until the config gives a new one."""


class CursorGoneError(SyncError):
    """410: the server no longer accepts the stored cursor; the feed starts again from the beginning."""


class BadRequestError(SyncError):
    """400: the server calls the body malformed; nothing was applied."""


def redact(text: str) -> str:
    """`text` with every token a client was given replaced (the process-wide log filter knows them too)."""
    return redactor().scrub(text)


class _BearerAuth(requests.auth.AuthBase):
    """Adds the bearer token per request; its repr never shows it."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return "<token hidden>"


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (delta-seconds or an HTTP date, a past one is 0); None when absent or meaningless.

    Negative, infinite and nan are meaningless; the back-off floors and caps whatever is returned.
    """
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    try:
        return max(0.0, (when - datetime.now(UTC)).total_seconds())
    except OverflowError:
        return None


def _read_body(response: requests.Response, limit: int) -> tuple[bytes, bool]:
    """The body inflated, at most `limit` bytes of it, and whether that was all of it."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(_READ_CHUNK):
        if size + len(chunk) > limit:
            chunks.append(chunk[: limit - size])
            return b"".join(chunks), False
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks), True


def _size_words(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MiB" if size >= 1024 * 1024 else f"{size // 1024} KiB"


@dataclass(frozen=True, slots=True)
class HealthReading:
    """A /health answer and the station's clock offset (server minus station, seconds)."""

    health: Health
    clock_offset_s: float


class CentralClient:
    """Speaks the central server contract; one instance per token, not thread-safe across threads."""

    def __init__(self, server: ServerConfig, token: str | None, station_id: str) -> None:
        if server.url is None:
            raise ValueError("no [server] url in the config: sync is disabled")
        parts = urlsplit(server.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{server.url!r} is not an http(s) URL")
        # The config refuses this too; checked again because a token over plain http to another host leaks it.
        if parts.scheme == "http" and not server.allow_insecure_http and not is_loopback_host(parts.hostname):
            raise ValueError(
                f"refusing plain http:// to {parts.hostname}: it would send the token in clear "
                "(use https://, or set allow_insecure_http = true)"
            )
        self._base = server.url.rstrip("/")
        self._timeout = (server.connect_timeout_s, server.read_timeout_s)
        self._station_id = station_id
        self._has_token = bool(token)
        self._token = token or ""
        if token:
            # Log handlers set up by scanstation.logs scrub it from every record from now on, also in
            # the escaped form a repr() would show.
            redactor().add(token)
            redactor().add(token.encode("unicode_escape").decode("ascii"))
            # A bearer token is one word (RFC 6750); a space inside would also split it for the log filter.
            if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in token):
                raise ValueError(
                    "the server token contains a space, a line break or a control character; "
                    "a bearer token cannot carry it: copy the token again"
                )
        self._session = requests.Session()
        self._session.verify = server.verify_tls
        self._session.trust_env = False  # proxies or netrc from the environment must not see the token
        self._session.headers["User-Agent"] = "scanstation-sync/1"
        self._auth = _BearerAuth(self._token) if token else None

    def __repr__(self) -> str:
        return f"<CentralClient {self._base} station={self._station_id} token={'set' if self._has_token else 'none'}>"

    @property
    def base_url(self) -> str:
        return self._base

    def close(self) -> None:
        self._session.close()

    # ------------------------------------------------------------------ transport

    def _request(
        self, method: str, path: str, *, max_bytes: int = HEALTH_MAX_BYTES, auth: bool = True, **kwargs: Any
    ) -> requests.Response:
        """One request; a 200's body is read whole but never past `max_bytes` inflated (AnswerTooLargeError)."""
        url = f"{self._base}{path}"
        try:
            response = self._session.request(
                method,
                url,
                timeout=self._timeout,
                auth=self._auth if auth else None,
                allow_redirects=False,
                stream=True,
                **kwargs,
            )
            try:
                # Read the body here so a connection broken mid-body is a transport failure too. An error
                # answer is only quoted, so little of it is read.
                limit = max_bytes if response.status_code == 200 else _ERROR_BODY_READ
                body, whole = _read_body(response, limit)
            finally:
                response.close()  # returns a fully read connection to the pool, closes one read only in part
        except requests.RequestException as err:
            raise UnreachableError(redact(f"{method} {path}: {type(err).__name__}: {err}")) from None
        except (ValueError, OSError) as err:  # e.g. a token with a newline: requests names the header value
            raise UnreachableError(redact(f"{method} {path}: {type(err).__name__}: {err}")) from None
        status = response.status_code
        if status == 200:
            if not whole:
                encoding = response.headers.get("Content-Encoding")
                raise AnswerTooLargeError(
                    f"{method} {path}: the answer is larger than the {_size_words(max_bytes)} the station reads for "
                    f"this request{f' once inflated ({encoding})' if encoding else ''}; the rest was not read"
                )
            response._content = body  # what requests itself caches for `.content`
            return response
        shown = redact(body[:_BODY_SHOWN].decode("utf-8", "replace"))
        what = f"{method} {path}: HTTP {status}"
        if status == 401:
            raise TokenRejectedError(f"{what}: the server rejected the station's token")
        if status == 410:
            raise CursorGoneError(f"{what}: the server no longer accepts the cursor")
        if status == 400:
            raise BadRequestError(f"{what}: {shown}")
        if status in (429, 503):
            raise ServerBusyError(f"{what}", status, _retry_after(response.headers.get("Retry-After")))
        raise ServerFailedError(f"{what}: {shown}", status)

    # ------------------------------------------------------------------ the contract

    def health(self) -> HealthReading:
        """GET /health (no token); the clock offset is measured against the middle of the round trip."""
        before = time.time()
        response = self._request("GET", "/health", max_bytes=HEALTH_MAX_BYTES, auth=False)
        after = time.time()
        health = self.decode_body(decode_health, response.content, "/health")
        offset = health.server_time.timestamp() - (before + after) / 2
        return HealthReading(health, offset)

    def parcels(self, cursor: str | None, limit: int) -> ParcelsPage:
        """GET /parcels from `cursor` (None: from the beginning)."""
        return self.decode_parcels(self.fetch_parcels(cursor, limit), limit)

    def fetch_parcels(self, cursor: str | None, limit: int) -> bytes:
        """The raw body of GET /parcels (HTTP only: decode_parcels checks it)."""
        if not 1 <= limit <= 5000:
            raise ValueError(f"limit {limit} is outside 1..5000")
        params: dict[str, str | int] = {"limit": limit}
        if cursor is not None:
            params["cursor"] = cursor
        return self._request("GET", "/parcels", max_bytes=page_max_bytes(limit), params=params).content

    def decode_parcels(self, body: bytes, limit: int) -> ParcelsPage:
        """A /parcels body checked against the contract (ContractError when it breaks it)."""
        page: ParcelsPage = self.decode_body(lambda data: decode_page(data, limit), body, "/parcels")
        return page

    def post_events(self, payloads: Sequence[str], ids: list[str]) -> EventsAnswer:
        """POST /events with the stored payloads exactly as they are; checks one result per event, in order."""
        if not 1 <= len(payloads) <= MAX_EVENTS_PER_REQUEST:
            raise ValueError(f"{len(payloads)} events in one request (1..{MAX_EVENTS_PER_REQUEST})")
        body = b"".join(
            (
                b'{"station_id":',
                msgspec.json.encode(self._station_id),
                b',"events":[',
                ",".join(payloads).encode("utf-8"),
                b"]}",
            )
        )
        response = self._request(
            "POST",
            "/events",
            max_bytes=events_answer_max_bytes(len(payloads)),
            data=body,
            headers={"Content-Type": "application/json"},
        )
        answer: EventsAnswer = self.decode_body(decode_events_answer, response.content, "/events")
        try:
            check_events_answer(answer, ids)
        except ContractError as err:
            raise ContractError(redact(str(err))) from None
        return answer

    @staticmethod
    def decode_body(decoder: Any, body: bytes, path: str) -> Any:
        """Run a contract decoder on an answer; its ContractError quotes the start of the answer, redacted."""
        try:
            return decoder(body)
        except ContractError as err:
            sample = body[:_BODY_SHOWN].decode("utf-8", "replace")
            raise ContractError(redact(f"{err} (answer began: {sample!r})")) from None
