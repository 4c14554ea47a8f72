"""The central server's answers as strict msgspec types, and the checks msgspec cannot express."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Final, Literal, TypeVar

import msgspec

__all__ = [
    "HEALTH_MAX_BYTES",
    "AnswerTooLargeError",
    "ContractError",
    "Customer",
    "EventResult",
    "EventsAnswer",
    "Health",
    "ParcelItem",
    "ParcelsPage",
    "ResultError",
    "check_events_answer",
    "decode_events_answer",
    "decode_health",
    "decode_page",
    "events_answer_max_bytes",
    "page_max_bytes",
]

MAX_LIMIT: Final = 5000
MAX_EVENTS_PER_REQUEST: Final = 500
_ZERO: Final = timedelta(0)

# RFC 3339 with an offset; the offset must be zero (checked after decoding: "UTC with Z").
UtcTime = Annotated[datetime, msgspec.Meta(tz=True)]
NonEmpty = Annotated[str, msgspec.Meta(min_length=1)]


# The most an answer may hold once inflated (a gzip body can grow a thousandfold). The contract sets no size,
# so these are generous: a typical feed record is about 400 bytes, a result about 100.
HEALTH_MAX_BYTES: Final = 64 * 1024
_PAGE_RECORD_BYTES: Final = 16 * 1024
_EVENT_RESULT_BYTES: Final = 4 * 1024


def page_max_bytes(limit: int) -> int:
    """The largest /parcels answer the station reads for a page of `limit` records (16 MiB at limit=1000)."""
    return HEALTH_MAX_BYTES + limit * _PAGE_RECORD_BYTES


def events_answer_max_bytes(events: int) -> int:
    """The largest /events answer the station reads for a batch of `events` events."""
    return HEALTH_MAX_BYTES + events * _EVENT_RESULT_BYTES


class ContractError(Exception):
    """An answer that breaks the contract: it is logged and set aside, nothing is written."""


class AnswerTooLargeError(ContractError):
    """An answer larger, once inflated, than the station reads for its request: set aside like a broken one."""


class Health(msgspec.Struct, frozen=True):
    status: Literal["ok"]
    server_time: UtcTime


class Customer(msgspec.Struct, frozen=True):
    id: str
    suite: str
    name: str


class ParcelItem(msgspec.Struct, frozen=True):
    """One feed record; a deleted one may carry only `id` and `updated_at` (and `deleted`)."""

    id: NonEmpty
    updated_at: UtcTime
    deleted: bool
    tracking_number: str | msgspec.UnsetType = msgspec.UNSET
    order_number: str | msgspec.UnsetType = msgspec.UNSET
    store: str | msgspec.UnsetType = msgspec.UNSET
    customer: Customer | msgspec.UnsetType = msgspec.UNSET
    services: list[str] | msgspec.UnsetType = msgspec.UNSET
    status: NonEmpty | msgspec.UnsetType = msgspec.UNSET


class ParcelsPage(msgspec.Struct, frozen=True):
    items: list[ParcelItem]
    next_cursor: NonEmpty
    has_more: bool


class ResultError(msgspec.Struct, frozen=True):
    code: str
    message: str


class EventResult(msgspec.Struct, frozen=True):
    id: str
    status: Literal["accepted", "duplicate", "rejected"]
    error: ResultError | None = None


class EventsAnswer(msgspec.Struct, frozen=True):
    results: list[EventResult]


_health_decoder: Final = msgspec.json.Decoder(Health)
_page_decoder: Final = msgspec.json.Decoder(ParcelsPage)
_events_decoder: Final = msgspec.json.Decoder(EventsAnswer)

# Fields a live (not deleted) record must carry; the contract's example shows all of them.
_LIVE_FIELDS: Final = ("tracking_number", "order_number", "store", "customer", "services", "status")


def _utc(moment: datetime, where: str) -> None:
    if moment.utcoffset() != _ZERO:
        raise ContractError(f"{where}: timestamp {moment.isoformat()} is not in UTC")


_T = TypeVar("_T")


def _decode(decoder: msgspec.json.Decoder[_T], body: bytes, path: str) -> _T:
    """Typed decoding of an answer; what breaks the contract becomes a ContractError naming the path."""
    try:
        return decoder.decode(body)
    except msgspec.ValidationError as err:
        raise ContractError(f"{path}: {err}") from None
    except msgspec.DecodeError as err:
        raise ContractError(f"{path}: not JSON ({err})") from None
    except RecursionError:  # msgspec skips an unknown field's value by recursion, without a depth limit
        raise ContractError(f"{path}: JSON nested too deeply to read") from None


def decode_health(body: bytes) -> Health:
    health = _decode(_health_decoder, body, "/health")
    _utc(health.server_time, "/health server_time")
    return health


def decode_page(body: bytes, limit: int) -> ParcelsPage:
    """A feed page, every record checked: types, UTC times, live records complete, services as codes."""
    page = _decode(_page_decoder, body, "/parcels")
    if len(page.items) > limit:
        raise ContractError(f"/parcels: {len(page.items)} items for limit={limit}")
    if page.has_more and not page.items:
        # An empty page that says there is more would make the station ask forever.
        raise ContractError("/parcels: has_more is true on an empty page")
    unset = msgspec.UNSET
    for index, item in enumerate(page.items):
        if item.updated_at.utcoffset() != _ZERO:
            _utc(item.updated_at, f"/parcels items[{index}].updated_at")
        if item.deleted:
            continue
        for name in _LIVE_FIELDS:
            if getattr(item, name) is unset:
                raise ContractError(f"/parcels items[{index}] (id {item.id!r}): a live record without `{name}`")
        for code in item.services:  # type: ignore[union-attr]  # checked above
            if not code or code.split() != [code]:
                raise ContractError(f"/parcels items[{index}] (id {item.id!r}): service code {code!r}")
    return page


def decode_events_answer(body: bytes) -> EventsAnswer:
    return _decode(_events_decoder, body, "/events")


def check_events_answer(answer: EventsAnswer, sent_ids: list[str]) -> None:
    """One result per event, in the same order, and every rejection says why."""
    got = [result.id for result in answer.results]
    if got != sent_ids:
        raise ContractError(f"/events: {len(got)} results for {len(sent_ids)} events, or not in the order sent")
    for result in answer.results:
        if result.status == "rejected" and result.error is None:
            raise ContractError(f"/events: event {result.id} rejected without an error")
