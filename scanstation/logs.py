"""Logging set-up for every entry point: stderr plus rotating files, with secrets scrubbed."""

from __future__ import annotations

import logging
import logging.handlers
import sys
from collections.abc import Iterable
from pathlib import Path

from scanstation import paths
from scanstation.config import LoggingConfig

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
REDACTED = "***"


class RedactingFilter(logging.Filter):
    """Replaces every known secret (the server token) in a record's final text, arguments and traceback."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = tuple(s for s in secrets if s and len(s) >= 4)

    def add(self, secret: str | None) -> None:
        if secret and len(secret) >= 4 and secret not in self._secrets:
            self._secrets = (*self._secrets, secret)

    def scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg = self.scrub(message)
        record.args = None
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        return True


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
            directory.mkdir(parents=True, exist_ok=True)
            handlers.append(
                logging.handlers.RotatingFileHandler(
                    directory / log_file, maxBytes=5_000_000, backupCount=5, encoding="utf-8"
                )
            )
        except OSError as exc:
            print(f"scanstation: cannot write logs to {directory}: {exc.strerror}", file=sys.stderr)
    for handler in handlers:
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.addFilter(_redactor)
        root.addHandler(handler)
