"""The config loader: the example file is valid and complete; every mistake names its key and exits 2."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from scanstation import config as cfg
from scanstation.config import ConfigError, load_config, parse_config

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config.example.toml"

MINIMAL = '[station]\nid = "st-1"\n'


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_is_valid() -> None:
    config = load_config(EXAMPLE)
    assert config.station.id == "nj-receiving-1"
    assert [s.type for s in config.scanners] == ["serial", "socket", "wedge"]
    assert config.server.url == "https://example.invalid/api/station/v1"
    assert config.receiving.undo_window_s == 10


@pytest.mark.parametrize(
    ("section", "klass"),
    [
        ("station", cfg.StationConfig),
        ("database", cfg.DatabaseConfig),
        ("server", cfg.ServerConfig),
        ("receiving", cfg.ReceivingConfig),
        ("scanners", cfg.ScannerConfig),
        ("gui", cfg.GuiConfig),
        ("logging", cfg.LoggingConfig),
        ("login", cfg.LoginConfig),
    ],
)
def test_example_documents_every_key(section: str, klass: type) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    documented = set(re.findall(r"^#?\s*([a-z_0-9]+)\s*=", text, flags=re.MULTILINE))
    missing = {f.name for f in dataclasses.fields(klass)} - documented
    assert not missing, f"config.example.toml does not document [{section}] {sorted(missing)}"


def test_minimal_config_gets_defaults(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, MINIMAL))
    assert config.station.operator == "conveyor"
    assert config.database.url.startswith("sqlite:///")
    assert config.server.url is None
    assert config.scanners == ()


def test_token_from_environment_variable() -> None:
    config = parse_config({"station": {"id": "s"}, "server": {"url": "https://x.example/api", "token_env": "TOK"}})
    assert config.server_token({"TOK": "secret"}) == "secret"
    assert config.server_token({}) is None


def test_the_environment_variable_wins_over_the_token_in_the_file() -> None:
    server = {"url": "https://x.example/api", "token_env": "TOK", "token": "from-the-file"}
    config = parse_config({"station": {"id": "s"}, "server": server})
    assert config.server_token({"TOK": "from-the-environment"}) == "from-the-environment"
    assert config.token_from_environment({"TOK": "from-the-environment"})
    assert config.server_token({}) == "from-the-file"
    assert not config.token_from_environment({})
    # The token sync would use is the one checked: a broken one in the environment is not hidden by the file's.
    error = config.token_error({"TOK": "two words"})
    assert error is not None and error.key == "server.token_env"
    assert config.token_error({}) is None
    assert "secret" not in repr(parse_config({"station": {"id": "s"}, "server": {"token": "secret"}}))


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ("", "station.id", "is missing"),
        ("[station]\nid = 5\n", "station.id", "must be a string"),
        (MINIMAL + '[server]\nurl = "http://10.1.1.1/api"\n', "server.url", "allow_insecure_http"),
        (MINIMAL + '[server]\npull_interval_s = "30"\n', "server.pull_interval_s", "must be a number"),
        (MINIMAL + "[server]\npage_limit = 9000\n", "server.page_limit", "at most 5000"),
        (MINIMAL + "[receiving]\nundo_windw_s = 3\n", "receiving.undo_windw_s", "undo_window_s"),
        (MINIMAL + '[[scanners]]\nname = "a"\ntype = "usb"\n', "scanners[0].type", "serial, socket, wedge"),
        (MINIMAL + '[[scanners]]\nname = "a"\ntype = "serial"\n', "scanners[0].port", "scanstation ports"),
        (MINIMAL + '[[scanners]]\nname = "a"\ntype = "socket"\nurl = "tcp://h:1"\n', "scanners[0].url", "socket://"),
        (
            MINIMAL + '[[scanners]]\nname = "a"\ntype = "wedge"\n[[scanners]]\nname = "a"\ntype = "wedge"\n',
            "scanners[1].name",
            "own name",
        ),
        (MINIMAL + '[[scanners]]\nname = "a"\ntype = "serial"\nusb_vid = "zz"\n', "scanners[0].usb_vid", "hexadecimal"),
        (MINIMAL + '[database]\nurl = "mysql://x"\n', "database.url", "postgresql+psycopg"),
        (MINIMAL + '[gui]\nlanguage = "de"\n', "gui.language", "ru, en"),
        (MINIMAL + "[srever]\n", "srever", "[server]"),
        ("[station\n", "(syntax)", "not valid TOML"),
    ],
)
def test_bad_config_names_key_and_fix(tmp_path: Path, text: str, key: str, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(_write(tmp_path, text))
    assert info.value.key == key
    assert words in str(info.value)
    assert "Fix:" in str(info.value)


def test_missing_file_says_how_to_create_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"config\.example\.toml"):
        load_config(tmp_path / "nope.toml")


def test_config_path_precedence(tmp_path: Path) -> None:
    assert cfg.resolve_config_path("a.toml", {"SCANSTATION_CONFIG": "b.toml"}) == Path("a.toml")
    assert cfg.resolve_config_path(None, {"SCANSTATION_CONFIG": "b.toml"}) == Path("b.toml")
    assert cfg.resolve_config_path(None, {}).name == "config.toml"


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scanstation", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def test_config_check_exits_2_and_names_the_key(tmp_path: Path) -> None:
    path = _write(tmp_path, MINIMAL + "[receiving]\nundo_window_s = -1\n")
    result = _cli("config", "check", "--config", str(path))
    assert result.returncode == 2
    assert "receiving.undo_window_s" in result.stderr
    assert "at least 0" in result.stderr


def test_config_check_reports_a_good_file(tmp_path: Path) -> None:
    # The example names a server, so check wants its token (kept out of the file, as the example says).
    result = _cli("config", "check", "--config", str(EXAMPLE), env={"SCANSTATION_SERVER_TOKEN": "t0ken"})
    assert result.returncode == 0, result.stderr
    assert "config OK" in result.stdout
    assert "dock1: serial /dev/ttyACM0" in result.stdout


def test_journal_fallback_dir_is_an_absolute_directory_taken_before_the_temp_dir(tmp_path: Path) -> None:
    from scanstation.runtime import JOURNAL_NAME, journal_fallbacks

    where = tmp_path / "other-disk"
    config = parse_config({"station": {"id": "st-1"}, "receiving": {"journal_fallback_dir": str(where)}})
    assert config.receiving.journal_fallback_dir == str(where)
    first, last = journal_fallbacks(config.receiving.journal_fallback_dir)
    assert first == where / JOURNAL_NAME
    assert last.name == JOURNAL_NAME and last.parent.name.startswith("scanstation-")
    with pytest.raises(ConfigError) as raised:
        parse_config({"station": {"id": "st-1"}, "receiving": {"journal_fallback_dir": "relative/dir"}})
    assert raised.value.key == "receiving.journal_fallback_dir" and "absolute" in raised.value.problem
