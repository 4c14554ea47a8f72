"""The station's configuration: read once from TOML, validated into typed, frozen objects."""

from __future__ import annotations

import difflib
import ipaddress
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
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
        return ()

    def server_token(self, environ: Mapping[str, str] | None = None) -> str | None:
        """The bearer token: the config's own, else the environment variable it names."""
        if self.server.token:
            return self.server.token
        env = os.environ if environ is None else environ
        return env.get(self.server.token_env) or None


_REQUIRED: Final = object()


class _Section:
    """Reads one TOML table with type checks; every error names the full key."""

    def __init__(self, data: Any, name: str, source: str) -> None:
        if not isinstance(data, dict):
            raise ConfigError(name, "must be a table", f"write it as [{name}] with key = value lines", source)
        self.data: dict[str, Any] = data
        self.name = name
        self.source = source
        self.seen: set[str] = set()

    def _key(self, key: str) -> str:
        return f"{self.name}.{key}"

    def error(self, key: str, problem: str, fix: str) -> ConfigError:
        return ConfigError(self._key(key), problem, fix, self.source)

    def _get(self, key: str, default: Any) -> Any:
        self.seen.add(key)
        if key in self.data:
            return self.data[key]
        if default is _REQUIRED:
            raise self.error(key, "is missing", f"add `{key} = ...` under [{self.name}]")
        return default

    def text(self, key: str, default: Any = _REQUIRED, choices: tuple[str, ...] | None = None) -> Any:
        value = self._get(key, default)
        if value is None or (value is default and key not in self.data):
            return value
        if not isinstance(value, str):
            raise self.error(key, f"must be a string, got {_kind(value)}", f'quote it: {key} = "{value}"')
        if choices is not None and value not in choices:
            raise self.error(key, f"is {value!r}, not one of {', '.join(choices)}", f"use one of {', '.join(choices)}")
        return value

    def nonempty(self, key: str, default: Any = _REQUIRED) -> Any:
        value = self.text(key, default)
        if isinstance(value, str) and not value.strip():
            raise self.error(key, "is empty", f"give {key} a value")
        return value

    def integer(self, key: str, default: Any = _REQUIRED, lo: int | None = None, hi: int | None = None) -> Any:
        value = self._get(key, default)
        if value is None or (value is default and key not in self.data):
            return value
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(
                key, f"must be a whole number, got {_kind(value)}", f"write it without quotes, e.g. {key} = 9600"
            )
        self._range(key, value, lo, hi)
        return value

    def number(self, key: str, default: Any = _REQUIRED, lo: float | None = None, hi: float | None = None) -> Any:
        value = self._get(key, default)
        if value is None or (value is default and key not in self.data):
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(key, f"must be a number, got {_kind(value)}", f"write it without quotes, e.g. {key} = 2.5")
        self._range(key, value, lo, hi)
        return float(value)

    def flag(self, key: str, default: Any = _REQUIRED) -> Any:
        value = self._get(key, default)
        if not isinstance(value, bool):
            raise self.error(key, f"must be true or false, got {_kind(value)}", f"write {key} = true or {key} = false")
        return value

    def _range(self, key: str, value: float, lo: float | None, hi: float | None) -> None:
        if lo is not None and value < lo:
            raise self.error(key, f"is {value}, below the minimum {lo}", f"use a value of at least {lo}")
        if hi is not None and value > hi:
            raise self.error(key, f"is {value}, above the maximum {hi}", f"use a value of at most {hi}")

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self.seen)
        if unknown:
            key = unknown[0]
            close = difflib.get_close_matches(key, sorted(self.seen), n=1)
            fix = f"did you mean `{close[0]}`?" if close else "remove it (see config.example.toml for every key)"
            raise self.error(key, "is not a known setting", fix)


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


