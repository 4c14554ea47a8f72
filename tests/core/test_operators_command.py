"""`scanstation operators` end to end: a real config and database, PINs from stdin and from a real terminal."""

from __future__ import annotations

import io
import json
import os
import pty
import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanstation.cli import main
from scanstation.commands.operators import ROLE_HELP
from scanstation.store.connection import Store, close_store, open_store
from scanstation.store.operators import NAME_MAX, ROLES, OperatorInfo, get_operator, list_operators, verify_pin
from tests.waiting import Deadline

REPO = Path(__file__).resolve().parents[2]
TERMINAL_TIMEOUT_S = 60.0

NEVER_LOGGED_IN = {
    "locked_until": None,
    "failed_pins": 0,
    "has_badge": False,
    "badge_issued_at": None,
    "last_login_at": None,
}


def _config(tmp_path: Path, url: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[station]\nid = "st-test"\n[database]\nurl = "{url}"\n[logging]\nfile = false\n', encoding="utf-8"
    )
    return str(path)


@pytest.fixture
def config(sqlite_url: str, tmp_path: Path) -> str:
    return _config(tmp_path, sqlite_url)


@pytest.fixture
def opened(sqlite_url: str) -> Iterator[Store]:
    """The same database the commands write, opened by the test to look at what they did."""
    engine = open_store(sqlite_url)
    try:
        yield engine
    finally:
        close_store(engine)


def _with_stdin(monkeypatch: pytest.MonkeyPatch, text: str, argv: list[str]) -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    return main(argv)


def _add(monkeypatch: pytest.MonkeyPatch, config: str, name: str, role: str, pin: str, *extra: str) -> int:
    argv = ["operators", "add", name, "--role", role, "--pin-stdin", "--config", config, *extra]
    return _with_stdin(monkeypatch, f"{pin}\n", argv)


def test_add_then_list_and_log_in(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, db_url)
    assert main(["operators", "list", "--config", config]) == 0
    out, err = capsys.readouterr()
    assert out == "no active operators\n"
    assert "no active admin" in err
    assert "scanstation operators add NAME --role admin" in err

    assert _add(monkeypatch, config, "anna", "admin", "4821", "--display-name", "Анна К.") == 0
    assert capsys.readouterr().out == "added operator 'anna' (Анна К.) as admin: they can log in now\n"
    assert _add(monkeypatch, config, " boris ", "clerk", "123456") == 0
    capsys.readouterr()

    assert main(["operators", "list", "--config", config]) == 0
    out, err = capsys.readouterr()
    assert [line.split() for line in out.splitlines()] == [
        ["NAME", "DISPLAY", "NAME", "ROLE", "ACTIVE", "BADGE", "LOCKED"],
        ["anna", "Анна", "К.", "admin", "yes", "no"],
        ["boris", "boris", "clerk", "yes", "no"],
    ]
    assert "no active admin" not in err
    assert main(["operators", "list", "--json", "--config", config]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"name": "anna", "display_name": "Анна К.", "role": "admin", "active": True, **NEVER_LOGGED_IN},
        {"name": "boris", "display_name": "boris", "role": "clerk", "active": True, **NEVER_LOGGED_IN},
    ]

    engine = open_store(db_url)
    try:
        assert verify_pin(engine, "anna", "4821") == OperatorInfo("anna", "Анна К.", "admin", True)
        assert verify_pin(engine, "boris", "123456") is not None
        assert verify_pin(engine, "anna", "123456") is None
    finally:
        close_store(engine)


