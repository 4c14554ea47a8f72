"""The station's configuration: read once from TOML, validated into typed, frozen objects."""

from __future__ import annotations

import difflib
import ipaddress
import math
import os
import re
import reprlib
import ssl
import stat
import tomllib
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, TypeVar, overload
from urllib.parse import urlsplit

from scanstation import paths

CONFIG_ENV: Final = "SCANSTATION_CONFIG"
DEFAULT_TOKEN_ENV: Final = "SCANSTATION_SERVER_TOKEN"

SCANNER_TYPES: Final = ("serial", "socket", "wedge")
TERMINATORS: Final = ("CR", "LF", "CRLF", "TAB", "ETX", "NONE")
PARITIES: Final = {"none": "N", "even": "E", "odd": "O", "mark": "M", "space": "S"}
LANGUAGES: Final = ("ru", "en")
LOG_LEVELS: Final = ("DEBUG", "INFO", "WARNING", "ERROR")


class ConfigError(Exception):
    """A config file the station cannot run with: names the key, what is wrong and the fix."""

    def __init__(self, key: str, problem: str, fix: str, source: str = "") -> None:
        self.key = key
        self.problem = problem
        self.fix = fix
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(f"{where}{key}: {problem}. Fix: {fix}")

    @property
    def errors(self) -> tuple[ConfigError, ...]:
        """Every mistake this error stands for (one here; several in ConfigErrors)."""
        return (self,)


class ConfigErrors(ConfigError):  # noqa: N818 (the plural of ConfigError)
    """Several mistakes found in one run; key, problem, fix and source are the first one's."""

    def __init__(self, errors: Sequence[ConfigError]) -> None:
        first = errors[0]
        super().__init__(first.key, first.problem, first.fix, first.source)
        self._errors = tuple(errors)
        self.args = ("\n".join(str(error) for error in self._errors),)

    def __str__(self) -> str:
        return str(self.args[0])

    @property
    def errors(self) -> tuple[ConfigError, ...]:
        return self._errors


def raise_errors(errors: Sequence[ConfigError]) -> None:
    """Raise the one error, or all of them together; nothing when there are none."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ConfigErrors(errors)


@dataclass(frozen=True, slots=True)
class StationConfig:
    id: str
    operator: str = "conveyor"


@dataclass(frozen=True, slots=True)
class DatabaseConfig:
    url: str


@dataclass(frozen=True, slots=True)
class ServerConfig:
    url: str | None = None
    token: str | None = field(default=None, repr=False)
    token_env: str = DEFAULT_TOKEN_ENV
    pull_interval_s: float = 30.0
    push_interval_s: float = 2.0
    page_limit: int = 1000
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 30.0
    backoff_initial_s: float = 1.0
    backoff_max_s: float = 300.0
    allow_insecure_http: bool = False
    verify_tls: bool | str = True

    @property
    def enabled(self) -> bool:
        return self.url is not None


@dataclass(frozen=True, slots=True)
class ReceivingConfig:
    undo_window_s: float = 10.0
    # Characters some scanners are programmed to send instead of FNC1/GS (e.g. "|").
    fnc1_substitutes: tuple[str, ...] = ()
    # Where scans the database refused go when the data directory's disk cannot take them either;
    # None: the log directory, then the system's temp directory.
    journal_fallback_dir: str | None = None


@dataclass(frozen=True, slots=True)
class ScannerConfig:
    name: str
    type: str
    enabled: bool = True
    # serial: a device path, or a USB match that survives re-plugging under a new device node
    port: str | None = None
    usb_vid: int | None = None
    usb_pid: int | None = None
    usb_serial: str | None = None
    usb_location: str | None = None
    baudrate: int = 9600
    bytesize: int = 8
    parity: str = "N"
    stopbits: float = 1
    # socket: socket://host:port or rfc2217://host:port
    url: str | None = None
    # framing, serial and socket
    terminator: str = "CR"
    stx_prefix: bool = False
    idle_gap_ms: int = 80
    max_scan_bytes: int = 8192
    reconnect_max_s: float = 1.0
    # wedge
    max_key_gap_ms: int = 35
    min_length: int = 8
    prefix: str | None = None


@dataclass(frozen=True, slots=True)
class GuiConfig:
    language: str = "ru"
    sound: bool = True
    fullscreen: bool = False
    font_scale: float = 1.0


@dataclass(frozen=True, slots=True)
class LoggingConfig:
    level: str = "INFO"
    file: bool = True


@dataclass(frozen=True, slots=True)
class Config:
    station: StationConfig
    database: DatabaseConfig
    server: ServerConfig
    receiving: ReceivingConfig
    scanners: tuple[ScannerConfig, ...]
    gui: GuiConfig
    logging: LoggingConfig
    source: str = ""

    def warnings(self) -> tuple[str, ...]:
        """Settings that are allowed but risky, in words, to say loudly at every start and in the status bar."""
        found: list[str] = []
        parts = urlsplit(self.server.url or "")
        if parts.scheme == "http" and not is_loopback_host(parts.hostname):
            found.append(
                f"WARNING: the server {parts.hostname} is reached over plain http:// (allow_insecure_http = true): "
                "the token and every event cross the network unencrypted"
            )
        if parts.scheme == "https" and self.server.verify_tls is False:
            found.append(
                "WARNING: the server's TLS certificate is not checked (verify_tls = false): "
                "anyone on the network can pose as the server and take the token"
            )
        return tuple(found)

    def server_token(self, environ: Mapping[str, str] | None = None) -> str | None:
        """The bearer token: the config's own, else the environment variable it names."""
        return _token_of(self.server, os.environ if environ is None else environ)

    def token_error(self, environ: Mapping[str, str] | None = None) -> ConfigError | None:
        """Why sync has no usable token (missing, or unusable in the environment); None when it has one."""
        return _token_error(self.server, os.environ if environ is None else environ, self.source)


