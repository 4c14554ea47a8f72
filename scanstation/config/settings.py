"""Every setting declared once: section, name, type, default, range or choices, words, and its own checks."""

from __future__ import annotations

import os
import re
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal
from urllib.parse import urlsplit

from scanstation import paths
from scanstation.config import model
from scanstation.config.model import DEFAULT_TOKEN_ENV, PARITIES, ConfigError, is_loopback_host, token_problem
from scanstation.config.reader import REQUIRED, Section, kind_of, read_regular_file, shown

# How a value is written and read: "name" is text stored with every scan (1 to 64 printable characters);
# "list" a list of short strings; "usb_id" four hexadecimal digits; "tls" true, false or a CA bundle path.
Kind = Literal["name", "text", "integer", "number", "flag", "list", "usb_id", "tls"]

NO_EXAMPLE: Final = object()
_TRUE_WORDS: Final = frozenset({"true", "yes", "on", "1", "y"})
_FALSE_WORDS: Final = frozenset({"false", "no", "off", "0", "n", "none"})
_ENV_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class SectionReader(Section):
    """One table read by its declarations: each setting once, in order; a check may ask for another's value."""

    def __init__(
        self,
        spec: SectionSpec,
        data: Any,
        name: str,
        source: str,
        problems: list[ConfigError],
        *,
        base: Path,
        taken: set[str],
    ) -> None:
        super().__init__(data, name, source, problems)
        self.spec = spec
        self.base = base  # where a relative path in this file is taken from
        self.taken = taken  # the scanner names given so far
        self.values: dict[str, Any] = {}

    def read(self, name: str) -> Any:
        """The setting's checked value (its default after a mistake, which is reported once)."""
        if name not in self.values:
            self.values[name] = self.spec.setting(name).read(self)
        return self.values[name]


Check = Callable[[SectionReader, Any], Any]  # the value read so far -> the value kept (reports its mistakes)
SectionCheck = Callable[[SectionReader], None]


@dataclass(frozen=True, slots=True)
class Setting:
    """One setting: what a form, the reader and the example file all need to know about it."""

    name: str
    kind: Kind
    description: str  # one line, in words, for the example file and the settings screen
    default: object = REQUIRED  # None: unset unless written
    lo: float | None = None
    hi: float | None = None
    choices: tuple[str, ...] | None = None
    nonempty: bool = False
    controls: bool = False  # control characters allowed: some scanners send them
    secret: bool = False  # never shown back (the token)
    check: Check | None = None  # checks of its own, after the type and range
    notes: tuple[str, ...] = ()  # more lines of explanation
    example: object = NO_EXAMPLE  # a value to show in the example file instead of the default
    example_active: bool = False  # the example is written as a setting rather than as a comment
    scanner_types: tuple[str, ...] = ()  # [[scanners]] only: the types it applies to (empty: all)
    default_factory: Callable[[], object] | None = None  # a default that depends on the machine
    label: str = ""
    restart: bool = False  # the running station cannot apply a change: it takes effect at the next start

    @property
    def title(self) -> str:
        """A short label for a form: the explicit one, else the name in words."""
        return self.label or self.name.replace("_", " ").capitalize()

    def default_value(self) -> object:
        return self.default_factory() if self.default_factory is not None else self.default

    def read(self, sec: SectionReader) -> Any:
        default = self.default_value()
        value: Any
        if self.kind == "name":
            value = sec.name_text(self.name, default)
        elif self.kind == "text" and self.nonempty:
            value = sec.nonempty(self.name, default)
        elif self.kind == "text":
            value = sec.text(self.name, default, self.choices, controls=self.controls)
        elif self.kind == "integer":
            assert self.lo is not None and self.hi is not None
            value = sec.integer(self.name, default, lo=int(self.lo), hi=int(self.hi))
        elif self.kind == "number":
            assert self.lo is not None and self.hi is not None
            value = sec.number(self.name, default, lo=self.lo, hi=self.hi)
        elif self.kind == "flag":
            value = sec.flag(self.name, default)
        else:
            value = sec.raw(self.name, default)
        return value if self.check is None else self.check(sec, value)


