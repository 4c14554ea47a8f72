"""The station's configuration as typed, frozen values, and the errors that name a setting's mistake."""

from __future__ import annotations

import ipaddress
import os
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urlsplit

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
    key_positions: bool = True  # read by position as the US layout types, whatever layout is active


@dataclass(frozen=True, slots=True)
class GuiConfig:
    language: str = "ru"
    sound: bool = True
    volume: int = 80  # percent
    fullscreen: bool = False
    kiosk: bool = False  # full screen, no frame, on top; only an administrator logged in closes it
    font_scale: float = 1.0
    ready_after_s: float = 60.0  # the banner goes back to READY after this long without a scan; 0: never


@dataclass(frozen=True, slots=True)
class LoginConfig:
    max_wrong_pins: int = 5
    lockout_min: float = 5.0
    idle_logout_min: float = 15.0  # 0: never (headless never logs anybody out)
    badge_pin_for_privileged: bool = True


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
    login: LoginConfig = LoginConfig()
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
        """The bearer token: the environment variable `token_env` names when it is set, else the file's own."""
        return _token_of(self.server, os.environ if environ is None else environ)

    def token_from_environment(self, environ: Mapping[str, str] | None = None) -> bool:
        """True when the token sync uses comes from the environment variable (it wins over the file's)."""
        return bool((os.environ if environ is None else environ).get(self.server.token_env))

    def token_error(self, environ: Mapping[str, str] | None = None) -> ConfigError | None:
        """Why sync has no usable token (missing, or unusable in the environment); None when it has one."""
        return token_error_of(self.server, os.environ if environ is None else environ, self.source)


def _token_of(server: ServerConfig, environ: Mapping[str, str]) -> str | None:
    # The environment wins: an operator rotates a token there without editing (or even reading) the file.
    return environ.get(server.token_env) or server.token or None


def token_error_of(server: ServerConfig, environ: Mapping[str, str], source: str) -> ConfigError | None:
    """The one check of the token sync will use, wherever it comes from; None when usable or no server is set.

    A token in the file is checked as the file is read; one in the environment only here, because the
    environment is the running station's (load_config(require_token=True) and Config.token_error ask).
    """
    name = server.token_env
    if not server.enabled or (server.token and not environ.get(name)):
        return None
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


def control_character(text: str) -> str | None:
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
    control = control_character(token)
    if control is not None:
        return f"contains {control}"
    if any(char.isspace() for char in token):
        return "contains a space"
    if not token.isascii() or not token.isprintable():
        return "contains a character that is not plain ASCII"
    return None


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