def _token_of(server: ServerConfig, environ: Mapping[str, str]) -> str | None:
    return server.token or environ.get(server.token_env) or None


def _token_error(server: ServerConfig, environ: Mapping[str, str], source: str) -> ConfigError | None:
    """The one check of the token sync will use, wherever it comes from; None when usable or no server is set.

    A token in the file is checked as the file is read; one in the environment only here, because the
    environment is the running station's (load_config(require_token=True) and Config.token_error ask).
    """
    if not server.enabled or server.token:
        return None
    name = server.token_env
    value = _token_of(server, environ)
    if value is None:
        return ConfigError(
            "server.token",
            f"no token: set {name} or server.token",
            f"put the station's token in the environment variable {name} (kept out of the file), "
            'or write token = "..." under [server]',
            source,
        )
    problem = token_problem(value)
    if problem is not None:
        return ConfigError(
            "server.token_env", f"the token in ${name} {problem}", f"copy the token into {name} again", source
        )
    return None


_T = TypeVar("_T")
_REQUIRED: Final = object()
_ABSENT: Final = object()  # what _Section._get answers for a key that is not in the table

MAX_TEXT: Final = 4096  # no setting needs more; keeps a pasted blob out of the messages
MAX_NAME: Final = 64  # station id, operator and scanner names: they are stored with every scan
MAX_FILE_BYTES: Final = 1 << 20  # a config file is a few kilobytes
_TRUE_WORDS: Final = frozenset({"true", "yes", "on", "1", "y"})
_FALSE_WORDS: Final = frozenset({"false", "no", "off", "0", "n", "none"})
_ENV_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _control_character(text: str) -> str | None:
    """The first control character (line break, tab, NUL, DEL, ...) in `text`, described; None when none."""
    for position, char in enumerate(text, start=1):
        if unicodedata.category(char) == "Cc":
            names = {"\n": "a line break", "\r": "a carriage return", "\t": "a tab", "\0": "a NUL"}
            return f"{names.get(char, 'a control character')} (U+{ord(char):04X}) at character {position}"
    return None


