"""Checks on a POST /events body: what makes the whole request 400, and what rejects one event."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any, Final

import msgspec

from scanstation.devserver.wire import MAX_EVENTS, is_timestamp

MAX_ID_LENGTH: Final = 200
RESOLUTIONS: Final = ("matched", "returned_to_sender", "disposed", "other")
NOTIFICATION_KINDS: Final = ("parcel_arrived",)


class MalformedBodyError(ValueError):
    """The request body is not a batch of events: answer 400, apply nothing."""


def parse_batch(body: bytes) -> tuple[str, list[dict[str, Any]]]:
    """(station_id, events) of a well-formed batch; MalformedBodyError otherwise.

    Well-formed means: a JSON object with a non-empty string `station_id` and an array `events` of at
    most 500 objects, each with a non-empty string `id`. Everything else about an event is judged one
    event at a time (a `rejected` result), so one bad event never blocks the rest of the batch.
    """
    try:
        data = msgspec.json.decode(body)
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError, RecursionError) as exc:
        raise MalformedBodyError(f"body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise MalformedBodyError("body must be a JSON object with station_id and events")
    station_id = data.get("station_id")
    if not isinstance(station_id, str) or not station_id:
        raise MalformedBodyError("station_id must be a non-empty string")
    events = data.get("events")
    if not isinstance(events, list):
        raise MalformedBodyError("events must be an array")
    if len(events) > MAX_EVENTS:
        raise MalformedBodyError(f"at most {MAX_EVENTS} events per request, got {len(events)}")
    for index, event in enumerate(events):
        if not isinstance(event, dict):
            raise MalformedBodyError(f"events[{index}] must be an object")
        event_id = event.get("id")
        if not isinstance(event_id, str) or not event_id or len(event_id) > MAX_ID_LENGTH:
            raise MalformedBodyError(
                f"events[{index}].id must be a non-empty string of at most {MAX_ID_LENGTH} characters"
            )
    return station_id, events


def _string(event: Mapping[str, Any], name: str, *, nullable: bool = False, required: bool = True) -> str | None:
    if name not in event:
        return f"{name} is missing" if required else None
    value = event[name]
    if value is None and nullable:
        return None
    if not isinstance(value, str):
        return f"{name} must be a string{' or null' if nullable else ''}"
    return None


def _non_empty(event: Mapping[str, Any], name: str) -> str | None:
    problem = _string(event, name)
    if problem is None and not event[name].strip():
        return f"{name} must not be empty"
    return problem


def _one_of(event: Mapping[str, Any], name: str, allowed: tuple[str, ...]) -> str | None:
    problem = _string(event, name)
    if problem is None and event[name] not in allowed:
        return f"{name} must be one of {', '.join(allowed)}"
    return problem


def _uuid(event: Mapping[str, Any], name: str) -> str | None:
    problem = _string(event, name)
    if problem is None:
        try:
            uuid.UUID(event[name])
        except ValueError:
            return f"{name} must be a UUID"
    return problem


def _status_changed(event: Mapping[str, Any]) -> list[str | None]:
    return [
        _non_empty(event, "parcel_id"),
        _string(event, "tracking_number"),
        _non_empty(event, "status"),
        _string(event, "previous_status", nullable=True),
    ]


def _notification(event: Mapping[str, Any]) -> list[str | None]:
    return [_non_empty(event, "parcel_id"), _one_of(event, "kind", NOTIFICATION_KINDS)]


def _unknown(event: Mapping[str, Any]) -> list[str | None]:
    return [
        _uuid(event, "local_id"),
        _non_empty(event, "tracking_number"),
        _string(event, "raw_scan"),
        _string(event, "carrier", nullable=True),
    ]


def _unknown_resolved(event: Mapping[str, Any]) -> list[str | None]:
    problems = [
        _uuid(event, "local_id"),
        _one_of(event, "resolution", RESOLUTIONS),
        _string(event, "note", nullable=True, required=False),
    ]
    if event.get("resolution") == "matched":
        problems.append(_non_empty(event, "parcel_id"))
    else:
        problems.append(_string(event, "parcel_id", nullable=True, required=False))
    return problems


_BY_TYPE: Final[dict[str, Callable[[Mapping[str, Any]], list[str | None]]]] = {
    "parcel.status_changed": _status_changed,
    "notification.requested": _notification,
    "parcel.unknown": _unknown,
    "parcel.unknown_resolved": _unknown_resolved,
}
EVENT_TYPES: Final = tuple(_BY_TYPE)


def event_problem(event: Mapping[str, Any]) -> str | None:
    """Why an event (already known to have an id) is invalid, or None when its fields are right."""
    event_type = event.get("type")
    if not isinstance(event_type, str):
        return "type must be a string"
    check = _BY_TYPE.get(event_type)
    if check is None:
        return f"unknown event type {event_type!r}"
    problems = [
        None if is_timestamp(event.get("occurred_at")) else "occurred_at must be an RFC 3339 UTC timestamp ending in Z",
        _string(event, "operator"),
        *check(event),
    ]
    found = [p for p in problems if p is not None]
    return "; ".join(found) if found else None
