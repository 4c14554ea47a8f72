"""The HTTP side of the simulator: the contract's three endpoints on a stdlib ThreadingHTTPServer."""

from __future__ import annotations

import hmac
import ipaddress
import logging
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qs, urlsplit

from scanstation.devserver.store import CursorGoneError, FeedStore
from scanstation.devserver.validate import MalformedBodyError, parse_batch
from scanstation.devserver.wire import (
    ADMIN_PATH,
    BASE_PATH,
    DEFAULT_LIMIT,
    MAX_BODY_BYTES,
    MAX_LIMIT,
    encode,
    error_body,
    timestamp,
)

if TYPE_CHECKING:
    from scanstation.devserver.admin import Admin

log = logging.getLogger(__name__)

JSON: Final = "application/json"


@dataclass(slots=True)
class Response:
    status: int
    body: bytes = b""
    content_type: str = JSON
    headers: dict[str, str] = field(default_factory=dict)


def json_error(status: int, code: str, message: str, **headers: str) -> Response:
    return Response(status, error_body(code, message), headers=dict(headers))


class BadRequestBodyError(ValueError):
    """The request's framing (length, chunks) is broken: answer 400 and drop the connection."""


@dataclass(slots=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    client_host: str
    read_body: Callable[[], bytes]

    def is_loopback(self) -> bool:
        try:
            return ipaddress.ip_address(self.client_host.split("%")[0]).is_loopback
        except ValueError:
            return False


# path under BASE_PATH -> methods it answers (HEAD comes with GET)
_ROUTES: Final = {"/health": ("GET", "HEAD"), "/parcels": ("GET", "HEAD"), "/events": ("POST",)}


class ContractApp:
    """Answers requests under BASE_PATH per central-api.md; the admin pages are delegated."""

    def __init__(self, store: FeedStore, token: str) -> None:
        self._store = store
        self._token = token.encode()
        self._admin: Admin | None = None
        self._stats: dict[str, list[Any]] = {}
        self._stats_lock = threading.Lock()
        # When set, the contract endpoints answer 503 with this Retry-After (an outage for the demo).
        self.unavailable_retry_after: int | None = None

    def set_admin(self, admin: Admin) -> None:
        self._admin = admin

    def count(self, request: Request, seconds: float) -> None:
        """Account one answered contract request (benchmarks tell the server's time from the station's)."""
        if request.path.startswith(BASE_PATH + "/"):
            key = f"{request.method} {request.path[len(BASE_PATH) :]}"
            with self._stats_lock:
                entry = self._stats.setdefault(key, [0, 0.0])
                entry[0] += 1
                entry[1] += seconds

    def request_stats(self) -> dict[str, dict[str, float]]:
        """{"GET /parcels": {"requests": n, "seconds": total time answering them}, ...} since start."""
        with self._stats_lock:
            return {key: {"requests": n, "seconds": t} for key, (n, t) in self._stats.items()}

    def handle(self, request: Request) -> Response:
        if request.path == ADMIN_PATH or request.path.startswith(ADMIN_PATH + "/"):
            if self._admin is None:
                return json_error(404, "not_found", "no admin pages on this server")
            return self._admin.handle(request)
        if request.path in ("", "/"):
            return Response(302, b"", "text/plain", {"Location": f"{ADMIN_PATH}"})
        if not request.path.startswith(BASE_PATH + "/"):
            return json_error(404, "not_found", f"no such path; the API lives under {BASE_PATH}")
        route = request.path[len(BASE_PATH) :]
        methods = _ROUTES.get(route)
        if methods is None:
            return json_error(404, "not_found", f"no such endpoint {route}")
        if request.method not in methods:
            return json_error(
                405, "method_not_allowed", f"{route} answers {', '.join(methods)}", Allow=", ".join(methods)
            )
        if self.unavailable_retry_after is not None:
            return json_error(
                503,
                "unavailable",
                "the server is down for maintenance",
                **{"Retry-After": str(self.unavailable_retry_after)},
            )
        if route == "/health":
            return Response(200, encode({"status": "ok", "server_time": timestamp()}))
        if not self._authorized(request):
            return json_error(401, "unauthorized", "missing or wrong bearer token", **{"WWW-Authenticate": "Bearer"})
        if route == "/parcels":
            return self._parcels(request)
        return self._events(request)

    def _authorized(self, request: Request) -> bool:
        scheme, _, token = request.headers.get("authorization", "").strip().partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), self._token)

    def _parcels(self, request: Request) -> Response:
        cursor = (request.query.get("cursor") or [""])[0]
        limit = DEFAULT_LIMIT
        if "limit" in request.query:
            raw_limit = request.query["limit"][0]
            if not (
                raw_limit.isascii() and raw_limit.isdigit() and len(raw_limit) <= 6 and 1 <= int(raw_limit) <= MAX_LIMIT
            ):
                return json_error(400, "bad_limit", f"limit must be a whole number from 1 to {MAX_LIMIT}")
            limit = int(raw_limit)
        try:
            return Response(200, self._store.page(cursor or None, limit))
        except CursorGoneError as exc:
            return json_error(410, "cursor_gone", str(exc))

    def _events(self, request: Request) -> Response:
        try:
            station_id, events = parse_batch(request.read_body())
        except MalformedBodyError as exc:
            return json_error(400, "malformed_body", str(exc))
        return Response(200, encode({"results": self._store.apply_batch(station_id, events)}))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: a station pulls 200 pages over one connection
    server_version = "scanstation-devserver/1"
    # A client that stalls mid-request (or idles on keep-alive) frees its thread after this many seconds.
    timeout = 120
    server: DevHTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, add=False)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length_text = self.headers.get("Content-Length")
        if length_text is None:
            return b""
        if not length_text.strip().isdigit():
            raise BadRequestBodyError("Content-Length is not a number")
        length = int(length_text)
        if length > MAX_BODY_BYTES:
            raise BadRequestBodyError(f"body larger than {MAX_BODY_BYTES} bytes")
        body = self.rfile.read(length)
        if len(body) != length:
            raise BadRequestBodyError("body shorter than its Content-Length")
        return body

    def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";")[0].strip(), 16)
            except ValueError:
                raise BadRequestBodyError("broken chunked encoding") from None
            total += size
            if size < 0 or total > MAX_BODY_BYTES:
                raise BadRequestBodyError(f"body larger than {MAX_BODY_BYTES} bytes")
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(parts)
            chunk = self.rfile.read(size)
            if len(chunk) != size or self.rfile.readline(1024) not in (b"\r\n", b"\n"):
                raise BadRequestBodyError("broken chunked encoding")
            parts.append(chunk)

    def _dispatch(self) -> None:
        started = time.perf_counter()
        with self.server.in_flight():
            split = urlsplit(self.path)
            body_read = False

            def read_body() -> bytes:
                nonlocal body_read
                body_read = True
                return self._read_body()

            request = Request(
                method=self.command,
                path=split.path,
                query=parse_qs(split.query, keep_blank_values=True),
                headers={k.lower(): v for k, v in self.headers.items()},
                client_host=self.client_address[0],
                read_body=read_body,
            )
            try:
                response = self.server.app.handle(request)
            except BadRequestBodyError as exc:
                self.close_connection = True
                response = json_error(400, "malformed_body", str(exc))
            except Exception:
                log.exception("devserver: %s %s failed", self.command, self.path)
                self.close_connection = True
                response = json_error(500, "internal", "the simulator failed on this request; see its log")
            if not body_read and self.command in ("POST", "PUT", "PATCH", "DELETE"):
                # An unread body would be taken for the next request on this connection.
                try:
                    self._read_body()
                except BadRequestBodyError:
                    self.close_connection = True
            self._send(response)
            self.server.app.count(request, time.perf_counter() - started)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The stdlib's answer to an unparseable request (bad request line, huge headers), as JSON."""
        self.close_connection = True
        short = self.responses.get(code, ("error",))[0]
        self._send(json_error(code, "bad_request" if code < 500 else "server_error", message or short))

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        self.send_header(
            "Content-Type",
            response.content_type + ("; charset=utf-8" if response.content_type.startswith("text/") else ""),
        )
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in response.headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def __getattr__(self, name: str) -> Any:
        # BaseHTTPRequestHandler looks up do_<METHOD> and answers 501 without one; every method (TRACE,
        # anything) goes through one router instead, which answers 405 with Allow on the contract's paths.
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)


class DevHTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that can cut its open keep-alive connections, so a stop really stops."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: ContractApp) -> None:
        self.app = app
        self._open: set[socket.socket] = set()
        self._busy = 0
        self._cond = threading.Condition()
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.address_family = family
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-answer (a killed station) is normal here: one line, no traceback."""
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionResetError | BrokenPipeError | ConnectionAbortedError):
            log.info("client %s went away mid-request (%s)", client_address, type(exc).__name__)
            return
        super().handle_error(request, client_address)

    def track(self, sock: socket.socket, *, add: bool) -> None:
        with self._cond:
            (self._open.add if add else self._open.discard)(sock)

    def in_flight(self) -> _InFlight:
        return _InFlight(self)

    def drop_connections(self, wait_s: float = 5.0) -> None:
        """Close every open connection; wait (bounded) for requests being answered to finish."""
        with self._cond:
            for sock in list(self._open):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self._cond.wait_for(lambda: self._busy == 0, timeout=wait_s)


class _InFlight:
    def __init__(self, server: DevHTTPServer) -> None:
        self._server = server

    def __enter__(self) -> None:
        with self._server._cond:
            self._server._busy += 1

    def __exit__(self, *exc: object) -> None:
        with self._server._cond:
            self._server._busy -= 1
            self._server._cond.notify_all()