def token_problem(token: str) -> str | None:
    """What makes `token` unusable as a bearer token (an HTTP header value), in words; None when fine."""
    if not token:
        return "is empty"
    control = _control_character(token)
    if control is not None:
        return f"contains {control}"
    if any(char.isspace() for char in token):
        return "contains a space"
    if not token.isascii() or not token.isprintable():
        return "contains a character that is not plain ASCII"
    return None


def _shown(value: object) -> str:
    """A value short enough to quote in a message, whatever was written."""
    return _SHORT_REPR.repr(value)


_SHORT_REPR: Final = reprlib.Repr()
_SHORT_REPR.maxstring = _SHORT_REPR.maxother = 60
_SHORT_REPR.maxlist = _SHORT_REPR.maxdict = 4
_SHORT_REPR.maxlevel = 2


class _Section:
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
        if default is _REQUIRED:
            self.report(key, "is missing", f"add `{key} = ...` under [{self.name}]")
        return _ABSENT

    def raw(self, key: str, default: Any) -> Any:
        """The value as written, unchecked (for settings with checks of their own)."""
        value = self._get(key, default)
        return _fallback(default) if value is _ABSENT else value

    def text(
        self,
        key: str,
        default: Any = _REQUIRED,
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
            return self.report(key, f"must be a string, got {_kind(value)}", fix, fallback)
        if choices is not None and value not in choices:
            return self.report(
                key,
                f"is {_shown(value)}, not one of {', '.join(choices)}",
                f"use one of {', '.join(choices)}",
                fallback,
            )
        if len(value) > max_length:
            return self.report(
                key, f"is {len(value)} characters long, longer than {max_length}", "shorten it", fallback
            )
        control = None if controls else _control_character(value)
        if control is not None:
            return self.report(
                key, f"contains {control}", "remove it (write the value on one line, without escapes)", fallback
            )
        return value

    def nonempty(self, key: str, default: Any = _REQUIRED) -> Any:
        value = self.text(key, default)
        if isinstance(value, str) and not value.strip():
            return self.report(key, "is empty", f"give {key} a value", _fallback(default))
        return value

    def name_text(self, key: str, default: Any = _REQUIRED) -> Any:
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

    def integer(self, key: str, default: Any = _REQUIRED, *, lo: int, hi: int) -> Any:
        value = self._get(key, default)
        if value is _ABSENT:
            return _fallback(default)
        if isinstance(value, bool) or not isinstance(value, int):
            return self.report(
                key,
                f"must be a whole number, got {_kind(value)}",
                f"write it without quotes, e.g. {key} = {_example(default, lo)}",
                _fallback(default),
            )
        return self._in_range(key, value, lo, hi, default)

    def number(self, key: str, default: Any = _REQUIRED, *, lo: float, hi: float) -> Any:
        value = self._get(key, default)
        if value is _ABSENT:
            return _fallback(default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return self.report(
                key,
                f"must be a number, got {_kind(value)}",
                f"write it without quotes, e.g. {key} = {_example(default, lo)}",
                _fallback(default),
            )
        if not math.isfinite(value):
            return self.report(
                key, f"is {value}, not a finite number", f"use a value from {lo:g} to {hi:g}", _fallback(default)
            )
        checked = self._in_range(key, value, lo, hi, default)
        return None if checked is None else float(checked)

    def flag(self, key: str, default: Any = _REQUIRED) -> Any:
        value = self._get(key, default)
        if value is _ABSENT:
            return _fallback(default)
        if not isinstance(value, bool):
            return self.report(
                key,
                f"must be true or false, got {_kind(value)}",
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
    return None if default is _REQUIRED else default


def _example(default: Any, lo: float) -> str:
    value = lo if default is _REQUIRED or default is None else default
    return f"{value:g}" if isinstance(value, float) else str(value)


def _kind(value: object) -> str:
    return {
        bool: "true/false",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)


def is_loopback_host(host: str | None) -> bool:
    """True for localhost and loopback addresses: the only hosts plain http:// may reach."""
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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


def _read_regular_file(path: Path, limit: int) -> bytes:
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


def _verify_tls(sec: _Section, base: Path) -> bool | str:
    value = sec.raw("verify_tls", True)
    if isinstance(value, bool):
        return value
    if not isinstance(value, str):
        return sec.report(
            "verify_tls",
            f"must be true, false or a CA bundle path, got {_kind(value)}",
            'write verify_tls = true or verify_tls = "/path/ca.pem"',
            True,
        )
    word = value.strip().lower()
    if word in _TRUE_WORDS | _FALSE_WORDS:
        meant = "true" if word in _TRUE_WORDS else "false"
        return sec.report(
            "verify_tls",
            f"is the string {value!r}, which would be read as the path of a CA file",
            f"write verify_tls = {meant} without quotes",
            True,
        )
    if sec.text("verify_tls", True) is True:  # control characters or an absurd length, reported
        return True
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = base / path
    return _ca_bundle(sec, path)


def _ca_bundle(sec: _Section, path: Path) -> bool | str:
    """The path of a CA bundle requests can load, checked now rather than at the first request."""
    if path.is_dir():
        if not os.access(path, os.R_OK | os.X_OK):
            return sec.report("verify_tls", f"the CA directory {path} cannot be read", "check its permissions", True)
        return str(path)
    try:
        _read_regular_file(path, 16 << 20)  # exists, is a file (never a FIFO to hang on), can be read
    except FileNotFoundError:
        return sec.report(
            "verify_tls", f"the CA file {path} does not exist", "give the full path of the CA bundle (PEM)", True
        )
    except OSError as err:
        return sec.report(
            "verify_tls",
            f"the CA file {path} cannot be read: {err.strerror}",
            "check the path and its permissions",
            True,
        )
    except ValueError as err:
        return sec.report("verify_tls", f"the CA file {path} {err}", "give the path of the CA bundle (PEM)", True)
    try:
        # As requests will load it, so a bundle that loads here works there.
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cafile=str(path))
    except (ssl.SSLError, OSError):
        return sec.report(
            "verify_tls",
            f"{path} holds no certificate in PEM form (-----BEGIN CERTIFICATE-----)",
            "give the CA bundle in PEM form (convert DER with `openssl x509 -inform der`)",
            True,
        )
    return str(path)


def _server(sec: _Section, base: Path) -> ServerConfig:
    url = sec.text("url", None)
    insecure = sec.flag("allow_insecure_http", False)
    if url is not None:
        url = url.rstrip("/")
        parts = urlsplit(url)
        try:
            port_ok = parts.port is None or parts.port > 0
        except ValueError:
            port_ok = False
        if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
            url = sec.report(
                "url",
                f"{_shown(url)} is not an http(s) URL with a host",
                'write e.g. url = "https://example.invalid/api/station/v1"',
            )
        elif parts.scheme == "http" and not insecure and not is_loopback_host(parts.hostname):
            sec.report(
                "url",
                "uses plain http:// to a host that is not this machine, which would send the token in clear",
                "use https://, or set allow_insecure_http = true if you really mean it",
            )
    token = sec.text("token", None, max_length=MAX_TEXT)
    if token is not None:
        problem = token_problem(token)
        if problem is not None:
            token = sec.report(
                "token",
                problem,
                "copy the token again, on one line between the quotes; or remove the line and use token_env",
            )
    token_env = sec.nonempty("token_env", DEFAULT_TOKEN_ENV)
    if isinstance(token_env, str) and token_env.strip() and not _ENV_NAME.fullmatch(token_env):
        token_env = sec.report(
            "token_env",
            f"{_shown(token_env)} is not an environment variable name",
            f'use letters, digits and "_", e.g. token_env = "{DEFAULT_TOKEN_ENV}"',
            DEFAULT_TOKEN_ENV,
        )
    server = ServerConfig(
        url=url,
        token=token,
        token_env=token_env,
        pull_interval_s=sec.number("pull_interval_s", 30.0, lo=1, hi=86400),
        push_interval_s=sec.number("push_interval_s", 2.0, lo=0.1, hi=3600),
        page_limit=sec.integer("page_limit", 1000, lo=1, hi=5000),
        connect_timeout_s=sec.number("connect_timeout_s", 5.0, lo=0.1, hi=120),
        read_timeout_s=sec.number("read_timeout_s", 30.0, lo=0.1, hi=600),
        backoff_initial_s=sec.number("backoff_initial_s", 1.0, lo=0.01, hi=3600),
        backoff_max_s=sec.number("backoff_max_s", 300.0, lo=0.1, hi=86400),
        allow_insecure_http=insecure,
        verify_tls=_verify_tls(sec, base),
    )
    if sec.clean and server.backoff_initial_s > server.backoff_max_s:
        sec.report(
            "backoff_max_s",
            f"is {server.backoff_max_s:g}, below backoff_initial_s = {server.backoff_initial_s:g}",
            "make backoff_max_s at least backoff_initial_s",
        )
    return server


def _scanner(sec: _Section, taken: set[str]) -> ScannerConfig:
    name = sec.name_text("name")
    if name in taken:
        sec.report("name", f"{name!r} is used by two scanners", "give every [[scanners]] entry its own name")
    taken.add(name)
    kind = sec.text("type", choices=SCANNER_TYPES)
    parity_word = sec.text("parity", "none", choices=tuple(PARITIES))
    stopbits = sec.number("stopbits", 1, lo=1, hi=2)
    if stopbits not in (1, 1.5, 2):
        stopbits = sec.report("stopbits", f"is {stopbits:g}", "use 1, 1.5 or 2", 1)
    prefix = sec.text("prefix", None, controls=True)
    if prefix is not None and len(prefix) != 1:
        prefix = sec.report(
            "prefix", f"must be exactly one character, got {len(prefix)}", 'e.g. prefix = "\\u0002" (STX)'
        )
    cfg = ScannerConfig(
        name=name,
        type=kind,
        enabled=sec.flag("enabled", True),
        port=sec.nonempty("port", None),
        usb_vid=_hex_id(sec, "usb_vid"),
        usb_pid=_hex_id(sec, "usb_pid"),
        usb_serial=sec.nonempty("usb_serial", None),
        usb_location=sec.nonempty("usb_location", None),
        baudrate=sec.integer("baudrate", 9600, lo=50, hi=4_000_000),
        bytesize=sec.integer("bytesize", 8, lo=5, hi=8),
        parity=PARITIES.get(parity_word, "N"),
        stopbits=stopbits,
        url=sec.nonempty("url", None),
        terminator=sec.text("terminator", "CR", choices=TERMINATORS),
        stx_prefix=sec.flag("stx_prefix", False),
        idle_gap_ms=sec.integer("idle_gap_ms", 80, lo=5, hi=5000),
        max_scan_bytes=sec.integer("max_scan_bytes", 8192, lo=64, hi=1_048_576),
        reconnect_max_s=sec.number("reconnect_max_s", 1.0, lo=0.05, hi=60),
        max_key_gap_ms=sec.integer("max_key_gap_ms", 35, lo=1, hi=1000),
        min_length=sec.integer("min_length", 8, lo=1, hi=1000),
        prefix=prefix,
    )
    sec.finish()
    if not sec.clean:
        return cfg  # the checks below would repeat a mistake already named
    if (
        kind == "serial"
        and cfg.port is None
        and cfg.usb_vid is None
        and cfg.usb_serial is None
        and cfg.usb_location is None
    ):
        sec.report(
            "port",
            "is missing for a serial scanner",
            'set port = "/dev/ttyACM0", or usb_vid/usb_pid, usb_serial or usb_location (see `scanstation ports`)',
        )
    if kind == "socket":
        _socket_url(sec, cfg.url)
    return cfg


def _socket_url(sec: _Section, url: str | None) -> None:
    example = 'write e.g. url = "socket://10.0.0.5:2001"'
    if not url:
        sec.report("url", "is missing for a socket scanner", 'set url = "socket://10.0.0.5:2001"')
        return
    parts = urlsplit(url)
    if parts.scheme not in ("socket", "rfc2217"):
        sec.report("url", f"{_shown(url)} is not socket:// or rfc2217://", example)
        return
    try:
        port = parts.port
    except ValueError:
        port = 0  # not a number, or out of range
    if not parts.hostname:
        sec.report("url", f"{_shown(url)} names no host", example)
    elif port is None or port == 0:
        sec.report("url", f"{_shown(url)} names no port (1 to 65535)", example)


def _hex_id(sec: _Section, key: str) -> int | None:
    value = sec.raw(key, None)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str):
        try:
            number = int(value.removeprefix("0x"), 16)
        except ValueError:
            return sec.report(
                key,
                f"{_shown(value)} is not a hexadecimal USB id",
                f'write it as in `scanstation ports`, e.g. {key} = "0c2e"',
            )
    else:
        return sec.report(key, f"must be a hexadecimal string, got {_kind(value)}", f'e.g. {key} = "0c2e"')
    if not 0 <= number <= 0xFFFF:
        return sec.report(key, f"{_shown(value)} is out of range", "USB ids are four hexadecimal digits")
    return number


def _database_url(sec: _Section) -> Any:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    url = sec.nonempty("url", paths.default_database_url())
    if not isinstance(url, str) or not url.strip():
        return url
    example = 'use "sqlite:///path/to/file.db" or "postgresql+psycopg://user@host/db"'
    try:
        parsed = make_url(url)
    except ArgumentError:
        return sec.report("url", f"{_shown(url)} is not a database URL", example)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:") or database.startswith("file::memory:") or parsed.query.get("mode") == "memory":
            return sec.report(
                "url",
                f"{_shown(url)} is an in-memory SQLite database, which keeps nothing: every scan would be lost",
                'give it a file: url = "sqlite:///path/to/scanstation.db"',
            )
    elif backend == "postgresql":
        if parsed.drivername != "postgresql+psycopg":
            return sec.report(
                "url", "names a PostgreSQL driver this station does not ship", 'write it as "postgresql+psycopg://..."'
            )
    else:
        return sec.report("url", f"{_shown(url)} is neither SQLite nor PostgreSQL", example)
    return url


def parse_config(
    data: Mapping[str, Any], source: str = "", *, token_environ: Mapping[str, str] | None = None
) -> Config:
    """Validate a parsed TOML document into a Config, or raise ConfigError (ConfigErrors for several).

    With `token_environ`, a server without a usable token there or in the file is one of the mistakes.
    """
    problems: list[ConfigError] = []
    base = Path(source).parent if source else Path.cwd()
    seen: set[str] = set()

    def section(name: str) -> _Section:
        seen.add(name)
        return _Section(data.get(name, {}), name, source, problems)

    st = section("station")
    station = StationConfig(id=st.name_text("id"), operator=st.name_text("operator", "conveyor"))
    st.finish()

    db = section("database")
    database = DatabaseConfig(url=_database_url(db))
    db.finish()

    sv = section("server")
    server = _server(sv, base)
    sv.finish()
    token_error = None if token_environ is None or not sv.clean else _token_error(server, token_environ, source)
    if token_error is not None:
        problems.append(token_error)

    rc = section("receiving")
    subs = rc.raw("fnc1_substitutes", [])
    if not isinstance(subs, list) or not all(isinstance(s, str) and 0 < len(s) <= 8 for s in subs):
        subs = rc.report(
            "fnc1_substitutes", "must be a list of short non-empty strings", 'e.g. fnc1_substitutes = ["|"]', []
        )
    fallback_dir = rc.nonempty("journal_fallback_dir", None)
    if isinstance(fallback_dir, str) and not Path(fallback_dir).is_absolute():
        fallback_dir = rc.report(
            "journal_fallback_dir",
            f"{_shown(fallback_dir)} is not an absolute path",
            'give a directory on another disk than the database, e.g. journal_fallback_dir = "/var/tmp/scanstation"',
            None,
        )
    receiving = ReceivingConfig(
        undo_window_s=rc.number("undo_window_s", 10.0, lo=0, hi=3600),
        fnc1_substitutes=tuple(subs),
        journal_fallback_dir=fallback_dir,
    )
    rc.finish()

    seen.add("scanners")
    raw_scanners = data.get("scanners", [])
    if not isinstance(raw_scanners, list):
        problems.append(
            ConfigError("scanners", "must be an array of tables", "write each scanner as a [[scanners]] block", source)
        )
        raw_scanners = []
    taken: set[str] = set()
    scanners = tuple(
        _scanner(_Section(s, f"scanners[{i}]", source, problems), taken) for i, s in enumerate(raw_scanners)
    )

    gu = section("gui")
    gui = GuiConfig(
        language=gu.text("language", "ru", choices=LANGUAGES),
        sound=gu.flag("sound", True),
        fullscreen=gu.flag("fullscreen", False),
        font_scale=gu.number("font_scale", 1.0, lo=0.5, hi=4.0),
    )
    gu.finish()

    lg = section("logging")
    logging_cfg = LoggingConfig(level=lg.text("level", "INFO", choices=LOG_LEVELS), file=lg.flag("file", True))
    lg.finish()

    for name in sorted(set(data) - seen):
        close = difflib.get_close_matches(name, sorted(seen), n=1)
        fix = f"did you mean [{close[0]}]?" if close else "remove it (see config.example.toml)"
        problems.append(ConfigError(name, "is not a known section", fix, source))

    raise_errors(problems)
    return Config(station, database, server, receiving, scanners, gui, logging_cfg, source)


def config_search_paths(
    explicit: str | os.PathLike[str] | None, environ: Mapping[str, str] | None = None
) -> tuple[Path, ...]:
    """Where the config file is looked for, in order: --config, else SCANSTATION_CONFIG, else user then system."""
    env = os.environ if environ is None else environ
    if explicit:
        return (Path(explicit),)
    if env.get(CONFIG_ENV):
        return (Path(env[CONFIG_ENV]),)
    return paths.config_search_paths()


def resolve_config_path(explicit: str | os.PathLike[str] | None, environ: Mapping[str, str] | None = None) -> Path:
    """--config wins, then SCANSTATION_CONFIG, then the user's config directory, then the system's."""
    candidates = config_search_paths(explicit, environ)
    return next((path for path in candidates if os.path.lexists(path)), candidates[0])


def load_config(
    explicit: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    require_token: bool = False,
) -> Config:
    """Read and validate the config file; every failure is a ConfigError naming the fix.

    `require_token`: a server url without a usable token (in the file or `environ`) is a mistake too.
    """
    candidates = config_search_paths(explicit, environ)
    path = resolve_config_path(explicit, environ)
    source = str(path)
    try:
        text = _read_regular_file(path, MAX_FILE_BYTES)
    except FileNotFoundError:
        looked = " nor ".join(str(candidate) for candidate in candidates)
        raise ConfigError(
            "(file)",
            f"no config file: neither {looked} exists" if len(candidates) > 1 else f"{path} does not exist",
            "copy config.example.toml there, or pass --config PATH or set SCANSTATION_CONFIG",
        ) from None
    except OSError as exc:
        raise ConfigError(
            "(file)", f"cannot read {path}: {exc.strerror}", "check the path and its permissions"
        ) from None
    except ValueError as exc:
        raise ConfigError("(file)", f"{path} {exc}", "give the path of the config.toml file itself") from None
    try:
        data = tomllib.loads(text.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError("(file)", f"{path} is not UTF-8 text", "save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            "(syntax)", f"{path} is not valid TOML ({exc})", "correct the line named; strings need double quotes"
        ) from None
    except RecursionError:
        raise ConfigError(
            "(syntax)",
            f"{path} nests arrays or inline tables too deeply to read",
            "no setting nests more than two levels: correct the brackets",
        ) from None
    token_environ = (os.environ if environ is None else environ) if require_token else None
    return parse_config(data, source, token_environ=token_environ)
