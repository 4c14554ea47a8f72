"""Every declared setting's title and description as catalogue entries: the declarations stay in English."""

from __future__ import annotations

from typing import Final

from scanstation.config.settings import Setting
from scanstation.gui import qt


def QT_TRANSLATE_NOOP(context: str, source: str) -> str:  # noqa: N802  (the name lupdate looks for)
    """Marks `source` for lupdate in `context` and gives it back (PySide6's own is typed as returning object)."""
    return source


# Literal sources, so that lupdate finds each one; the screen asks the catalogue for them by (section, name).
TITLES: Final[dict[tuple[str, str], str]] = {
    ("station", "id"): QT_TRANSLATE_NOOP("Setting", "ID"),
    ("station", "operator"): QT_TRANSLATE_NOOP("Setting", "Operator"),
    ("database", "url"): QT_TRANSLATE_NOOP("Setting", "URL"),
    ("server", "url"): QT_TRANSLATE_NOOP("Setting", "URL"),
    ("server", "allow_insecure_http"): QT_TRANSLATE_NOOP("Setting", "Allow insecure HTTP"),
    ("server", "token"): QT_TRANSLATE_NOOP("Setting", "Token"),
    ("server", "token_env"): QT_TRANSLATE_NOOP("Setting", "Token variable"),
    ("server", "pull_interval_s"): QT_TRANSLATE_NOOP("Setting", "Pull interval (seconds)"),
    ("server", "push_interval_s"): QT_TRANSLATE_NOOP("Setting", "Push interval (seconds)"),
    ("server", "page_limit"): QT_TRANSLATE_NOOP("Setting", "Page limit"),
    ("server", "connect_timeout_s"): QT_TRANSLATE_NOOP("Setting", "Connect timeout (seconds)"),
    ("server", "read_timeout_s"): QT_TRANSLATE_NOOP("Setting", "Read timeout (seconds)"),
    ("server", "backoff_initial_s"): QT_TRANSLATE_NOOP("Setting", "Backoff initial (seconds)"),
    ("server", "backoff_max_s"): QT_TRANSLATE_NOOP("Setting", "Backoff max (seconds)"),
    ("server", "verify_tls"): QT_TRANSLATE_NOOP("Setting", "Verify TLS"),
    ("receiving", "fnc1_substitutes"): QT_TRANSLATE_NOOP("Setting", "Fnc1 substitutes"),
    ("receiving", "journal_fallback_dir"): QT_TRANSLATE_NOOP("Setting", "Journal fallback dir"),
    ("receiving", "undo_window_s"): QT_TRANSLATE_NOOP("Setting", "Undo window (seconds)"),
    ("scanners", "name"): QT_TRANSLATE_NOOP("Setting", "Name"),
    ("scanners", "type"): QT_TRANSLATE_NOOP("Setting", "Type"),
    ("scanners", "enabled"): QT_TRANSLATE_NOOP("Setting", "Enabled"),
    ("scanners", "port"): QT_TRANSLATE_NOOP("Setting", "Port"),
    ("scanners", "usb_vid"): QT_TRANSLATE_NOOP("Setting", "USB vid"),
    ("scanners", "usb_pid"): QT_TRANSLATE_NOOP("Setting", "USB pid"),
    ("scanners", "usb_serial"): QT_TRANSLATE_NOOP("Setting", "USB serial"),
    ("scanners", "usb_location"): QT_TRANSLATE_NOOP("Setting", "USB location"),
    ("scanners", "baudrate"): QT_TRANSLATE_NOOP("Setting", "Baudrate"),
    ("scanners", "bytesize"): QT_TRANSLATE_NOOP("Setting", "Bytesize"),
    ("scanners", "parity"): QT_TRANSLATE_NOOP("Setting", "Parity"),
    ("scanners", "stopbits"): QT_TRANSLATE_NOOP("Setting", "Stopbits"),
    ("scanners", "url"): QT_TRANSLATE_NOOP("Setting", "URL"),
    ("scanners", "terminator"): QT_TRANSLATE_NOOP("Setting", "Terminator"),
    ("scanners", "stx_prefix"): QT_TRANSLATE_NOOP("Setting", "Stx prefix"),
    ("scanners", "idle_gap_ms"): QT_TRANSLATE_NOOP("Setting", "Idle gap (milliseconds)"),
    ("scanners", "max_scan_bytes"): QT_TRANSLATE_NOOP("Setting", "Max scan bytes"),
    ("scanners", "reconnect_max_s"): QT_TRANSLATE_NOOP("Setting", "Reconnect max (seconds)"),
    ("scanners", "max_key_gap_ms"): QT_TRANSLATE_NOOP("Setting", "Max key gap (milliseconds)"),
    ("scanners", "min_length"): QT_TRANSLATE_NOOP("Setting", "Min length"),
    ("scanners", "prefix"): QT_TRANSLATE_NOOP("Setting", "Prefix"),
    ("scanners", "key_positions"): QT_TRANSLATE_NOOP("Setting", "Key positions"),
    ("gui", "language"): QT_TRANSLATE_NOOP("Setting", "Language"),
    ("gui", "sound"): QT_TRANSLATE_NOOP("Setting", "Sound"),
    ("gui", "volume"): QT_TRANSLATE_NOOP("Setting", "Volume (%)"),
    ("gui", "fullscreen"): QT_TRANSLATE_NOOP("Setting", "Fullscreen"),
    ("gui", "kiosk"): QT_TRANSLATE_NOOP("Setting", "Kiosk"),
    ("gui", "font_scale"): QT_TRANSLATE_NOOP("Setting", "Font scale"),
    ("gui", "ready_after_s"): QT_TRANSLATE_NOOP("Setting", "Back to READY after (seconds, 0 = never)"),
    ("login", "max_wrong_pins"): QT_TRANSLATE_NOOP("Setting", "Wrong PINs before a lock-out"),
    ("login", "lockout_min"): QT_TRANSLATE_NOOP("Setting", "Lock-out (minutes)"),
    ("login", "idle_logout_min"): QT_TRANSLATE_NOOP("Setting", "Idle log-out (minutes, 0 = never)"),
    ("login", "badge_pin_for_privileged"): QT_TRANSLATE_NOOP(
        "Setting", "A supervisor's or admin's badge also asks the PIN"
    ),
    ("logging", "level"): QT_TRANSLATE_NOOP("Setting", "Level"),
    ("logging", "file"): QT_TRANSLATE_NOOP("Setting", "File"),
}