def _server(sec: _Section) -> ServerConfig:
    url = sec.text("url", None)
    if url is not None:
        url = url.rstrip("/")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise sec.error(
                "url", f"{url!r} is not an http(s) URL", 'write e.g. url = "https://example.invalid/api/station/v1"'
            )
    insecure = sec.flag("allow_insecure_http", False)
    plain_http = url is not None and urlsplit(url).scheme == "http"
    if plain_http and not insecure and not is_loopback_host(urlsplit(url or "").hostname):
        raise sec.error(
            "url",
            "uses plain http:// to a host that is not this machine, which would send the token in clear",
            "use https://, or set allow_insecure_http = true if you really mean it",
        )
    token = sec.text("token", None)
    token_env = sec.nonempty("token_env", DEFAULT_TOKEN_ENV)
    verify: Any = sec._get("verify_tls", True)
    if not isinstance(verify, bool | str):
        raise sec.error(
            "verify_tls",
            "must be true, false or a CA bundle path",
            'write verify_tls = true or verify_tls = "/path/ca.pem"',
        )
    return ServerConfig(
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
        verify_tls=verify,
    )


def _scanner(sec: _Section, taken: set[str]) -> ScannerConfig:
    name = sec.nonempty("name")
    if name in taken:
        raise sec.error("name", f"{name!r} is used by two scanners", "give every [[scanners]] entry its own name")
    taken.add(name)
    kind = sec.text("type", choices=SCANNER_TYPES)
    parity_word = sec.text("parity", "none", choices=tuple(PARITIES))
    stopbits = sec.number("stopbits", 1)
    if stopbits not in (1, 1.5, 2):
        raise sec.error("stopbits", f"is {stopbits:g}", "use 1, 1.5 or 2")
    prefix = sec.text("prefix", None)
    if prefix is not None and len(prefix) != 1:
        raise sec.error("prefix", f"must be exactly one character, got {len(prefix)}", 'e.g. prefix = "\\u0002" (STX)')
    vid = _hex_id(sec, "usb_vid")
    pid = _hex_id(sec, "usb_pid")
    cfg = ScannerConfig(
        name=name,
        type=kind,
        enabled=sec.flag("enabled", True),
        port=sec.text("port", None),
        usb_vid=vid,
        usb_pid=pid,
        usb_serial=sec.text("usb_serial", None),
        usb_location=sec.text("usb_location", None),
        baudrate=sec.integer("baudrate", 9600, lo=50, hi=4_000_000),
        bytesize=sec.integer("bytesize", 8, lo=5, hi=8),
        parity=PARITIES[parity_word],
        stopbits=stopbits,
        url=sec.text("url", None),
        terminator=sec.text("terminator", "CR", choices=TERMINATORS),
        stx_prefix=sec.flag("stx_prefix", False),
        idle_gap_ms=sec.integer("idle_gap_ms", 80, lo=5, hi=5000),
        max_scan_bytes=sec.integer("max_scan_bytes", 8192, lo=64, hi=1_048_576),
        reconnect_max_s=sec.number("reconnect_max_s", 1.0, lo=0.05, hi=60),
        max_key_gap_ms=sec.integer("max_key_gap_ms", 35, lo=1, hi=1000),
        min_length=sec.integer("min_length", 8, lo=1, hi=1000),
        prefix=prefix,
    )
    if (
        kind == "serial"
        and cfg.port is None
        and cfg.usb_vid is None
        and cfg.usb_serial is None
        and cfg.usb_location is None
    ):
        raise sec.error(
            "port",
            "is missing for a serial scanner",
            'set port = "/dev/ttyACM0", or usb_vid/usb_pid, usb_serial or usb_location (see `scanstation ports`)',
        )
    if kind == "socket":
        if not cfg.url:
            raise sec.error("url", "is missing for a socket scanner", 'set url = "socket://10.0.0.5:2001"')
        if urlsplit(cfg.url).scheme not in ("socket", "rfc2217"):
            raise sec.error(
                "url", f"{cfg.url!r} is not socket:// or rfc2217://", 'write e.g. url = "socket://10.0.0.5:2001"'
            )
    sec.finish()
    return cfg