@dataclass(frozen=True, slots=True)
class SectionSpec:
    """One table of the file ([name], or [[name]] when `many`) and the typed value its settings make."""

    name: str
    description: str
    settings: tuple[Setting, ...]
    values: type[Any]
    many: bool = False
    check: SectionCheck | None = None  # across settings, run only when each setting was fine on its own
    check_after_unknown_keys: bool = False  # ... and only when no key was unknown
    notes: tuple[str, ...] = ()

    def setting(self, name: str) -> Setting:
        return next(setting for setting in self.settings if setting.name == name)

    def read(self, sec: SectionReader) -> Any:
        """The section's typed value; its mistakes are reported to `sec`, each under its full key."""
        for setting in self.settings:
            sec.read(setting.name)
        if self.check is not None and not self.check_after_unknown_keys and sec.clean:
            self.check(sec)
        sec.finish()
        if self.check is not None and self.check_after_unknown_keys and sec.clean:
            self.check(sec)
        return self.values(**sec.values)


# Checks of single settings, each attached to its declaration below.


def _unique_name(sec: SectionReader, name: Any) -> Any:
    if name in sec.taken:
        sec.report("name", f"{name!r} is used by two scanners", "give every [[scanners]] entry its own name")
    sec.taken.add(name)
    return name


def _database_url(sec: SectionReader, url: Any) -> Any:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    if not isinstance(url, str) or not url.strip():
        return url
    example = 'use "sqlite:///path/to/file.db" or "postgresql+psycopg://user@host/db"'
    try:
        parsed = make_url(url)
    except ArgumentError:
        return sec.report("url", f"{shown(url)} is not a database URL", example)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:") or database.startswith("file::memory:") or parsed.query.get("mode") == "memory":
            return sec.report(
                "url",
                f"{shown(url)} is an in-memory SQLite database, which keeps nothing: every scan would be lost",
                'give it a file: url = "sqlite:///path/to/scanstation.db"',
            )
    elif backend == "postgresql":
        if parsed.drivername != "postgresql+psycopg":
            return sec.report(
                "url", "names a PostgreSQL driver this station does not ship", 'write it as "postgresql+psycopg://..."'
            )
    else:
        return sec.report("url", f"{shown(url)} is neither SQLite nor PostgreSQL", example)
    return url


def _server_url(sec: SectionReader, url: Any) -> Any:
    insecure = sec.read("allow_insecure_http")
    if url is None:
        return None
    url = url.rstrip("/")
    parts = urlsplit(url)
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        return sec.report(
            "url",
            f"{shown(url)} is not an http(s) URL with a host",
            'write e.g. url = "https://example.invalid/api/station/v1"',
        )
    if parts.scheme == "http" and not insecure and not is_loopback_host(parts.hostname):
        sec.report(
            "url",
            "uses plain http:// to a host that is not this machine, which would send the token in clear",
            "use https://, or set allow_insecure_http = true if you really mean it",
        )
    return url


def _token(sec: SectionReader, token: Any) -> Any:
    problem = None if token is None else token_problem(token)
    if problem is not None:
        return sec.report(
            "token",
            problem,
            "copy the token again, on one line between the quotes; or remove the line and use token_env",
        )
    return token


def _token_env(sec: SectionReader, name: Any) -> Any:
    if isinstance(name, str) and name.strip() and not _ENV_NAME.fullmatch(name):
        return sec.report(
            "token_env",
            f"{shown(name)} is not an environment variable name",
            f'use letters, digits and "_", e.g. token_env = "{DEFAULT_TOKEN_ENV}"',
            DEFAULT_TOKEN_ENV,
        )
    return name


