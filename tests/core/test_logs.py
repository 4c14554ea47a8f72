"""Logging: the server token never reaches a log line, not even inside a traceback."""

from __future__ import annotations

import logging

import pytest

from scanstation.config import LoggingConfig
from scanstation.logs import redactor, setup_logging


@pytest.fixture(autouse=True)
def _restore_root_logger() -> object:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def test_token_is_scrubbed_from_messages_args_and_tracebacks(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(LoggingConfig(level="INFO", file=False), secrets=["s3cr3t-token"])
    log = logging.getLogger("scanstation.test")
    log.info("Authorization: Bearer %s", "s3cr3t-token")
    try:
        raise RuntimeError("server said s3cr3t-token is bad")
    except RuntimeError:
        log.exception("push failed")
    err = capsys.readouterr().err
    assert "s3cr3t-token" not in err
    assert err.count("***") >= 2
    assert "push failed" in err


def test_secrets_added_later_are_scrubbed(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(LoggingConfig(level="INFO", file=False))
    redactor().add("late-token-123")
    logging.getLogger("scanstation.test").warning("token late-token-123")
    assert "late-token-123" not in capsys.readouterr().err
