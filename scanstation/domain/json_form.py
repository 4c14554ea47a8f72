"""The one JSON form of every domain value, for headless mode's lines and the logs."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, is_dataclass
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, TypeAlias

from scanstation.domain.scan import rfc3339
from scanstation.domain.text import storable_text

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

__all__ = ["Json", "json_fields", "json_form", "json_text"]

Json: TypeAlias = "bool | int | float | str | list[Json] | dict[str, Json] | None"

# Long enough for any real field; lone surrogates from a garbage read are escaped so stdout never breaks.
MAX_JSON_TEXT = 65536


def json_form(value: object) -> Json:
    """JSON-ready form of a value, at any depth: timestamps in contract form, enums by value, sets sorted.

    Nested values (a duplicate's first receipt) go through the same rules: `dataclasses.asdict` alone
    leaves datetimes in its dicts, which is how the duplicate line once broke.
    """
    if isinstance(value, datetime):
        return rfc3339(value)
    if isinstance(value, Enum):
        return json_form(value.value)
    if isinstance(value, frozenset | set):
        return sorted((json_form(v) for v in value), key=str)
    if isinstance(value, tuple | list):
        return [json_form(v) for v in value]
    if isinstance(value, str):
        return storable_text(value, limit=MAX_JSON_TEXT)
    if isinstance(value, Mapping):
        return {str(k): json_form(v) for k, v in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        return json_fields(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)  # never a TypeError on stdout: an unexpected type is printed as its text


def json_fields(value: DataclassInstance) -> dict[str, Json]:
    """A value's fields by name, each in its JSON form: the body of a headless line."""
    return {name: json_form(field) for name, field in asdict(value).items()}


def json_text(value: object) -> str:
    """The JSON form as one compact line of text, for a log message."""
    return json.dumps(json_form(value), ensure_ascii=False, separators=(",", ":"))
