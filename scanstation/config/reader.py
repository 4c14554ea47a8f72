"""Reads one TOML table with type and range checks; every mistake is collected with its full key."""

from __future__ import annotations

import difflib
import math
import os
import reprlib
import stat
from pathlib import Path
from typing import Any, Final, TypeVar, overload

from scanstation.config.model import ConfigError, control_character

_T = TypeVar("_T")
REQUIRED: Final = object()
_ABSENT: Final = object()  # what Section._get answers for a key that is not in the table

MAX_TEXT: Final = 4096  # no setting needs more; keeps a pasted blob out of the messages
MAX_NAME: Final = 64  # station id, operator and scanner names: they are stored with every scan
MAX_FILE_BYTES: Final = 1 << 20  # a config file is a few kilobytes


def shown(value: object) -> str:
    """A value short enough to quote in a message, whatever was written."""
    return _SHORT_REPR.repr(value)


_SHORT_REPR: Final = reprlib.Repr()
_SHORT_REPR.maxstring = _SHORT_REPR.maxother = 60
_SHORT_REPR.maxlist = _SHORT_REPR.maxdict = 4
_SHORT_REPR.maxlevel = 2


class Section:
    """Reads one TOML table with type checks; every error names the full key and is collected, not raised."""

    def __init__(self, data: Any, name: str, source: str, problems: list[ConfigError]) -> None:
        self.name = name
        self.source = source
        self.problems = problems
        self._first_problem = len(problems)
        self.seen: set[str] = set()
        if isinstance(data, dict):
            self.data: dict[str, Any] = data
        else:
            self.data = {}
            problems.append(
                ConfigError(name, "must be a table", f"write it as [{name}] with key = value lines", source)
            )

    @property
    def clean(self) -> bool:
        """No mistake found in this table so far: checks across keys would only repeat it."""
        return len(self.problems) == self._first_problem

    def _key(self, key: str) -> str:
        return f"{self.name}.{key}"

    def error(self, key: str, problem: str, fix: str) -> ConfigError:
        return ConfigError(self._key(key), problem, fix, self.source)

    @overload
    def report(self, key: str, problem: str, fix: str) -> None: ...
    @overload
    def report(self, key: str, problem: str, fix: str, fallback: _T) -> _T: ...
    def report(self, key: str, problem: str, fix: str, fallback: object = None) -> object:
        """Note a mistake and go on with `fallback`: the file is refused at the end with every mistake named."""
        self.problems.append(self.error(key, problem, fix))
        return fallback

    def _get(self, key: str, default: Any) -> Any:
        self.seen.add(key)
        if key in self.data:
            return self.data[key]
        if default is REQUIRED:
            self.report(key, "is missing", f"add `{key} = ...` under [{self.name}]")
        return _ABSENT

    def raw(self, key: str, default: Any) -> Any:
        """The value as written, unchecked (for settings with checks of their own)."""
        value = self._get(key, default)
        return _fallback(default) if value is _ABSENT else value

    def text(
        self,
        key: str,
        default: Any = REQUIRED,
        choices: tuple[str, ...] | None = None,
        *,
        controls: bool = False,
        max_length: int = MAX_TEXT,
    ) -> Any:
        value = self._get(key, default)
        fallback = _fallback(default)
        if value is _ABSENT:
            return fallback
        if not isinstance(value, str):
            scalar = isinstance(value, int | float)
            fix = f'quote it: {key} = "{value}"' if scalar else f'write it as a quoted string: {key} = "..."'
            return self.report(key, f"must be a string, got {kind_of(value)}", fix, fallback)
        if choices is not None and value not in choices:
            return self.report(
                key,
                f"is {shown(value)}, not one of {', '.join(choices)}",
                f"use one of {', '.join(choices)}",
                fallback,
            )
        if len(value) > max_length:
            return self.report(
                key, f"is {len(value)} characters long, longer than {max_length}", "shorten it", fallback
            )
        control = None if controls else control_character(value)
        if control is not None:
            return self.report(
                key, f"contains {control}", "remove it (write the value on one line, without escapes)", fallback
            )
        return value

    def nonempty(self, key: str, default: Any = REQUIRED) -> Any:
        value = self.text(key, default)
        if isinstance(value, str) and not value.strip():
            return self.report(key, "is empty", f"give {key} a value", _fallback(default))
        return value

    def name_text(self, key: str, default: Any = REQUIRED) -> Any:
        """A name stored with every scan: 1 to MAX_NAME printable characters, no spaces at the ends."""
        value = self.nonempty(key, default)
        if not isinstance(value, str) or key not in self.data:
            return value
        fallback = _fallback(default)
        if len(value) > MAX_NAME:
            return self.report(
                key,
                f"is {len(value)} characters long, longer than {MAX_NAME}",
                f"use at most {MAX_NAME} characters",
                fallback,
            )
        if value != value.strip():
            return self.report(key, "starts or ends with a space", f'write {key} = "{value.strip()}"', fallback)
        if not value.isprintable():
            return self.report(
                key, "contains a character that cannot be printed", "use letters, digits, '-', '_' or '.'", fallback
            )
        return value

    def integer(self, key: str, default: Any = REQUIRED, *, lo: int, hi: int) -> Any:
        value = self._get(key, default)
        if value is _ABSENT:
            return _fallback(default)
        if isinstance(value, bool) or not isinstance(value, int):
            return self.report(
                key,
                f"must be a whole number, got {kind_of(value)}",
                f"write it without quotes, e.g. {key} = {_example(default, lo)}",
                _fallback(default),
            )
        return self._in_range(key, value, lo, hi, default)

    def number(self, key: str, default: Any = REQUIRED, *, lo: float, hi: float) -> Any:
        value = self._get(key, default)
        if value is _ABSENT:
            return _fallback(default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return self.report(
                key,
                f"must be a number, got {kind_of(value)}",
                f"write it without quotes, e.g. {key} = {_example(default, lo)}",
                _fallback(default),
            )
        if not math.isfinite(value):
            return self.report(
                key, f"is {value}, not a finite number", f"use a value from {lo:g} to {hi:g}", _fallback(default)
            )
        checked = self._in_range(key, value, lo, hi, default)
        return None if checked is None else float(checked)

    def flag(self, key: str, default: Any = REQUIRED) -> Any:
        value = self._get(key, default)
        if value is _ABSENT:
            return _fallback(default)
        if not isinstance(value, bool):
            return self.report(
                key,
                f"must be true or false, got {kind_of(value)}",
                f"write {key} = true or {key} = false (no quotes)",
                _fallback(default),
            )
        return value

    def _in_range(self, key: str, value: float, lo: float, hi: float, default: Any) -> Any:
        if value < lo:
            return self.report(
                key, f"is {value}, below the minimum {lo}", f"use a value of at least {lo}", _fallback(default)
            )
        if value > hi:
            return self.report(
                key, f"is {value}, above the maximum {hi}", f"use a value of at most {hi}", _fallback(default)
            )
        return value

    def finish(self) -> None:
        for key in sorted(set(self.data) - self.seen):
            close = difflib.get_close_matches(key, sorted(self.seen), n=1)
            fix = f"did you mean `{close[0]}`?" if close else "remove it (see config.example.toml for every key)"
            self.report(key, "is not a known setting", fix)


def _fallback(default: Any) -> Any:
    """What a key reads as after a mistake: its default, or None for a required key (the file is refused)."""
    return None if default is REQUIRED else default


def _example(default: Any, lo: float) -> str:
    value = lo if default is REQUIRED or default is None else default
    return f"{value:g}" if isinstance(value, float) else str(value)


def kind_of(value: object) -> str:
    return {
        bool: "true/false",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)


def _file_kind_problem(mode: int) -> str | None:
    """Why a path of this st_mode is not a file to read settings from; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a directory, not a file"
    if stat.S_ISFIFO(mode):
        return "is a named pipe (FIFO), not a file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a file"
    return "is not a regular file"


def read_regular_file(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; OSError or ValueError (in words) otherwise.

    Never blocks: the kind is checked before opening, and the open itself cannot wait for a writer
    (O_NONBLOCK) should the path be swapped for a FIFO in between.
    """
    problem = _file_kind_problem(os.stat(path).st_mode)
    if problem is not None:
        raise ValueError(problem)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(file.fileno())
        problem = _file_kind_problem(info.st_mode)
        if problem is not None:
            raise ValueError(problem)
        if info.st_size > limit:
            raise ValueError(f"is {info.st_size} bytes, more than the {limit} a settings file may have")
        return file.read(limit + 1)[:limit]