def _hex_id(sec: _Section, key: str) -> int | None:
    value = sec._get(key, None)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str):
        try:
            number = int(value.removeprefix("0x"), 16)
        except ValueError:
            raise sec.error(
                key,
                f"{value!r} is not a hexadecimal USB id",
                f'write it as in `scanstation ports`, e.g. {key} = "0c2e"',
            ) from None
    else:
        raise sec.error(key, f"must be a hexadecimal string, got {_kind(value)}", f'e.g. {key} = "0c2e"')
    if not 0 <= number <= 0xFFFF:
        raise sec.error(key, f"{value!r} is out of range", "USB ids are four hexadecimal digits")
    return number


def parse_config(data: Mapping[str, Any], source: str = "") -> Config:
    """Validate a parsed TOML document into a Config, or raise ConfigError."""
    top = _Section(dict(data), "", source)
    top.name = "(top level)"

    def section(name: str) -> _Section:
        top.seen.add(name)
        return _Section(data.get(name, {}), name, source)

    st = section("station")
    station = StationConfig(id=st.nonempty("id"), operator=st.nonempty("operator", "conveyor"))
    st.finish()

    db = section("database")
    url = db.nonempty("url", paths.default_database_url())
    if not url.startswith(("sqlite", "postgresql")):
        raise db.error(
            "url",
            f"{url!r} is neither SQLite nor PostgreSQL",
            'use "sqlite:///path/to/file.db" or "postgresql+psycopg://user@host/db"',
        )
    if url.startswith("postgresql") and not url.startswith("postgresql+psycopg"):
        raise db.error(
            "url", "names a PostgreSQL driver this station does not ship", 'write it as "postgresql+psycopg://..."'
        )
    db.finish()
    database = DatabaseConfig(url=url)

    sv = section("server")
    server = _server(sv)
    sv.finish()

    rc = section("receiving")
    subs = rc._get("fnc1_substitutes", [])
    if not isinstance(subs, list) or not all(isinstance(s, str) and s for s in subs):
        raise rc.error("fnc1_substitutes", "must be a list of non-empty strings", 'e.g. fnc1_substitutes = ["|"]')
    receiving = ReceivingConfig(
        undo_window_s=rc.number("undo_window_s", 10.0, lo=0, hi=3600), fnc1_substitutes=tuple(subs)
    )
    rc.finish()

    top.seen.add("scanners")
    raw_scanners = data.get("scanners", [])
    if not isinstance(raw_scanners, list):
        raise ConfigError(
            "scanners", "must be an array of tables", "write each scanner as a [[scanners]] block", source
        )
    taken: set[str] = set()
    scanners = tuple(_scanner(_Section(s, f"scanners[{i}]", source), taken) for i, s in enumerate(raw_scanners))

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

    unknown = sorted(set(data) - top.seen)
    if unknown:
        close = difflib.get_close_matches(unknown[0], sorted(top.seen), n=1)
        fix = f"did you mean [{close[0]}]?" if close else "remove it (see config.example.toml)"
        raise ConfigError(unknown[0], "is not a known section", fix, source)

    return Config(station, database, server, receiving, scanners, gui, logging_cfg, source)


def resolve_config_path(explicit: str | os.PathLike[str] | None, environ: Mapping[str, str] | None = None) -> Path:
    """--config wins, then SCANSTATION_CONFIG, then the platform config directory."""
    env = os.environ if environ is None else environ
    if explicit:
        return Path(explicit)
    if env.get(CONFIG_ENV):
        return Path(env[CONFIG_ENV])
    return paths.default_config_path()


def load_config(explicit: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Read and validate the config file; every failure is a ConfigError naming the fix."""
    path = resolve_config_path(explicit, environ)
    source = str(path)
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            "(file)",
            f"{path} does not exist",
            "copy config.example.toml there, or pass --config PATH or set SCANSTATION_CONFIG",
        ) from None
    except OSError as exc:
        raise ConfigError(
            "(file)", f"cannot read {path}: {exc.strerror}", "check the path and its permissions"
        ) from None
    try:
        data = tomllib.loads(text.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError("(file)", f"{path} is not UTF-8 text", "save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            "(syntax)", f"{path} is not valid TOML ({exc})", "correct the line named; strings need double quotes"
        ) from None
    return parse_config(data, source)
