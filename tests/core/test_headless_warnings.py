"""Risky settings (plain http to another host) are said loudly at every start of headless mode."""

from __future__ import annotations

import io
import json
import logging
import threading
from pathlib import Path

import pytest

from scanstation.config import load_config
from scanstation.headless import run_headless


def test_plain_http_to_another_host_is_warned_at_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SCANSTATION_HOME", str(tmp_path / "home"))
    config_file = tmp_path / "station.toml"
    config_file.write_text(
        f"""
[station]
id = "st-1"
[database]
url = "sqlite:///{tmp_path / "station.db"}"
[server]
url = "http://central.example.invalid/api"
token = "a-token-of-some-length"
allow_insecure_http = true
[logging]
file = false
""",
        encoding="utf-8",
    )
    config = load_config(config_file)
    out = io.StringIO()
    stop = threading.Event()
    stop.set()
    with caplog.at_level(logging.WARNING):
        assert run_headless(config, out=out, stop=stop) == 0
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    warnings = [line for line in lines if line["type"] == "warning"]
    assert len(warnings) == 1 and "plain http://" in warnings[0]["message"]
    assert "central.example.invalid" in warnings[0]["message"]
    assert any("plain http://" in record.getMessage() for record in caplog.records)
