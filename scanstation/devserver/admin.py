"""The simulator's admin: an HTML page for people and JSON endpoints for tests, outside the contract's paths."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qs, quote, urlsplit

import msgspec

from scanstation.devserver.httpd import Request, Response, json_error
from scanstation.devserver.store import FeedStore, NotFoundError
from scanstation.devserver.wire import ADMIN_PATH, BASE_PATH, SERVICES, encode
from scanstation.domain import AT_WAREHOUSE, AWAITING

if TYPE_CHECKING:
    from scanstation.devserver.httpd import ContractApp

API: Final = ADMIN_PATH + "/api"
PAGE_SIZE: Final = 50
_ADD_FIELDS: Final = ("tracking_number", "order_number", "store", "customer", "suite", "name", "services", "status")


class _InvalidError(ValueError):
    """A bad admin request: 400 with the message."""


def _int(query: Mapping[str, list[str]], name: str, default: int, top: int) -> int:
    text = (query.get(name) or [""])[0]
    if not text:
        return default
    if not (text.isascii() and text.isdigit() and len(text) <= 12 and int(text) <= top):
        raise _InvalidError(f"{name} must be a whole number up to {top}")
    return int(text)


def _services(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [part for part in value.replace(",", " ").split() if part]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _InvalidError("services must be a list of codes")
    return value


class Admin:
    """Loopback-only admin (403 to anyone else; no token): list/add/edit/delete registrations, see events."""

    def __init__(self, store: FeedStore, app: ContractApp) -> None:
        self._store = store
        self._app = app

    def handle(self, request: Request) -> Response:
        if not request.is_loopback():
            return json_error(403, "forbidden", "the admin pages answer only on loopback")
        if request.method not in ("GET", "HEAD") and not self._same_origin(request):
            return json_error(403, "forbidden", "cross-site request refused")
        try:
            if request.path.startswith(API + "/") or request.path == API:
                return self._api(request)
            return self._html(request)
        except _InvalidError as exc:
            return json_error(400, "invalid", str(exc))
        except NotFoundError as exc:
            return json_error(404, "not_found", f"no registration {exc.args[0]}")

    @staticmethod
    def _same_origin(request: Request) -> bool:
        # A web page elsewhere could make the browser post a form here; browsers send Origin on such posts.
        origin = request.headers.get("origin")
        return origin is None or urlsplit(origin).netloc == request.headers.get("host", "")

    # -- JSON ------------------------------------------------------------------------------------

    def _json_body(self, request: Request) -> dict[str, Any]:
        try:
            data = msgspec.json.decode(request.read_body())
        except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError, RecursionError) as exc:
            raise _InvalidError(f"body is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise _InvalidError("body must be a JSON object")
        return data

    def _api(self, request: Request) -> Response:
        route = request.path[len(API) :].rstrip("/")
        method, query, store = request.method, request.query, self._store
        if route == "/summary" and method == "GET":
            return _ok(self.summary())
        if route == "/registrations" and method == "GET":
            offset, limit = _int(query, "offset", 0, 10**9), _int(query, "limit", PAGE_SIZE, 5000)
            q = (query.get("q") or [""])[0]
            return _ok({"items": store.registrations(offset=offset, limit=limit, query=q)})
        if route == "/registrations" and method == "POST":
            return _ok(self._add(self._json_body(request)), 201)
        if route.startswith("/registrations/"):
            pid = route[len("/registrations/") :]
            if method == "GET":
                item = store.registration(pid)
                if item is None:
                    raise NotFoundError(pid)
                return _ok(item)
            if method == "PATCH":
                return _ok(self._edit(pid, self._json_body(request)))
            if method == "DELETE":
                return _ok(store.delete_registration(pid))
        if route == "/events" and method == "GET":
            offset, limit = _int(query, "offset", 0, 10**9), _int(query, "limit", 1000, 100000)
            return _ok({"items": store.events(offset=offset, limit=limit)})
        if route.startswith("/events/") and method == "GET":
            event_id = route[len("/events/") :]
            return _ok(
                {"id": event_id, "received": store.received_count(event_id), "applied": store.applied_count(event_id)}
            )
        if route == "/notifications" and method == "GET":
            return _ok({"items": store.notifications()})
        if route == "/unknown" and method == "GET":
            return _ok({"items": store.unknown_parcels()})
        if route == "/invalidate-cursors" and method == "POST":
            store.invalidate_cursors()
            return _ok({"ok": True})
        if route == "/outage" and method == "POST":
            retry = self._json_body(request).get("retry_after")
            if retry is not None and (not isinstance(retry, int) or isinstance(retry, bool) or not 0 <= retry <= 86400):
                raise _InvalidError("retry_after must be null or seconds from 0 to 86400")
            self._app.unavailable_retry_after = retry
            return _ok({"retry_after": retry})
        return json_error(404, "not_found", f"no admin endpoint {method} {route or '/'}")

    def summary(self) -> dict[str, Any]:
        live, deleted = self._store.registration_count()
        return {
            "registrations": live,
            "deleted": deleted,
            "last_change": self._store.last_seq,
            "events": self._store.event_counts(),
            "notifications": self._store.notification_count(),
            "unavailable_retry_after": self._app.unavailable_retry_after,
            "requests": self._app.request_stats(),
        }

    def _add(self, data: Mapping[str, Any]) -> dict[str, Any]:
        unknown = set(data) - set(_ADD_FIELDS)
        if unknown:
            raise _InvalidError(f"unknown fields {', '.join(sorted(unknown))}; known: {', '.join(_ADD_FIELDS)}")
        for key in _ADD_FIELDS:
            if key != "services" and data.get(key) is not None and not isinstance(data[key], str):
                raise _InvalidError(f"{key} must be a string")
        try:
            return self._store.add_registration(
                data.get("tracking_number") or "",
                order_number=data.get("order_number") or "",
                store=data.get("store") or "",
                customer=data.get("customer") or None,
                suite=data.get("suite") or None,
                name=data.get("name") or None,
                services=_services(data.get("services") or []),
                status=data.get("status") or AWAITING,
            )
        except ValueError as exc:
            raise _InvalidError(str(exc)) from None

    def _edit(self, pid: str, changes: dict[str, Any]) -> dict[str, Any]:
        if "services" in changes:
            changes["services"] = _services(changes["services"])
        try:
            return self._store.edit_registration(pid, **changes)
        except NotFoundError:
            raise
        except ValueError as exc:
            raise _InvalidError(str(exc)) from None

    # -- HTML ------------------------------------------------------------------------------------

    def _html(self, request: Request) -> Response:
        route = request.path[len(ADMIN_PATH) :].rstrip("/")
        if request.method in ("GET", "HEAD"):
            if route == "":
                return _page("Central server simulator", self._dashboard(request.query))
            if route.startswith("/registrations/"):
                return self._edit_page(route[len("/registrations/") :])
            return json_error(404, "not_found", "no such admin page")
        if request.method != "POST":
            return json_error(405, "method_not_allowed", "use GET or POST", Allow="GET, POST")
        form = {k: v[-1] for k, v in parse_qs(request.read_body().decode("utf-8", "replace")).items()}
        if route == "/registrations":
            item = self._add({k: v for k, v in form.items() if k in _ADD_FIELDS})
            return _see_other(f"{ADMIN_PATH}?q={quote(item['id'])}")
        if route.startswith("/registrations/") and route.endswith("/delete"):
            self._store.delete_registration(route[len("/registrations/") : -len("/delete")])
            return _see_other(ADMIN_PATH)
        if route.startswith("/registrations/"):
            pid = route[len("/registrations/") :]
            changes: dict[str, Any] = {
                k: form.get(k, "") for k in ("tracking_number", "order_number", "store", "status")
            }
            changes["services"] = form.get("services", "")
            self._edit(pid, changes)
            return _see_other(f"{ADMIN_PATH}?q={quote(pid)}")
        if route == "/invalidate-cursors":
            self._store.invalidate_cursors()
            return _see_other(ADMIN_PATH)
        if route == "/outage":
            retry = form.get("retry_after", "")
            self._app.unavailable_retry_after = int(retry) if retry.isdigit() else None
            return _see_other(ADMIN_PATH)
        return json_error(404, "not_found", "no such admin action")

    def _dashboard(self, query: Mapping[str, list[str]]) -> str:
        q = (query.get("q") or [""])[0]
        offset = _int(query, "offset", 0, 10**9)
        summary = self.summary()
        items = self._store.registrations(offset=offset, limit=PAGE_SIZE, query=q)
        outage = summary["unavailable_retry_after"]
        counts = ", ".join(f"{k}: {v}" for k, v in sorted(summary["events"].items())) or "none yet"
        parts = [
            f"<p>API: <code>{_e(BASE_PATH)}</code> &middot; {summary['registrations']} registrations, "
            f"{summary['deleted']} deleted &middot; last change {summary['last_change']} &middot; "
            f"events {_e(counts)} &middot; {summary['notifications']} notifications sent</p>",
            "<form method=post action=/admin/outage class=inline>"
            + (
                f"<b>Answering 503 (Retry-After {outage}s)</b> <button>End the outage</button>"
                if outage is not None
                else "<input name=retry_after value=30 size=4> s <button>Simulate an outage (503)</button>"
            )
            + "</form> <form method=post action=/admin/invalidate-cursors class=inline>"
            "<button>Invalidate all cursors (410)</button></form>",
            "<h2>Add a registration</h2>",
            _registration_form(f"{ADMIN_PATH}/registrations", {}, add=True),
            "<h2>Registrations</h2>",
            f"<form method=get action={ADMIN_PATH}><input name=q value='{_e(q)}' placeholder='tracking, order, "
            "suite, name or p_id' size=40> <button>Search</button></form>",
            _registrations_table(items),
            _pager(q, offset, len(items)),
            "<h2>Notifications sent to customers</h2>",
            _notifications_table(self._store.notifications(limit=20, newest_first=True)),
            "<h2>Events received</h2>",
            _events_table(self._store.events(limit=PAGE_SIZE, newest_first=True)),
            "<h2>Unidentified parcels</h2>",
            _unknown_table(self._store.unknown_parcels()),
        ]
        return "\n".join(parts)

    def _edit_page(self, pid: str) -> Response:
        item = self._store.registration(pid)
        if item is None:
            raise NotFoundError(pid)
        if item.get("deleted"):
            body = f"<p>{_e(pid)} was deleted by the customer at {_e(item['updated_at'])}.</p>"
        else:
            body = _registration_form(f"{ADMIN_PATH}/registrations/{quote(pid)}", item, add=False) + (
                f"<form method=post action='{ADMIN_PATH}/registrations/{quote(pid)}/delete'>"
                "<button class=danger>Delete (as the customer)</button></form>"
            )
        return _page(f"Registration {pid}", body + f"<p><a href={ADMIN_PATH}>back</a></p>")


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _ok(data: Any, status: int = 200) -> Response:
    return Response(status, encode(data))


def _see_other(location: str) -> Response:
    return Response(303, b"", "text/plain", {"Location": location})


_STYLE: Final = """
body{font:14px system-ui,sans-serif;margin:1.5em;color:#222} table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top} th{background:#f3f3f3}
code,pre{font-family:ui-monospace,monospace} pre{white-space:pre-wrap;margin:0} .inline{display:inline}
.accepted{color:#070} .duplicate{color:#777} .rejected{color:#b00} .danger{color:#b00} label{margin-right:1em}
"""


def _page(title: str, body: str) -> Response:
    doc = (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{_e(title)}</title>"
        f"<style>{_STYLE}</style></head><body><h1>{_e(title)}</h1>{body}</body></html>"
    )
    return Response(200, doc.encode(), "text/html")


def _registration_form(action: str, item: Mapping[str, Any], *, add: bool) -> str:
    def field(name: str, label: str, size: int = 24) -> str:
        return f"<label>{label} <input name={name} size={size} value='{_e(item.get(name, ''))}'></label>"

    status = item.get("status", AWAITING)
    options = "".join(
        f"<option{' selected' if s == status else ''}>{_e(s)}</option>"
        for s in dict.fromkeys((AWAITING, AT_WAREHOUSE, "packed", "shipped", status))
    )
    services = " ".join(item.get("services", []))
    rows = [
        field("tracking_number", "Tracking number (as typed)", 36),
        field("order_number", "Order"),
        field("store", "Store", 16),
        f"<label>Status <select name=status>{options}</select></label>",
        f"<label>Services <input name=services size=30 value='{_e(services)}' "
        f"title='space-separated: {' '.join(SERVICES)}'></label>",
    ]
    if add:
        rows += [
            "<br><label>Customer suite <input name=suite size=10 placeholder=UN-1234></label>",
            "<label>Name <input name=name size=20></label>",
        ]
    return f"<form method=post action='{action}'>{' '.join(rows)} <button>{'Add' if add else 'Save'}</button></form>"


def _registrations_table(items: Sequence[Mapping[str, Any]]) -> str:
    rows = [
        "<tr><th>id</th><th>tracking number (as typed)</th><th>order</th><th>store</th><th>customer</th>"
        "<th>services</th><th>status</th><th>updated</th></tr>"
    ]
    for it in items:
        link = f"<a href='{ADMIN_PATH}/registrations/{quote(it['id'])}'>{_e(it['id'])}</a>"
        if it.get("deleted"):
            rows.append(f"<tr><td>{link}</td><td colspan=6><i>deleted</i></td><td>{_e(it['updated_at'])}</td></tr>")
            continue
        c = it.get("customer") or {}
        rows.append(
            f"<tr><td>{link}</td><td><code>{_e(it['tracking_number'])}</code></td><td>{_e(it['order_number'])}</td>"
            f"<td>{_e(it['store'])}</td><td>{_e(c.get('suite'))} {_e(c.get('name'))}</td>"
            f"<td>{_e(' '.join(it['services']))}</td><td>{_e(it['status'])}</td><td>{_e(it['updated_at'])}</td></tr>"
        )
    return "<table>" + "".join(rows) + "</table>"


def _pager(q: str, offset: int, shown: int) -> str:
    links = []
    if offset:
        links.append(f"<a href='{ADMIN_PATH}?q={quote(q)}&offset={max(0, offset - PAGE_SIZE)}'>newer</a>")
    if shown == PAGE_SIZE:
        links.append(f"<a href='{ADMIN_PATH}?q={quote(q)}&offset={offset + PAGE_SIZE}'>older</a>")
    return "<p>" + " &middot; ".join(links) + "</p>"


def _events_table(events: Sequence[Mapping[str, Any]]) -> str:
    rows = ["<tr><th>#</th><th>received</th><th>station</th><th>type</th><th>result</th><th>event</th></tr>"]
    for ev in events:
        error = ev["error"]
        result = _e(ev["result"]) + (f": {_e(error['code'])} ({_e(error['message'])})" if error else "")
        rows.append(
            f"<tr><td>{ev['n']}</td><td>{_e(ev['received_at'])}</td><td>{_e(ev['station_id'])}</td>"
            f"<td>{_e(ev['type'])}</td><td class={_e(ev['result'])}>{result}</td>"
            f"<td><code>{_e(encode(ev['event']).decode())}</code></td></tr>"
        )
    return "<table>" + "".join(rows) + "</table>"


def _notifications_table(notes: Sequence[Mapping[str, Any]]) -> str:
    rows = ["<tr><th>sent</th><th>to</th><th>e-mail</th><th>message in the personal account</th></tr>"]
    for n in notes:
        rows.append(
            f"<tr><td>{_e(n['sent_at'])}<br>{_e(n['parcel_id'])}</td><td>{_e(n['email'])}<br>{_e(n['customer_id'])}</td>"
            f"<td><b>{_e(n['subject'])}</b><pre>{_e(n['email_text'])}</pre></td><td>{_e(n['account_message'])}</td></tr>"
        )
    return "<table>" + "".join(rows) + "</table>"


def _unknown_table(parcels: Sequence[Mapping[str, Any]]) -> str:
    keys = ("local_id", "station_id", "tracking_number", "carrier", "listed_at", "resolution", "parcel_id", "note")
    rows = ["<tr>" + "".join(f"<th>{k}</th>" for k in keys) + "</tr>"]
    rows += ["<tr>" + "".join(f"<td>{_e(p[k])}</td>" for k in keys) + "</tr>" for p in parcels]
    return "<table>" + "".join(rows) + "</table>"
