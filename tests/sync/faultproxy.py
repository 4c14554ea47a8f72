"""A reverse proxy on loopback that misbehaves on purpose, in front of a real server."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

# Fault kinds:
#   drop_before  close the connection without forwarding (nothing applied)
#   drop_after   forward (the upstream applies it), then close without answering
#   answer       answer `status`/`headers`/`body` without forwarding
#   replace      forward (applied upstream), then answer `status`/`body` instead of the real answer
#   slow         wait `delay_s` (past the client's read timeout), then forward and answer
#   echo         answer `status` with a body that repeats the request's Authorization header (a leaky server)
KINDS = ("drop_before", "drop_after", "answer", "replace", "slow", "echo")


@dataclass
class Fault:
    kind: str
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


class FaultProxy:
    """Forwards to `upstream` (a base URL); faults queued per path are used once each, in order."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self._faults: dict[str, deque[Fault]] = {}
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self.seen: list[tuple[float, str, str, str]] = []  # (monotonic time, method, path, what happened)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                proxy._handle(self, "GET")

            def do_POST(self) -> None:
                proxy._handle(self, "POST")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fault-proxy", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def add(self, path: str, kind: str, count: int = 1, **kwargs: object) -> None:
        assert kind in KINDS, kind
        with self._lock:
            queue = self._faults.setdefault(path, deque())
            for _ in range(count):
                queue.append(Fault(kind, **kwargs))  # type: ignore[arg-type]

    def pending(self, path: str | None = None) -> int:
        with self._lock:
            if path is not None:
                return len(self._faults.get(path, ()))
            return sum(len(q) for q in self._faults.values())

    def requests_to(self, path: str) -> list[tuple[float, str]]:
        """(time, what happened) of every request to `path`, in order."""
        with self._lock:
            return [(at, what) for at, _m, p, what in self.seen if p == path]

    def _next_fault(self, path: str) -> Fault | None:
        with self._lock:
            queue = self._faults.get(path)
            return queue.popleft() if queue else None

    def _forward(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        parts = urlsplit(self.upstream)
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
        try:
            conn.request(method, target, body=body or None, headers=headers)
            response = conn.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            conn.close()

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        path = urlsplit(handler.path).path
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in ("host", "connection")}
        fault = self._next_fault(path)
        what = fault.kind if fault else "forward"
        with self._lock:
            self.seen.append((time.monotonic(), method, path, what))
        if fault is not None and fault.kind == "drop_before":
            self._drop(handler)
            return
        if fault is not None and fault.kind == "echo":
            leak = f"bad request from {handler.headers.get('Authorization')}".encode()
            self._answer(handler, fault.status, [], leak)
            return
        if fault is not None and fault.kind == "answer":
            self._answer(handler, fault.status, list(fault.headers.items()), fault.body)
            return
        if fault is not None and fault.kind == "slow":
            self._closing.wait(fault.delay_s)
        try:
            status, upstream_headers, upstream_body = self._forward(method, handler.path, headers, body)
        except OSError:
            self._drop(handler)  # the upstream is down: the station sees a broken connection
            return
        if fault is not None and fault.kind == "drop_after":
            self._drop(handler)
            return
        if fault is not None and fault.kind == "replace":
            self._answer(handler, fault.status, list(fault.headers.items()), fault.body)
            return
        keep = [(k, v) for k, v in upstream_headers if k.lower() not in ("connection", "transfer-encoding")]
        self._answer(handler, status, keep, upstream_body)

    @staticmethod
    def _answer(handler: BaseHTTPRequestHandler, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        handler.send_response(status)
        names = {k.lower() for k, _ in headers}
        for key, value in headers:
            if key.lower() != "content-length":
                handler.send_header(key, value)
        if "content-type" not in names:
            handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
        handler.wfile.flush()

    @staticmethod
    def _drop(handler: BaseHTTPRequestHandler) -> None:
        handler.close_connection = True
        try:
            handler.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        handler.connection.close()
