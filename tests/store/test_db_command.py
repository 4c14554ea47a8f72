"""`scanstation db upgrade|status` with a real config file, on both backends."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command

from scanstation.cli import main
from scanstation.store.connection import open_store
from scanstation.store.engine import write_transaction
from scanstation.store.migrate import alembic_config, head_revision


def _config(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[station]\nid = "st-test"\n[database]\nurl = "{url}"\n', encoding="utf-8")
    return path


def test_upgrade_then_status(db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path, db_url)
    assert main(["db", "upgrade", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert f"upgraded from empty to {head_revision()}" in out
    assert main(["db", "upgrade", "--config", str(config)]) == 0
    assert "up to date" in capsys.readouterr().out
    assert main(["db", "status", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert f"revision  {head_revision()}; newest known {head_revision()}: up to date" in out
    assert "registrations" in out
    assert "outbox" in out


def test_status_counts_rows(sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    engine = open_store(sqlite_url)
    with write_transaction(engine) as conn:
        conn.exec_driver_sql("INSERT INTO sync_state (key, value) VALUES ('a', '1'), ('b', '2'), ('c', '3')")
    engine.close()
    assert main(["db", "status", "--config", str(_config(tmp_path, sqlite_url))]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.split() == ["sync_state", "3"] for line in lines)
    assert any(line.split() == ["registrations", "0"] for line in lines)


def test_upgrade_reports_the_backup(sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    engine = open_store(sqlite_url)
    with write_transaction(engine) as conn:
        command.downgrade(alembic_config(conn), "base")
    engine.close()
    assert main(["db", "upgrade", "--config", str(_config(tmp_path, sqlite_url))]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.startswith("backup of the previous database: "))
    backup = Path(line.removeprefix("backup of the previous database: "))
    copy = sqlite3.connect(backup)
    try:
        assert copy.execute("SELECT count(*) FROM alembic_version").fetchone() == (0,)
    finally:
        copy.close()


def test_status_of_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'none.db'}"
    assert main(["db", "status", "--config", str(_config(tmp_path, url))]) == 1
    assert "no database at" in capsys.readouterr().out
    assert not (tmp_path / "none.db").exists()


def test_broken_database_is_a_message_not_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"garbage" * 1000)
    assert main(["db", "upgrade", "--config", str(_config(tmp_path, f"sqlite:///{bad}"))]) == 1
    err = capsys.readouterr().err
    assert "scanstation db:" in err
    assert "not a usable database" in err


def test_bad_config_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[station]\nid = "x"\n[database]\nurl = "mysql://nope"\n', encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        main(["db", "status", "--config", str(path)])
    assert exit_info.value.code == 2
    assert "database.url" in capsys.readouterr().err