def _verify_tls(sec: SectionReader, value: Any) -> bool | str:
    if isinstance(value, bool):
        return value
    if not isinstance(value, str):
        return sec.report(
            "verify_tls",
            f"must be true, false or a CA bundle path, got {kind_of(value)}",
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
        path = sec.base / path
    return _ca_bundle(sec, path)


def _ca_bundle(sec: SectionReader, path: Path) -> bool | str:
    """The path of a CA bundle requests can load, checked now rather than at the first request."""
    if path.is_dir():
        if not os.access(path, os.R_OK | os.X_OK):
            return sec.report("verify_tls", f"the CA directory {path} cannot be read", "check its permissions", True)
        return str(path)
    try:
        read_regular_file(path, 16 << 20)  # exists, is a file (never a FIFO to hang on), can be read
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


def _backoff_order(sec: SectionReader) -> None:
    initial, most = sec.values["backoff_initial_s"], sec.values["backoff_max_s"]
    if initial > most:
        sec.report(
            "backoff_max_s",
            f"is {most:g}, below backoff_initial_s = {initial:g}",
            "make backoff_max_s at least backoff_initial_s",
        )


def _fnc1_substitutes(sec: SectionReader, subs: Any) -> tuple[str, ...]:
    # A tuple is only ever the default: TOML gives lists.
    if not isinstance(subs, list | tuple) or not all(isinstance(s, str) and 0 < len(s) <= 8 for s in subs):
        subs = sec.report(
            "fnc1_substitutes", "must be a list of short non-empty strings", 'e.g. fnc1_substitutes = ["|"]', []
        )
    return tuple(subs)


def _absolute_dir(sec: SectionReader, folder: Any) -> Any:
    if isinstance(folder, str) and not Path(folder).is_absolute():
        return sec.report(
            "journal_fallback_dir",
            f"{shown(folder)} is not an absolute path",
            'give a directory on another disk than the database, e.g. journal_fallback_dir = "/var/tmp/scanstation"',
            None,
        )
    return folder


def _hex_id(sec: SectionReader, key: str, value: Any) -> int | None:
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
                f"{shown(value)} is not a hexadecimal USB id",
                f'write it as in `scanstation ports`, e.g. {key} = "0c2e"',
            )
    else:
        return sec.report(key, f"must be a hexadecimal string, got {kind_of(value)}", f'e.g. {key} = "0c2e"')
    if not 0 <= number <= 0xFFFF:
        return sec.report(key, f"{shown(value)} is out of range", "USB ids are four hexadecimal digits")
    return number


def _parity_letter(sec: SectionReader, word: Any) -> str:
    return PARITIES.get(word, "N")


def _stopbits(sec: SectionReader, stopbits: Any) -> Any:
    if stopbits not in (1, 1.5, 2):
        return sec.report("stopbits", f"is {stopbits:g}", "use 1, 1.5 or 2", 1)
    return stopbits


def _one_character(sec: SectionReader, prefix: Any) -> Any:
    if prefix is not None and len(prefix) != 1:
        return sec.report(
            "prefix", f"must be exactly one character, got {len(prefix)}", 'e.g. prefix = "\\u0002" (STX)'
        )
    return prefix


def _scanner_source(sec: SectionReader) -> None:
    """A serial scanner needs a port or a USB match; a socket scanner a socket:// or rfc2217:// URL."""
    values = sec.values
    kind = values["type"]
    usb_match = (values["usb_vid"], values["usb_serial"], values["usb_location"])
    if kind == "serial" and values["port"] is None and all(item is None for item in usb_match):
        sec.report(
            "port",
            "is missing for a serial scanner",
            'set port = "/dev/ttyACM0", or usb_vid/usb_pid, usb_serial or usb_location (see `scanstation ports`)',
        )
    if kind == "socket":
        _socket_url(sec, values["url"])


def _socket_url(sec: SectionReader, url: str | None) -> None:
    example = 'write e.g. url = "socket://10.0.0.5:2001"'
    if not url:
        sec.report("url", "is missing for a socket scanner", 'set url = "socket://10.0.0.5:2001"')
        return
    parts = urlsplit(url)
    if parts.scheme not in ("socket", "rfc2217"):
        sec.report("url", f"{shown(url)} is not socket:// or rfc2217://", example)
        return
    try:
        port = parts.port
    except ValueError:
        port = 0  # not a number, or out of range
    if not parts.hostname:
        sec.report("url", f"{shown(url)} names no host", example)
    elif port is None or port == 0:
        sec.report("url", f"{shown(url)} names no port (1 to 65535)", example)


def _usb(key: str, example: str, description: str) -> Setting:
    return Setting(
        key,
        "usb_id" if key in ("usb_vid", "usb_pid") else "text",
        description,
        None,
        nonempty=key not in ("usb_vid", "usb_pid"),
        check=(lambda sec, value: _hex_id(sec, key, value)) if key in ("usb_vid", "usb_pid") else None,
        example=example,
        scanner_types=("serial",),
    )