DESCRIPTIONS: Final[dict[tuple[str, str], str]] = {
    ("station", "id"): QT_TRANSLATE_NOOP(
        "Setting", "Sent with every event to the central server; unique per station. Required."
    ),
    ("station", "operator"): QT_TRANSLATE_NOOP(
        "Setting", "Operator recorded for scans when nobody is logged in (headless/conveyor mode)."
    ),
    ("database", "url"): QT_TRANSLATE_NOOP(
        "Setting", "Local database. Default: scanstation.db in the platform data directory"
    ),
    ("server", "url"): QT_TRANSLATE_NOOP("Setting", "Base URL of the central server's station API."),
    ("server", "allow_insecure_http"): QT_TRANSLATE_NOOP(
        "Setting",
        "Plain http:// is refused except to this machine (loopback), because the token would travel in clear.",
    ),
    ("server", "token"): QT_TRANSLATE_NOOP("Setting", "The station's bearer token."),
    ("server", "token_env"): QT_TRANSLATE_NOOP(
        "Setting",
        "The environment variable that holds the token (letters, digits and _); when set, it wins over token.",
    ),
    ("server", "pull_interval_s"): QT_TRANSLATE_NOOP("Setting", "Seconds between pulls of the registration feed."),
    ("server", "push_interval_s"): QT_TRANSLATE_NOOP("Setting", "Seconds between pushes of the event outbox."),
    ("server", "page_limit"): QT_TRANSLATE_NOOP(
        "Setting", "Registrations asked for per feed page (the server allows at most 5000)."
    ),
    ("server", "connect_timeout_s"): QT_TRANSLATE_NOOP(
        "Setting", "Seconds to wait for the server to accept a connection; a scan never waits on it."
    ),
    ("server", "read_timeout_s"): QT_TRANSLATE_NOOP(
        "Setting", "Seconds to wait for the server's answer; a scan never waits on it."
    ),
    ("server", "backoff_initial_s"): QT_TRANSLATE_NOOP(
        "Setting", "First wait after an error before trying again; it grows exponentially, with jitter."
    ),
    ("server", "backoff_max_s"): QT_TRANSLATE_NOOP(
        "Setting", "Longest wait after errors before trying again (at least backoff_initial_s)."
    ),
    ("server", "verify_tls"): QT_TRANSLATE_NOOP(
        "Setting", "TLS verification: true, false (warned about at every start), or the path of a CA bundle file."
    ),
    ("receiving", "fnc1_substitutes"): QT_TRANSLATE_NOOP(
        "Setting", 'Characters your scanners were programmed to send instead of FNC1/GS (e.g. "|"); empty = none.'
    ),
    ("receiving", "journal_fallback_dir"): QT_TRANSLATE_NOOP(
        "Setting", "Where scans the database refused are written when the data directory's disk is full too."
    ),
    ("receiving", "undo_window_s"): QT_TRANSLATE_NOOP(
        "Setting", "Seconds the events of a scan are held so the clerk can undo it without anything being sent."
    ),
    ("scanners", "name"): QT_TRANSLATE_NOOP("Setting", "The scanner's name, recorded with every scan it reads."),
    ("scanners", "type"): QT_TRANSLATE_NOOP("Setting", "What kind of scanner it is."),
    ("scanners", "enabled"): QT_TRANSLATE_NOOP("Setting", "false keeps the block but does not open the scanner."),
    ("scanners", "port"): QT_TRANSLATE_NOOP("Setting", "A device path (not empty) ..."),
    ("scanners", "usb_vid"): QT_TRANSLATE_NOOP(
        "Setting", "... or the scanner's USB vendor id (hexadecimal, as `scanstation ports` shows it),"
    ),
    ("scanners", "usb_pid"): QT_TRANSLATE_NOOP("Setting", "its USB product id,"),
    ("scanners", "usb_serial"): QT_TRANSLATE_NOOP("Setting", "its USB serial number,"),
    ("scanners", "usb_location"): QT_TRANSLATE_NOOP("Setting", "or the USB socket it is plugged into."),
    ("scanners", "baudrate"): QT_TRANSLATE_NOOP("Setting", "Bits per second."),
    ("scanners", "bytesize"): QT_TRANSLATE_NOOP("Setting", "Data bits."),
    ("scanners", "parity"): QT_TRANSLATE_NOOP("Setting", "Parity."),
    ("scanners", "stopbits"): QT_TRANSLATE_NOOP("Setting", "Stop bits: 1, 1.5 or 2."),
    ("scanners", "url"): QT_TRANSLATE_NOOP(
        "Setting", "A fixed-mount scanner on the network: socket://host:port, or rfc2217://host:port (both needed)."
    ),
    ("scanners", "terminator"): QT_TRANSLATE_NOOP(
        "Setting", "What ends one scan (NONE: an idle gap of idle_gap_ms ends it)."
    ),
    ("scanners", "stx_prefix"): QT_TRANSLATE_NOOP(
        "Setting", "true when the scanner starts every scan with STX (0x02)."
    ),
    ("scanners", "idle_gap_ms"): QT_TRANSLATE_NOOP(
        "Setting", 'Milliseconds of silence that end a scan with terminator = "NONE".'
    ),
    ("scanners", "max_scan_bytes"): QT_TRANSLATE_NOOP(
        "Setting", "A read longer than this without a terminator is cut and logged as invalid (bounded memory)."
    ),
    ("scanners", "reconnect_max_s"): QT_TRANSLATE_NOOP(
        "Setting", "Longest wait between attempts to reopen an unplugged scanner, in seconds."
    ),
    ("scanners", "max_key_gap_ms"): QT_TRANSLATE_NOOP(
        "Setting", "Keys closer together than this (milliseconds) are a scanner, not a person ..."
    ),
    ("scanners", "min_length"): QT_TRANSLATE_NOOP(
        "Setting", "... when at least this many arrive before the terminator."
    ),
    ("scanners", "prefix"): QT_TRANSLATE_NOOP(
        "Setting", "Alternatively, a prefix character the scanner is programmed to send, e.g. STX."
    ),
    ("scanners", "key_positions"): QT_TRANSLATE_NOOP(
        "Setting",
        "Read a scan by the keys' positions, as the US layout types them: any layout active, Caps Lock ignored.",
    ),
    ("gui", "language"): QT_TRANSLATE_NOOP("Setting", "Language of the scan screen (switchable in the window)."),
    ("gui", "sound"): QT_TRANSLATE_NOOP(
        "Setting", "Play a sound per verdict; without a sound device the banner flashes instead."
    ),
    ("gui", "volume"): QT_TRANSLATE_NOOP("Setting", "Loudness of the verdict sounds, in percent."),
    ("gui", "fullscreen"): QT_TRANSLATE_NOOP("Setting", "Start full screen."),
    ("gui", "kiosk"): QT_TRANSLATE_NOOP(
        "Setting", "Kiosk: full screen, no window frame, kept on top; only a logged-in administrator can close it."
    ),
    ("gui", "font_scale"): QT_TRANSLATE_NOOP("Setting", "Multiplies every font size (1.0 = the default large fonts)."),
    ("gui", "ready_after_s"): QT_TRANSLATE_NOOP(
        "Setting", "Seconds without a new verdict before the banner goes back to READY; 0 = the last verdict stays."
    ),
    ("login", "max_wrong_pins"): QT_TRANSLATE_NOOP(
        "Setting", "Wrong PINs in a row that lock the operator out; each wrong PIN also makes the next try wait longer."
    ),
    ("login", "lockout_min"): QT_TRANSLATE_NOOP(
        "Setting", "Minutes a locked-out operator waits before trying again (an admin can unlock sooner)."
    ),
    ("login", "idle_logout_min"): QT_TRANSLATE_NOOP(
        "Setting", "Minutes without a scan or a key press before the window logs the operator out; 0 = never."
    ),
    ("login", "badge_pin_for_privileged"): QT_TRANSLATE_NOOP(
        "Setting", "true: a supervisor's or admin's badge also asks for their PIN; a clerk's badge alone logs in."
    ),
    ("logging", "level"): QT_TRANSLATE_NOOP("Setting", "The least severe messages logged."),
    ("logging", "file"): QT_TRANSLATE_NOOP(
        "Setting", "Besides stderr, log to rotating files in the platform log directory."
    ),
}

