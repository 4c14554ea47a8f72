"""`scanstation review list` and `resolve` on a real config and SQLite file, as the shell's account."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanstation.cli import main
from scanstation.domain import Outcome, Scan, utcnow
from scanstation.receiving import Receiver
from scanstation.store.connection import Store
from tests.dbfixtures import registrar


def test_an_unknown_parcel_listed_and_matched_from_the_command_line(
    sqlite_engine: Store, sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[station]\nid = "st-test"\n[database]\nurl = "{sqlite_url}"\n[logging]\nfile = false\n', encoding="utf-8"
    )
    receiver = Receiver(sqlite_engine, station_id="st-test")
    verdict = receiver.receive(Scan(raw="TBA000000000111", scanner="dock-1", at=utcnow()), "anna")
    receiver.close()
    assert verdict.outcome is Outcome.UNKNOWN
    reg = registrar(sqlite_engine)("TBA000000000222")
    assert main(["review", "list", "--kind", "unknown", "--json", "--config", str(config)]) == 0
    [line] = capsys.readouterr().out.splitlines()
    item = json.loads(line)
    assert (item["id"], item["kind"]) == (f"unknown:{verdict.unknown_id}", "unknown")
    assert main(["review", "resolve", item["id"], "match", reg.id, "--note", "torn", "--config", str(config)]) == 0
    assert f"matched to {reg.id}" in capsys.readouterr().out
    assert main(["review", "list", "--kind", "unknown", "--config", str(config)]) == 0
    assert capsys.readouterr().out == "no open exceptions\n"  # said in words, not an empty screen
    assert main(["review", "list", "--all", "--kind", "unknown", "--config", str(config)]) == 0
    assert "[matched]" in capsys.readouterr().out
    assert main(["review", "resolve", item["id"], "disposed", "--config", str(config)]) == 2
    assert "note" in capsys.readouterr().err


def test_suggestions_for_an_unknown_parcel_and_a_search_from_the_command_line(
    sqlite_engine: Store, sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[station]\nid = "st-test"\n[database]\nurl = "{sqlite_url}"\n[logging]\nfile = false\n', encoding="utf-8"
    )
    receiver = Receiver(sqlite_engine, station_id="st-test")
    verdict = receiver.receive(Scan(raw="TBA000000000111", scanner="dock-1", at=utcnow()), "anna")
    receiver.close()
    reg = registrar(sqlite_engine)("TBA000000000112")
    assert main(["review", "suggest", f"unknown:{verdict.unknown_id}", "--config", str(config)]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert line.startswith(f"{reg.id}  TBA000000000112  UN-1234  Иван Петров  one character differs: 1 where")
    assert main(["review", "suggest", "TBA000000000113", "--json", "--config", str(config)]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert (json.loads(line)["registration_id"], json.loads(line)["reason"]) == (reg.id, "close_typo")
    assert main(["review", "suggest", "unknown:00000000-0000-0000-0000-000000000000", "--config", str(config)]) == 2
    assert "no unknown parcel" in capsys.readouterr().err
    assert main(["review", "search", "петр", "--config", str(config)]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert line.startswith(f"{reg.id}  TBA000000000112  UN-1234  Иван Петров  amazon.com") and line.endswith("(name)")
    assert main(["review", "search", "<nothing>", "--config", str(config)]) == 0
    assert capsys.readouterr().out == "nothing found\n"