_SERIAL: Final = ("serial",)
_STREAM: Final = ("serial", "socket")

STATION: Final = SectionSpec(
    "station",
    "Who this station is.",
    (
        Setting(
            "id",
            "name",
            "Sent with every event to the central server; unique per station. Required.",
            notes=(
                "At most 64 printable characters, no spaces at the ends (the same for `operator` and scanner",
                "names).",
            ),
            example="nj-receiving-1",
            restart=True,
        ),
        Setting(
            "operator",
            "name",
            "Operator recorded for scans when nobody is logged in (headless/conveyor mode).",
            "conveyor",
        ),
    ),
    model.StationConfig,
)

DATABASE: Final = SectionSpec(
    "database",
    "The station's own database.",
    (
        Setting(
            "url",
            "text",
            "Local database. Default: scanstation.db in the platform data directory",
            nonempty=True,
            check=_database_url,
            default_factory=paths.default_database_url,
            example="sqlite:////var/lib/scanstation/scanstation.db",
            restart=True,
            notes=(
                "(Linux: ~/.local/share/scanstation/). PostgreSQL also works:",
                '  url = "postgresql+psycopg://scanstation@127.0.0.1/scanstation"',
                "The schema is created and upgraded on start; a SQLite file is backed up first.",
                "An in-memory database (sqlite:// or sqlite:///:memory:) is refused: it would lose every scan.",
                "SQLite keeps the feed (the registrations as the server sent them) in a second file beside this",
                "one, named <name>-feed.db: a copy that is pulled again if it is deleted.",
            ),
        ),
    ),
    model.DatabaseConfig,
)

SERVER: Final = SectionSpec(
    "server",
    "The central server: where registrations come from and events go.",
    (
        Setting(
            "url",
            "text",
            "Base URL of the central server's station API.",
            None,
            check=_server_url,
            example="https://example.invalid/api/station/v1",
            example_active=True,
            notes=(
                "Without it the station works offline and keeps every event until a server is configured.",
                "A password in the URL (https://user:password@host/...) is hidden when `config check` prints it.",
            ),
        ),
        Setting(
            "allow_insecure_http",
            "flag",
            "Plain http:// is refused except to this machine (loopback), because the token would travel in clear.",
            False,
            notes=("true allows it to any host, with a warning at every start and in the status bar.",),
        ),
        Setting(
            "token",
            "text",
            "The station's bearer token.",
            None,
            secret=True,
            check=_token,
            example="...",
            notes=(
                "Better kept out of this file: leave `token` unset and put it in the environment variable",
                "named by token_env, which wins over this line whenever it is set. With a url and no token in",
                'either place, `config check` and `sync` say "no token" (and exit 2). A token is visible ASCII',
                "only: no spaces, line breaks or control characters.",
            ),
        ),
        Setting(
            "token_env",
            "text",
            "The environment variable that holds the token (letters, digits and _); when set, it wins over token.",
            DEFAULT_TOKEN_ENV,
            nonempty=True,
            check=_token_env,
        ),
        Setting("pull_interval_s", "number", "Seconds between pulls of the registration feed.", 30.0, lo=1, hi=86400),
        Setting("push_interval_s", "number", "Seconds between pushes of the event outbox.", 2.0, lo=0.1, hi=3600),
        Setting(
            "page_limit",
            "integer",
            "Registrations asked for per feed page (the server allows at most 5000).",
            1000,
            lo=1,
            hi=5000,
        ),
        Setting(
            "connect_timeout_s",
            "number",
            "Seconds to wait for the server to accept a connection; a scan never waits on it.",
            5.0,
            lo=0.1,
            hi=120,
        ),
        Setting(
            "read_timeout_s",
            "number",
            "Seconds to wait for the server's answer; a scan never waits on it.",
            30.0,
            lo=0.1,
            hi=600,
        ),
        Setting(
            "backoff_initial_s",
            "number",
            "First wait after an error before trying again; it grows exponentially, with jitter.",
            1.0,
            lo=0.01,
            hi=3600,
        ),
        Setting(
            "backoff_max_s",
            "number",
            "Longest wait after errors before trying again (at least backoff_initial_s).",
            300.0,
            lo=0.1,
            hi=86400,
        ),
        Setting(
            "verify_tls",
            "tls",
            "TLS verification: true, false (warned about at every start), or the path of a CA bundle file.",
            True,
            check=_verify_tls,
            notes=(
                "The CA bundle is in PEM form, for a private certificate authority (a relative path is taken from",
                "this file's directory; it must exist and be readable when the station starts). Write true/false",
                "without quotes.",
            ),
        ),
    ),
    model.ServerConfig,
    check=_backoff_order,
)