# More lines of explanation, as the example file breaks them.
NOTES: Final[dict[tuple[str, str], str]] = {
    ("station", "id"): QT_TRANSLATE_NOOP(
        "Setting",
        "At most 64 printable characters, no spaces at the ends (the same for `operator` and scanner\nnames).",
    ),
    ("database", "url"): QT_TRANSLATE_NOOP(
        "Setting",
        '(Linux: ~/.local/share/scanstation/). PostgreSQL also works:\n  url = "postgresql+psycopg://scanstation@127.0.0.1/scanstation"\nThe schema is created and upgraded on start; a SQLite file is backed up first.\nAn in-memory database (sqlite:// or sqlite:///:memory:) is refused: it would lose every scan.\nSQLite keeps the feed (the registrations as the server sent them) in a second file beside this\none, named <name>-feed.db: a copy that is pulled again if it is deleted.',  # noqa: E501 (one catalogue entry: lupdate needs one literal)
    ),
    ("server", "url"): QT_TRANSLATE_NOOP(
        "Setting",
        "Without it the station works offline and keeps every event until a server is configured.\nA password in the URL (https://user:password@host/...) is hidden when `config check` prints it.",  # noqa: E501 (one catalogue entry: lupdate needs one literal)
    ),
    ("server", "allow_insecure_http"): QT_TRANSLATE_NOOP(
        "Setting", "true allows it to any host, with a warning at every start and in the status bar."
    ),
    ("server", "token"): QT_TRANSLATE_NOOP(
        "Setting",
        'Better kept out of this file: leave `token` unset and put it in the environment variable\nnamed by token_env, which wins over this line whenever it is set. With a url and no token in\neither place, `config check` and `sync` say "no token" (and exit 2). A token is visible ASCII\nonly: no spaces, line breaks or control characters.',  # noqa: E501 (one catalogue entry: lupdate needs one literal)
    ),
    ("server", "verify_tls"): QT_TRANSLATE_NOOP(
        "Setting",
        "The CA bundle is in PEM form, for a private certificate authority (a relative path is taken from\nthis file's directory; it must exist and be readable when the station starts). Write true/false\nwithout quotes.",  # noqa: E501 (one catalogue entry: lupdate needs one literal)
    ),
    ("receiving", "fnc1_substitutes"): QT_TRANSLATE_NOOP("Setting", "Each entry 1 to 8 characters."),
    ("receiving", "journal_fallback_dir"): QT_TRANSLATE_NOOP(
        "Setting",
        "A scan the database cannot take (disk full, I/O error) is kept in memory, retried in order, and\nwritten to unrecorded-scans.tsv in the data directory; when that disk is full too, the file goes\nhere instead: an absolute directory, best on another disk. Unset: the log directory, then the\nsystem's temp directory.",  # noqa: E501 (one catalogue entry: lupdate needs one literal)
    ),
    ("scanners", "idle_gap_ms"): QT_TRANSLATE_NOOP(
        "Setting", "With a terminator, a fragment left waiting at least this long is logged as incomplete."
    ),
    ("scanners", "prefix"): QT_TRANSLATE_NOOP(
        "Setting", "Its scans are then recognised by it and never reach a text field."
    ),
    ("scanners", "key_positions"): QT_TRANSLATE_NOOP(
        "Setting", "false: as the active layout types them, for a scanner set to emulate another country's keyboard."
    ),
    ("gui", "ready_after_s"): QT_TRANSLATE_NOOP(
        "Setting", "So a verdict left on screen is never taken for the next parcel's."
    ),
    ("login", "lockout_min"): QT_TRANSLATE_NOOP(
        "Setting", "The lock is kept in the database, so a restart does not lift it."
    ),
    ("login", "idle_logout_min"): QT_TRANSLATE_NOOP(
        "Setting", "Never applies to `scanstation headless`, which has nobody logged in."
    ),
    ("logging", "file"): QT_TRANSLATE_NOOP("Setting", "Linux: ~/.local/state/scanstation/log/."),
}


def setting_title(section: str, setting: Setting, english: str) -> str:
    """A row's label in the screen's language; `english` (the form's own) where this module has no entry."""
    return qt.QCoreApplication.translate("Setting", TITLES.get((section, setting.name), english))


def setting_description(section: str, setting: Setting) -> str:
    """A setting's one line of explanation in the screen's language."""
    return qt.QCoreApplication.translate("Setting", DESCRIPTIONS.get((section, setting.name), setting.description))


def setting_tooltip(section: str, setting: Setting) -> list[str]:
    """A setting's description and notes in the screen's language, a line each, for its tooltip."""
    notes = NOTES.get((section, setting.name))
    more = qt.QCoreApplication.translate("Setting", notes).split("\n") if notes is not None else []
    return [setting_description(section, setting), *more]
