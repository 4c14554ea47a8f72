"""Logging: no credentials reach a log line, not even inside a traceback; log files are owner-only."""

from __future__ import annotations

import logging
import logging.handlers
import os
import stat
from pathlib import Path

import pytest

from scanstation import paths
from scanstation.config import LoggingConfig
from scanstation.logs import redactor, setup_logging


@pytest.fixture(autouse=True)
def _restore_root_logger() -> object:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
        if handler not in handlers:
            handler.close()  # a test's log file
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


@pytest.mark.parametrize(
    ("logged", "shown"),
    [
        ("GET /parcels: Bearer q7z rejected", "GET /parcels: Bearer *** rejected"),
        (
            "headers {'Authorization': 'Bearer q7z', 'Accept': '*/*'}",
            "headers {'Authorization': '***', 'Accept': '*/*'}",
        ),
        ("token q7z is wrong", "token *** is wrong"),
        ("url ?token=q7z&limit=5", "url ?token=***&limit=5"),
        ("q7zebra and xq7z are other words", "q7zebra and xq7z are other words"),
    ],
)
def test_a_short_token_is_scrubbed_where_it_stands_alone(
    logged: str, shown: str, capsys: pytest.CaptureFixture[str]
) -> None:
    setup_logging(LoggingConfig(level="INFO", file=False), secrets=["q7z"])
    logging.getLogger("scanstation.test").warning("%s", logged)
    assert capsys.readouterr().err.rstrip("\n").endswith(f"scanstation.test: {shown}")


@pytest.mark.parametrize(
    "logged",
    [
        "Authorization: Bearer zz-unknown-credentials",
        "{'authorization': 'Basic YWxhZGRpbjpvcGVuc2VzYW1l'}",
        '{"Authorization": "Token abc"}',
        "server echoed: bearer 8",
    ],
)
def test_credentials_nobody_registered_are_scrubbed_by_their_shape(
    logged: str, capsys: pytest.CaptureFixture[str]
) -> None:
    setup_logging(LoggingConfig(level="INFO", file=False))
    logging.getLogger("scanstation.test").warning(logged)
    err = capsys.readouterr().err
    assert "***" in err
    assert not any(secret in err for secret in ("zz-unknown", "YWxhZGRpb", "abc", "bearer 8"))


def test_logs_are_owner_only_whatever_the_umask(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(paths.HOME_ENV, str(tmp_path / "home"))
    previous = os.umask(0o022)
    try:
        setup_logging(LoggingConfig(level="INFO", file=True))
        logging.getLogger("scanstation.test").warning("first line")
        (handler,) = [h for h in logging.getLogger().handlers if isinstance(h, logging.handlers.RotatingFileHandler)]
        handler.doRollover()
        logging.getLogger("scanstation.test").warning("after the rollover")
    finally:
        os.umask(previous)
    directory = paths.log_dir()
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert stat.S_IMODE(directory.parent.stat().st_mode) == 0o700  # created for the logs too
    files = sorted(directory.iterdir())
    assert [f.name for f in files] == ["scanstation.log", "scanstation.log.1"]
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    assert "after the rollover" in files[0].read_text(encoding="utf-8")


def test_an_existing_world_readable_log_is_made_owner_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(paths.HOME_ENV, str(tmp_path / "home"))
    paths.log_dir().mkdir(parents=True)
    old_log = paths.log_dir() / "scanstation.log"
    old_log.write_text("written by an older version\n", encoding="utf-8")
    old_log.chmod(0o644)
    setup_logging(LoggingConfig(level="INFO", file=True))
    assert stat.S_IMODE(old_log.stat().st_mode) == 0o600
    assert old_log.read_text(encoding="utf-8") == "written by an older version\n"  # appended to, not emptied