RECEIVING: Final = SectionSpec(
    "receiving",
    "How scans are received.",
    (
        Setting(
            "fnc1_substitutes",
            "list",
            'Characters your scanners were programmed to send instead of FNC1/GS (e.g. "|"); empty = none.',
            (),
            check=_fnc1_substitutes,
            notes=("Each entry 1 to 8 characters.",),
        ),
        Setting(
            "journal_fallback_dir",
            "text",
            "Where scans the database refused are written when the data directory's disk is full too.",
            None,
            nonempty=True,
            check=_absolute_dir,
            example="/var/tmp/scanstation",
            notes=(
                "A scan the database cannot take (disk full, I/O error) is kept in memory, retried in order, and",
                "written to unrecorded-scans.tsv in the data directory; when that disk is full too, the file goes",
                "here instead: an absolute directory, best on another disk. Unset: the log directory, then the",
                "system's temp directory.",
            ),
        ),
        Setting(
            "undo_window_s",
            "number",
            "Seconds the events of a scan are held so the clerk can undo it without anything being sent.",
            10.0,
            lo=0,
            hi=3600,
        ),
    ),
    model.ReceivingConfig,
)

SCANNERS: Final = SectionSpec(
    "scanners",
    "One [[scanners]] block per scanner; several may run at once. The name goes into the scan log.",
    (
        Setting("name", "name", "The scanner's name, recorded with every scan it reads.", check=_unique_name),
        Setting("type", "text", "What kind of scanner it is.", choices=model.SCANNER_TYPES),
        Setting("enabled", "flag", "false keeps the block but does not open the scanner.", True),
        Setting("port", "text", "A device path (not empty) ...", None, nonempty=True, scanner_types=_SERIAL),
        _usb("usb_vid", "0c2e", "... or the scanner's USB vendor id (hexadecimal, as `scanstation ports` shows it),"),
        _usb("usb_pid", "0b61", "its USB product id,"),
        _usb("usb_serial", "17123B0D71", "its USB serial number,"),
        _usb("usb_location", "1-1.4:1.0", "or the USB socket it is plugged into."),
        Setting("baudrate", "integer", "Bits per second.", 9600, lo=50, hi=4_000_000, scanner_types=_SERIAL),
        Setting("bytesize", "integer", "Data bits.", 8, lo=5, hi=8, scanner_types=_SERIAL),
        Setting(
            "parity",
            "text",
            "Parity.",
            "none",
            choices=tuple(PARITIES),
            check=_parity_letter,
            scanner_types=_SERIAL,
        ),
        Setting("stopbits", "number", "Stop bits: 1, 1.5 or 2.", 1, lo=1, hi=2, check=_stopbits, scanner_types=_SERIAL),
        Setting(
            "url",
            "text",
            "A fixed-mount scanner on the network: socket://host:port, or rfc2217://host:port (both needed).",
            None,
            nonempty=True,
            scanner_types=("socket",),
        ),
        Setting(
            "terminator",
            "text",
            "What ends one scan (NONE: an idle gap of idle_gap_ms ends it).",
            "CR",
            choices=model.TERMINATORS,
        ),
        Setting(
            "stx_prefix",
            "flag",
            "true when the scanner starts every scan with STX (0x02).",
            False,
            scanner_types=_STREAM,
        ),
        Setting(
            "idle_gap_ms",
            "integer",
            'Milliseconds of silence that end a scan with terminator = "NONE".',
            80,
            lo=5,
            hi=5000,
            notes=("With a terminator, a fragment left waiting at least this long is logged as incomplete.",),
            scanner_types=_STREAM,
        ),
        Setting(
            "max_scan_bytes",
            "integer",
            "A read longer than this without a terminator is cut and logged as invalid (bounded memory).",
            8192,
            lo=64,
            hi=1_048_576,
            scanner_types=_STREAM,
        ),
        Setting(
            "reconnect_max_s",
            "number",
            "Longest wait between attempts to reopen an unplugged scanner, in seconds.",
            1.0,
            lo=0.05,
            hi=60,
            scanner_types=_STREAM,
        ),
        Setting(
            "max_key_gap_ms",
            "integer",
            "Keys closer together than this (milliseconds) are a scanner, not a person ...",
            35,
            lo=1,
            hi=1000,
            scanner_types=("wedge",),
        ),
        Setting(
            "min_length",
            "integer",
            "... when at least this many arrive before the terminator.",
            8,
            lo=1,
            hi=1000,
            scanner_types=("wedge",),
        ),
        Setting(
            "prefix",
            "text",
            "Alternatively, a prefix character the scanner is programmed to send, e.g. STX.",
            None,
            controls=True,
            check=_one_character,
            example="\x02",
            notes=("Its scans are then recognised by it and never reach a text field.",),
            scanner_types=("wedge",),
        ),
        Setting(
            "key_positions",
            "flag",
            "Read a scan by the keys' positions, as the US layout types them: any layout active, Caps Lock ignored.",
            True,
            notes=("false: as the active layout types them, for a scanner set to emulate another country's keyboard.",),
            scanner_types=("wedge",),
        ),
    ),
    model.ScannerConfig,
    many=True,
    check=_scanner_source,
    check_after_unknown_keys=True,
    notes=("`scanstation ports` lists serial ports with their USB ids to fill these in.",),
)

