"""Logging set-up for every entry point: stderr plus rotating files, with secrets scrubbed."""

from __future__ import annotations

import io
import logging
import logging.handlers
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Final

from scanstation import paths
from scanstation.config import LoggingConfig
from scanstation.private import private_dir, private_file

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
REDACTED = "***"
# A secret this short is replaced only where it stands alone: inside longer words it would mangle the text.
_SUBSTRING_MIN: Final = 4
# Whatever the token: the value of an Authorization header (as a header line, a dict's repr or JSON) and
# the credentials after "Bearer", which the client sends and a leaky server may echo.
_CREDENTIALS: Final = re.compile(
    r"""(?P<keep>\bauthorization['"]?\s*[:=]\s*['"]?)[^'"\r\n]+"""
    r"""|(?P<scheme>\bbearer\s+)[^\s'"]+""",
    re.IGNORECASE,
)


def _hide_credentials(match: re.Match[str]) -> str:
    return f"{match.group('keep') or match.group('scheme')}{REDACTED}"


class RedactingFilter(logging.Filter):
    """Hides credentials in a record's text, arguments, traceback and stack, whatever their length.

    Every Authorization or Bearer value by its pattern, and every known secret (the server token) by its value.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets: tuple[str, ...] = ()
        self._short: re.Pattern[str] | None = None
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        if not secret or secret in self._secrets:
            return
        # Longest first, so a secret that contains another is replaced whole.
        self._secrets = tuple(sorted((*self._secrets, secret), key=len, reverse=True))
        short = [re.escape(s) for s in self._secrets if len(s) < _SUBSTRING_MIN]
        self._short = re.compile(rf"(?<![^\W_])(?:{'|'.join(short)})(?![^\W_])") if short else None

    def scrub(self, text: str) -> str:
        text = _CREDENTIALS.sub(_hide_credentials, text)
        for secret in self._secrets:
            if len(secret) >= _SUBSTRING_MIN:
                text = text.replace(secret, REDACTED)
        if self._short is not None:
            text = self._short.sub(REDACTED, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg = self.scrub(message)
        record.args = None
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = self.scrub(record.stack_info)
        return True


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log whose every file, the first and each one after a rollover, is owner-only."""

    def _open(self) -> io.TextIOWrapper:
        private_file(Path(self.baseFilename))
        return super()._open()


_redactor = RedactingFilter(())


def redactor() -> RedactingFilter:
    """The process-wide filter; the sync client registers its token here as soon as it knows it."""
    return _redactor


def setup_logging(config: LoggingConfig, *, secrets: Iterable[str] = (), log_file: str = "scanstation.log") -> None:
    """Configure the root logger once; logs go to stderr (never stdout: headless prints JSON there)."""
    for secret in secrets:
        _redactor.add(secret)
    root = logging.getLogger()
    root.setLevel(config.level)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    stderr = logging.StreamHandler(sys.stderr)
    handlers: list[logging.Handler] = [stderr]
    if config.file:
        directory: Path = paths.log_dir()
        try:
            private_dir(directory)
            handlers.append(
                PrivateRotatingFileHandler(directory / log_file, maxBytes=5_000_000, backupCount=5, encoding="utf-8")
            )
        except OSError as exc:
            print(f"scanstation: cannot write logs to {directory}: {exc.strerror}", file=sys.stderr)
    for handler in handlers:
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.addFilter(_redactor)
        root.addHandler(handler)
