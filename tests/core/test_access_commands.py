"""`scanstation operators unlock / badge / revoke-badge` and `scanstation audit`, on a real config and database."""

from __future__ import annotations

import csv
import getpass
import io
import json
import stat
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from scanstation.access.login import LoginPolicy, log_in_with_badge, log_in_with_pin
from scanstation.cli import main
from scanstation.store.connection import Store, close_store, open_store
from scanstation.store.operators import add_operator
from tests.gui.test_labels import decode_code128

POLICY = LoginPolicy(max_wrong_pins=2)
SHELL = f"shell:{getpass.getuser()}"


@pytest.fixture
def config(sqlite_url: str, tmp_path: Path) -> str:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[station]\nid = "st-test"\n[database]\nurl = "{sqlite_url}"\n[logging]\nfile = false\n', encoding="utf-8"
    )
    return str(path)


@pytest.fixture
def opened(sqlite_url: str) -> Iterator[Store]:
    engine = open_store(sqlite_url)
    try:
        add_operator(engine, "anna", "4821", display_name="Anna K.")
        yield engine
    finally:
        close_store(engine)


def test_unlock_lifts_a_lock_out(opened: Store, config: str, capsys: pytest.CaptureFixture[str]) -> None:
    now = datetime.now(UTC)
    log_in_with_pin(opened, "anna", "0000", POLICY, station="st-test", now=now)
    locked = log_in_with_pin(opened, "anna", "0000", POLICY, station="st-test", now=now + timedelta(seconds=2))
    assert locked.locked_until is not None
    assert main(["operators", "list", "--config", config]) == 0
    assert "until " in capsys.readouterr().out
    assert main(["operators", "unlock", "anna", "--config", config]) == 0
    assert capsys.readouterr().out == "'anna' is unlocked: they can try their PIN again\n"
    assert log_in_with_pin(opened, "anna", "4821", POLICY, station="st-test", now=now + timedelta(seconds=3)).ok


def test_badge_writes_an_svg_that_logs_in_until_revoked(
    opened: Store, config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "anna-badge.svg"
    assert main(["operators", "badge", "anna", "--out", str(out), "--config", config]) == 0
    said = capsys.readouterr().out
    assert said.startswith(f"new badge for 'anna' written to {out}: print it")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    svg = out.read_bytes()
    assert "Anna K." in svg.decode()
    secret, gs1 = decode_code128(svg)  # read the bars as a scanner does
    assert not gs1 and secret.encode() not in svg, "the secret is in the bars only"
    answer = log_in_with_badge(opened, secret, POLICY, station="st-test")
    assert answer.actor is not None and answer.actor.name == "anna"
    assert main(["operators", "list", "--json", "--config", config]) == 0
    [anna] = json.loads(capsys.readouterr().out)
    assert anna["has_badge"] is True
    assert main(["audit", "--json", "--kind", "badge.issued", "--config", config]) == 0
    [issued] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (issued["actor"], issued["target"], issued["role"]) == (SHELL, "anna", "admin")
    assert "SSB-" not in said, "the secret is never printed"
    assert main(["operators", "revoke-badge", "anna", "--config", config]) == 0
    assert capsys.readouterr().out == "'anna''s badge no longer logs anyone in\n"
    assert main(["operators", "list", "--json", "--config", config]) == 0
    assert json.loads(capsys.readouterr().out)[0]["has_badge"] is False
    assert not log_in_with_badge(opened, secret, POLICY, station="st-test").ok


def test_a_badge_issued_by_the_core_logs_in_and_the_command_revokes_it(
    opened: Store, config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from scanstation.access.operators import issue_badge
    from scanstation.domain import Actor

    secret = issue_badge(opened, Actor.shell("test"), "anna", station="st-test")
    assert log_in_with_badge(opened, secret, POLICY, station="st-test").ok
    assert main(["operators", "revoke-badge", "anna", "--config", config]) == 0
    assert not log_in_with_badge(opened, secret, POLICY, station="st-test").ok


def test_a_badge_for_nobody_changes_nothing(opened: Store, config: str, tmp_path: Path) -> None:
    out = tmp_path / "x.svg"
    assert main(["operators", "badge", "nobody", "--out", str(out), "--config", config]) == 2
    assert not out.exists()


def test_every_command_change_is_in_the_trail_under_the_shell_account(
    opened: Store, config: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("1234\n"))
    assert main(["operators", "add", "boris", "--role", "clerk", "--pin-stdin", "--config", config]) == 0
    assert main(["operators", "set-role", "boris", "supervisor", "--config", config]) == 0
    assert main(["operators", "deactivate", "boris", "--config", config]) == 0
    capsys.readouterr()
    assert main(["audit", "--operator", "boris", "--config", config]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("  ")[3] for line in lines] == ["operator.changed", "operator.changed", "operator.added"]
    assert all(f"{SHELL} (admin)" in line for line in lines)
    assert '{"active": true, "display_name": "boris", "role": "clerk"} -> {' in lines[1]

    export = tmp_path / "trail.csv"
    assert main(["audit", "--kind", "operator.added", "--export", str(export), "--config", config]) == 0
    assert capsys.readouterr().out == f"1 audit rows written to {export}\n"
    with export.open(newline="", encoding="utf-8") as f:
        table = list(csv.reader(f))
    assert [row[5:7] for row in table[1:]] == [["operator.added", "boris"]]
    assert main(["audit", "--kind", "export", "--json", "--config", config]) == 0
    [exported] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert exported["target"] == str(export)


def test_audit_dates_select_whole_days(opened: Store, config: str, capsys: pytest.CaptureFixture[str]) -> None:
    log_in_with_pin(opened, "anna", "4821", POLICY, station="st-test")
    today = datetime.now().date()
    assert main(["audit", "--since", str(today), "--until", str(today), "--json", "--config", config]) == 0
    assert [json.loads(line)["kind"] for line in capsys.readouterr().out.splitlines()] == ["login"]
    yesterday = today - timedelta(days=1)
    assert main(["audit", "--until", str(yesterday), "--config", config]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "no audit rows match" in err