GUI: Final = SectionSpec(
    "gui",
    "The scan screen.",
    (
        Setting(
            "language", "text", "Language of the scan screen (switchable in the window).", "ru", choices=model.LANGUAGES
        ),
        Setting("sound", "flag", "Play a sound per verdict; without a sound device the banner flashes instead.", True),
        Setting(
            "volume", "integer", "Loudness of the verdict sounds, in percent.", 80, lo=0, hi=100, label="Volume (%)"
        ),
        Setting("fullscreen", "flag", "Start full screen (kiosk).", False, restart=True),
        Setting(
            "font_scale",
            "number",
            "Multiplies every font size (1.0 = the default large fonts).",
            1.0,
            lo=0.5,
            hi=4.0,
        ),
    ),
    model.GuiConfig,
)

LOGGING: Final = SectionSpec(
    "logging",
    "What is logged and where.",
    (
        Setting("level", "text", "The least severe messages logged.", "INFO", choices=model.LOG_LEVELS, restart=True),
        Setting(
            "file",
            "flag",
            "Besides stderr, log to rotating files in the platform log directory.",
            True,
            notes=("Linux: ~/.local/state/scanstation/log/.",),
            restart=True,
        ),
    ),
    model.LoggingConfig,
)

LOGIN: Final = SectionSpec(
    "login",
    "How operators log in at the window (headless and conveyor stations have no log-in).",
    (
        Setting(
            "max_wrong_pins",
            "integer",
            "Wrong PINs in a row that lock the operator out; each wrong PIN also makes the next try wait longer.",
            5,
            lo=1,
            hi=100,
            label="Wrong PINs before a lock-out",
        ),
        Setting(
            "lockout_min",
            "number",
            "Minutes a locked-out operator waits before trying again (an admin can unlock sooner).",
            5.0,
            lo=0.1,
            hi=1440,
            notes=("The lock is kept in the database, so a restart does not lift it.",),
            label="Lock-out (minutes)",
        ),
        Setting(
            "idle_logout_min",
            "number",
            "Minutes without a scan or a key press before the window logs the operator out; 0 = never.",
            15.0,
            lo=0,
            hi=1440,
            notes=("Never applies to `scanstation headless`, which has nobody logged in.",),
            label="Idle log-out (minutes, 0 = never)",
        ),
        Setting(
            "badge_pin_for_privileged",
            "flag",
            "true: a supervisor's or admin's badge also asks for their PIN; a clerk's badge alone logs in.",
            True,
            label="A supervisor's or admin's badge also asks the PIN",
        ),
    ),
    model.LoginConfig,
)

# In the order the file is read and its mistakes are named.
SECTIONS: Final = (STATION, DATABASE, SERVER, RECEIVING, SCANNERS, GUI, LOGIN, LOGGING)