def test_each_change_says_what_was_done(
    config: str, opened: Store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _add(monkeypatch, config, "anna", "admin", "4821")
    _add(monkeypatch, config, "gleb", "clerk", "1111")
    capsys.readouterr()

    assert main(["operators", "set-role", "gleb", "supervisor", "--config", config]) == 0
    assert capsys.readouterr().out == "'gleb' is now supervisor\n"
    assert main(["operators", "deactivate", "gleb", "--config", config]) == 0
    assert capsys.readouterr().out.startswith("'gleb' is deactivated: they cannot log in")
    assert verify_pin(opened, "gleb", "1111") is None

    assert main(["operators", "list", "--config", config]) == 0
    assert "gleb" not in capsys.readouterr().out
    assert main(["operators", "list", "--all", "--config", config]) == 0
    assert ["gleb", "gleb", "supervisor", "no", "no"] in [line.split() for line in capsys.readouterr().out.splitlines()]

    assert _with_stdin(monkeypatch, "2222\n", ["operators", "set-pin", "gleb", "--pin-stdin", "--config", config]) == 0
    assert capsys.readouterr().out.startswith("new PIN set for 'gleb' (still deactivated")
    assert main(["operators", "activate", "gleb", "--config", config]) == 0
    assert capsys.readouterr().out == "'gleb' is active: they can log in as supervisor\n"
    assert verify_pin(opened, "gleb", "1111") is None
    assert verify_pin(opened, "gleb", "2222") == OperatorInfo("gleb", "gleb", "supervisor", True)


@pytest.mark.parametrize(
    ("argv", "stdin", "words"),
    [
        (["set-role", "ghost", "clerk"], "", "there is no operator named 'ghost'"),
        (["deactivate", "ghost"], "", "there is no operator named 'ghost'"),
        (["activate", "ghost"], "", "there is no operator named 'ghost'"),
        (["set-pin", "ghost", "--pin-stdin"], "1234\n", "there is no operator named 'ghost'"),
        (["set-role", "anna", "boss"], "", "role 'boss' is not one of clerk, supervisor, admin"),
        (["add", "vera", "--role", "boss", "--pin-stdin"], "1234\n", "role 'boss' is not one of"),
        (["add", "vera", "--role", "clerk", "--pin-stdin"], "123\n", "a PIN is 4 to 12 digits"),
        (["add", "vera", "--role", "clerk", "--pin-stdin"], "1234567890123\n", "a PIN is 4 to 12 digits"),
        (["add", "vera", "--role", "clerk", "--pin-stdin"], "12a4\n", "a PIN is 4 to 12 digits"),
        (["add", "vera", "--role", "clerk", "--pin-stdin"], "", "standard input is empty"),
        (["set-pin", "anna", "--pin-stdin"], "99\n", "a PIN is 4 to 12 digits"),
        (["add", " anna ", "--role", "clerk", "--pin-stdin"], "1234\n", "an operator named 'anna' already exists"),
        (["add", "v" * (NAME_MAX + 1), "--role", "clerk", "--pin-stdin"], "1234\n", f"at most {NAME_MAX}"),
        (["add", "ve\x1bra", "--role", "clerk", "--pin-stdin"], "1234\n", "control character U+001B"),
        (["add", "   ", "--role", "clerk", "--pin-stdin"], "1234\n", "an operator needs a name"),
        (["add", "vera", "--role", "clerk", "--display-name", "V\nR", "--pin-stdin"], "1234\n", "control character"),
        (["add", "vera", "--role", "clerk", "--display-name", "d" * 129, "--pin-stdin"], "1234\n", "at most 128"),
    ],
)
def test_bad_input_is_refused_in_words_and_changes_nothing(
    config: str,
    opened: Store,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    stdin: str,
    words: str,
) -> None:
    _add(monkeypatch, config, "anna", "admin", "4821")
    capsys.readouterr()
    before = list_operators(opened, include_inactive=True)

    assert _with_stdin(monkeypatch, stdin, ["operators", *argv, "--config", config]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("scanstation operators: ")
    assert words in err
    assert "Traceback" not in err
    assert list_operators(opened, include_inactive=True) == before
    assert verify_pin(opened, "anna", "4821") is not None


def test_the_last_admin_stays_unless_forced(
    config: str, opened: Store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _add(monkeypatch, config, "anna", "admin", "4821")
    capsys.readouterr()
    for argv in (["deactivate", "anna"], ["set-role", "anna", "clerk"]):
        assert main(["operators", *argv, "--config", config]) == 2
        err = capsys.readouterr().err
        assert "'anna' is the only active admin" in err
        assert "nobody who can set up this station" in err
        assert "--force" in err
    assert get_operator(opened, "anna") == OperatorInfo("anna", "anna", "admin", True)

    assert main(["operators", "set-role", "anna", "supervisor", "--force", "--config", config]) == 0
    out, err = capsys.readouterr()
    assert out == "'anna' is now supervisor\n"
    assert "no active admin is left" in err
    assert get_operator(opened, "anna") == OperatorInfo("anna", "anna", "supervisor", True)


def test_help_names_every_role() -> None:
    assert all(role in ROLE_HELP for role in ROLES)


def _at_terminal(argv: list[str], answers: list[tuple[bytes, bytes]]) -> tuple[int, str]:
    """Run `python -m scanstation ARGV` on a new pseudo-terminal; type each answer once its prompt shows.

    Returns the exit status and everything the terminal showed.
    """
    pid, fd = pty.fork()
    if pid == 0:  # the child: the pty is its controlling terminal, where getpass asks
        try:
            os.chdir(REPO)
            os.execv(sys.executable, [sys.executable, "-m", "scanstation", *argv])
        finally:
            os._exit(127)
    shown = b""
    pending = list(answers)
    deadline = Deadline(TERMINAL_TIMEOUT_S, "the command to finish")
    try:
        while True:
            if pending and pending[0][0] in shown:
                os.write(fd, pending.pop(0)[1])
                shown += b"<typed>"  # so the next prompt is looked for after this point only
                continue
            if deadline.passed():
                raise deadline.missed(f"the terminal showed {shown!r}")
            ready, _, _ = select.select([fd], [], [], deadline.left())
            if not ready:
                continue
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            shown += chunk
        _, status = os.waitpid(pid, 0)
        pid = 0
    finally:
        if pid:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
    return os.waitstatus_to_exitcode(status), shown.decode(errors="replace")


def test_pin_typed_twice_at_a_terminal_is_not_echoed(config: str, opened: Store) -> None:
    argv = ["operators", "add", "anna", "--role", "admin", "--display-name", "Anna K.", "--config", config]
    status, shown = _at_terminal(argv, [(b"PIN for anna (4-12 digits): ", b"4821\n"), (b"again: ", b"4821\n")])
    assert status == 0, shown
    assert "added operator 'anna' (Anna K.) as admin" in shown
    assert "4821" not in shown
    assert verify_pin(opened, "anna", "4821") == OperatorInfo("anna", "Anna K.", "admin", True)

    status, shown = _at_terminal(
        ["operators", "set-pin", "anna", "--config", config],
        [(b"new PIN for anna (4-12 digits): ", b"90817263\n"), (b"again: ", b"90817263\n")],
    )
    assert status == 0, shown
    assert "new PIN set for 'anna'" in shown
    assert "90817263" not in shown
    assert verify_pin(opened, "anna", "90817263") is not None
    assert verify_pin(opened, "anna", "4821") is None


def test_pins_that_differ_at_a_terminal_change_nothing(config: str, opened: Store) -> None:
    argv = ["operators", "add", "anna", "--role", "admin", "--config", config]
    status, shown = _at_terminal(argv, [(b"digits): ", b"4821\n"), (b"again: ", b"4822\n")])
    assert status == 2, shown
    assert "the two PINs differ; nothing was changed" in shown
    assert get_operator(opened, "anna") is None


def test_a_wrong_pin_at_a_terminal_is_refused_before_the_second_prompt(config: str, opened: Store) -> None:
    argv = ["operators", "add", "anna", "--role", "admin", "--config", config]
    status, shown = _at_terminal(argv, [(b"digits): ", b"48\n")])
    assert status == 2, shown
    assert "a PIN is 4 to 12 digits" in shown
    assert "again" not in shown
    assert get_operator(opened, "anna") is None


def test_no_terminal_and_no_pin_stdin_is_refused_not_echoed(config: str, opened: Store) -> None:
    # A new session has no controlling terminal, so getpass could only read stdin with echo.
    result = subprocess.run(
        [sys.executable, "-m", "scanstation", "operators", "add", "anna", "--role", "admin", "--config", config],
        input="4821\n4821\n",
        capture_output=True,
        text=True,
        cwd=REPO,
        start_new_session=True,
        timeout=TERMINAL_TIMEOUT_S,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "there is no terminal to type the PIN at; --pin-stdin reads it from stdin" in result.stderr
    assert "4821" not in result.stdout + result.stderr
    assert get_operator(opened, "anna") is None
