"""Settings that used to pass the checks and then misbehave: each is refused at load time, all named at once."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import certifi
import pytest

from scanstation import paths
from scanstation.cli import main
from scanstation.config import ConfigError, ConfigErrors, load_config, resolve_config_path

MINIMAL = '[station]\nid = "st-1"\n'
SERVER = MINIMAL + '[server]\nurl = "https://central.example.invalid/api/station/v1"\n'


def _write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _refused(tmp_path: Path, text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_config(_write(tmp_path, text))
    return info.value


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """`scanstation argv...` in this process: exit status, stdout, stderr."""
    try:
        status = main(list(argv))
    except SystemExit as exit_:
        status = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return status, out, err


def _check(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, str, str]:
    """`scanstation config check --config path`: exit status, stdout, stderr."""
    return _run(capsys, "config", "check", "--config", str(path))


FLOATS = [
    ("server", "pull_interval_s"),
    ("server", "push_interval_s"),
    ("server", "connect_timeout_s"),
    ("server", "read_timeout_s"),
    ("server", "backoff_initial_s"),
    ("server", "backoff_max_s"),
    ("receiving", "undo_window_s"),
    ("gui", "font_scale"),
]


@pytest.mark.parametrize(("section", "key"), FLOATS)
def test_non_finite_numbers_are_refused(tmp_path: Path, section: str, key: str) -> None:
    for value in ("nan", "inf", "-inf", "+nan"):
        error = _refused(tmp_path, f"{MINIMAL}[{section}]\n{key} = {value}\n")
        assert error.key == f"{section}.{key}"
        assert "Fix: use a value" in str(error)


def test_a_scanners_non_finite_number_is_refused(tmp_path: Path) -> None:
    error = _refused(tmp_path, MINIMAL + '[[scanners]]\nname = "a"\ntype = "wedge"\nreconnect_max_s = nan\n')
    assert error.key == "scanners[0].reconnect_max_s"
    assert "not a finite number" in error.problem


def test_backoff_max_below_backoff_initial_is_refused(tmp_path: Path) -> None:
    error = _refused(tmp_path, MINIMAL + "[server]\nbackoff_initial_s = 60\nbackoff_max_s = 5\n")
    assert error.key == "server.backoff_max_s"
    assert "backoff_initial_s" in error.problem


@pytest.mark.parametrize(("word", "meant"), [("yes", "true"), ("True", "true"), ("no", "false"), ("off", "false")])
def test_verify_tls_as_a_quoted_word_is_named_as_a_mistake(tmp_path: Path, word: str, meant: str) -> None:
    error = _refused(tmp_path, f'{MINIMAL}[server]\nverify_tls = "{word}"\n')
    assert error.key == "server.verify_tls"
    assert f"write verify_tls = {meant} without quotes" in str(error)


def test_a_ca_file_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    error = _refused(tmp_path, f'{MINIMAL}[server]\nverify_tls = "{tmp_path / "missing-ca.pem"}"\n')
    assert error.key == "server.verify_tls"
    assert "does not exist" in error.problem


def test_a_ca_file_without_a_certificate_is_refused(tmp_path: Path) -> None:
    (tmp_path / "ca.pem").write_text("not a certificate\n", encoding="utf-8")
    error = _refused(tmp_path, f'{MINIMAL}[server]\nverify_tls = "ca.pem"\n')
    assert error.key == "server.verify_tls"
    assert "PEM" in error.problem


@pytest.mark.timeout(20)
def test_a_fifo_as_ca_file_is_refused_at_once(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "ca.pem")
    error = _refused(tmp_path, f'{MINIMAL}[server]\nverify_tls = "{tmp_path / "ca.pem"}"\n')
    assert "named pipe" in error.problem


def test_a_relative_ca_file_is_found_beside_the_config(tmp_path: Path) -> None:
    bundle = "# Főtanúsítvány, a comment OpenSSL skips\n" + Path(certifi.where()).read_text(encoding="ascii")
    (tmp_path / "private-ca.pem").write_text(bundle, encoding="utf-8")
    config = load_config(_write(tmp_path, f'{MINIMAL}[server]\nverify_tls = "private-ca.pem"\n'))
    assert config.server.verify_tls == str(tmp_path / "private-ca.pem")


@pytest.mark.parametrize(
    ("token", "words"),
    [
        ("abc\\ndef", "a line break"),
        ("abc def", "a space"),
        ("abc\\tdef", "a tab"),
        ("abc\\u0000", "a NUL"),
        (" abc", "a space"),
        ("", "is empty"),
        ("abc\\u00e9", "not plain ASCII"),
    ],
)
def test_a_token_that_no_header_can_carry_is_refused(tmp_path: Path, token: str, words: str) -> None:
    error = _refused(tmp_path, f'{SERVER}token = "{token}"\n')
    assert error.key == "server.token"
    assert words in error.problem
    assert token not in str(error) or not token


def test_token_env_must_be_a_variable_name(tmp_path: Path) -> None:
    error = _refused(tmp_path, f'{SERVER}token_env = "MY TOKEN"\n')
    assert error.key == "server.token_env"


def test_config_check_says_the_token_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SCANSTATION_SERVER_TOKEN", raising=False)
    status, out, err = _check(capsys, _write(tmp_path, SERVER))
    assert status == 2
    assert "server.token: no token: set SCANSTATION_SERVER_TOKEN or server.token" in err
    assert "config OK" not in out

    monkeypatch.delenv("DOCK_TOKEN", raising=False)
    status, out, err = _check(capsys, _write(tmp_path, SERVER + 'token_env = "DOCK_TOKEN"\n'))
    assert status == 2
    assert "no token: set DOCK_TOKEN or server.token" in err

    monkeypatch.setenv("DOCK_TOKEN", "good-token-1")
    status, out, err = _check(capsys, _write(tmp_path, SERVER + 'token_env = "DOCK_TOKEN"\n'))
    assert status == 0, err
    assert "token from $DOCK_TOKEN" in out


def test_config_check_says_the_environment_token_wins_over_the_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path, SERVER + 'token = "file-token-1"\n')
    monkeypatch.delenv("SCANSTATION_SERVER_TOKEN", raising=False)
    status, out, err = _check(capsys, path)
    assert status == 0, err
    assert "(token set in the file)" in out
    monkeypatch.setenv("SCANSTATION_SERVER_TOKEN", "env-token-2")
    status, out, err = _check(capsys, path)
    assert status == 0, err
    assert "(token from $SCANSTATION_SERVER_TOKEN, which wins over the one in the file)" in out
    # The one sync will use is the one checked: a broken token in the environment is refused despite the file's.
    monkeypatch.setenv("SCANSTATION_SERVER_TOKEN", "env token")
    status, _, err = _check(capsys, path)
    assert status == 2
    assert "server.token_env: the token in $SCANSTATION_SERVER_TOKEN contains a space" in err


def test_config_check_refuses_a_token_with_a_line_break_in_the_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCANSTATION_SERVER_TOKEN", "abc\ndef")
    status, _, err = _check(capsys, _write(tmp_path, SERVER))
    assert status == 2
    assert "server.token_env: the token in $SCANSTATION_SERVER_TOKEN contains a line break" in err


def test_sync_once_says_no_token_rather_than_token_rejected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SCANSTATION_SERVER_TOKEN", raising=False)
    path = _write(tmp_path, SERVER + f'[database]\nurl = "sqlite:///{tmp_path / "station.db"}"\n')
    status, out, err = _run(capsys, "sync", "--once", "--config", str(path))
    assert status == 2
    assert "no token: set SCANSTATION_SERVER_TOKEN or server.token" in err
    assert "token rejected" not in out + err


def test_a_missing_token_is_named_with_the_files_other_mistakes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SCANSTATION_SERVER_TOKEN", raising=False)
    status, _, err = _check(capsys, _write(tmp_path, SERVER + "[gui]\nfont_scale = nan\n"))
    assert status == 2
    assert "server.token: no token" in err
    assert "gui.font_scale: is nan" in err
    # Without require_token the same server section loads (headless and the GUI run offline) and says why.
    error = load_config(_write(tmp_path, SERVER)).token_error()
    assert error is not None
    assert error.key == "server.token"


@pytest.mark.parametrize(
    "url", ["sqlite://", "sqlite:///:memory:", "sqlite+pysqlite:///:memory:", "sqlite:///file::memory:?uri=true"]
)
def test_an_in_memory_database_is_refused_by_the_config(tmp_path: Path, url: str) -> None:
    error = _refused(tmp_path, f'{MINIMAL}[database]\nurl = "{url}"\n')
    assert error.key == "database.url"
    assert "in-memory" in error.problem


def test_a_database_url_that_is_no_url_is_refused(tmp_path: Path) -> None:
    error = _refused(tmp_path, f'{MINIMAL}[database]\nurl = "sqlite:garbage"\n')
    assert error.key == "database.url"
    assert "not a database URL" in error.problem


@pytest.mark.parametrize(
    "value", ["[" * 50_000 + "]" * 50_000, "{a = " * 50_000 + "1" + "}" * 50_000, "[{a = [" * 20_000 + "1"]
)
def test_deep_nesting_is_a_config_error_not_a_recursion_error(tmp_path: Path, value: str) -> None:
    error = _refused(tmp_path, f"{MINIMAL}x = {value}\n")
    assert error.key == "(syntax)"
    assert "too deeply" in error.problem


def test_a_nested_value_where_a_string_belongs_is_named_briefly(tmp_path: Path) -> None:
    error = _refused(tmp_path, "[station]\nid = " + "[" * 200 + "]" * 200 + "\n")
    assert error.key == "station.id"
    assert len(str(error)) < 300


@pytest.mark.timeout(20)
def test_a_fifo_as_config_file_is_refused_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "config.toml"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="named pipe"):
        load_config(fifo)
    status, _, err = _check(capsys, fifo)
    assert status == 2
    assert "is a named pipe (FIFO), not a file" in err


@pytest.mark.parametrize(("target", "words"), [("dir", "is a directory, not a file"), ("/dev/null", "is a device")])
def test_a_directory_or_device_as_config_file_is_refused(tmp_path: Path, target: str, words: str) -> None:
    path = tmp_path if target == "dir" else Path(target)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.key == "(file)"
    assert words in info.value.problem


def test_a_huge_config_file_is_refused(tmp_path: Path) -> None:
    error = _refused(tmp_path, MINIMAL + "# " + "x" * (2 << 20) + "\n")
    assert error.key == "(file)"
    assert "bytes" in error.problem


@pytest.mark.parametrize(
    ("block", "key", "words"),
    [
        ('type = "serial"\nport = ""\n', "scanners[0].port", "is empty"),
        ('type = "serial"\nport = "  "\n', "scanners[0].port", "is empty"),
        ('type = "socket"\nurl = "socket://"\n', "scanners[0].url", "names no host"),
        ('type = "socket"\nurl = "socket://:2001"\n', "scanners[0].url", "names no host"),
        ('type = "socket"\nurl = "socket://10.0.0.5"\n', "scanners[0].url", "names no port"),
        ('type = "socket"\nurl = "socket://10.0.0.5:0"\n', "scanners[0].url", "names no port"),
        ('type = "socket"\nurl = "rfc2217://10.0.0.5:99999"\n', "scanners[0].url", "names no port"),
    ],
)
def test_a_scanner_with_nowhere_to_read_from_is_refused(tmp_path: Path, block: str, key: str, words: str) -> None:
    error = _refused(tmp_path, f'{MINIMAL}[[scanners]]\nname = "a"\n{block}')
    assert error.key == key
    assert words in error.problem


def test_every_mistake_is_named_in_one_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(
        tmp_path,
        "[station]\nid = 5\n"
        "[server]\npull_interval_s = nan\npage_limit = 9000\n"
        '[[scanners]]\nname = "a"\ntype = "usb"\n'
        "[receiving]\nundo_windw_s = 3\n",
    )
    with pytest.raises(ConfigErrors) as info:
        load_config(path)
    keys = [error.key for error in info.value.errors]
    assert keys == [
        "station.id",
        "server.pull_interval_s",
        "server.page_limit",
        "receiving.undo_windw_s",
        "scanners[0].type",
    ]
    assert all("Fix:" in str(error) for error in info.value.errors)
    assert info.value.key == "station.id"  # code that reads one error still gets the first

    status, _, err = _check(capsys, path)
    assert status == 2
    for key in keys:
        assert f"configuration error: {path}: {key}:" in err
    assert "5 configuration errors" in err


def test_a_single_mistake_is_a_plain_config_error_with_itself_as_errors(tmp_path: Path) -> None:
    error = _refused(tmp_path, MINIMAL + "[server]\npage_limit = 0\n")
    assert type(error) is ConfigError
    assert error.errors == (error,)


def test_config_check_hides_the_password_in_the_server_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCANSTATION_SERVER_TOKEN", "token-1")
    path = _write(tmp_path, MINIMAL + '[server]\nurl = "https://dock:hunter2@central.example.invalid/api"\n')
    status, out, err = _check(capsys, path)
    assert status == 0, err
    assert "https://dock:***@central.example.invalid/api" in out
    assert "hunter2" not in out + err


def test_insecure_http_to_another_host_is_warned_about(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCANSTATION_SERVER_TOKEN", "token-1")
    text = MINIMAL + '[server]\nurl = "http://10.1.1.1/api"\nallow_insecure_http = true\n'
    config = load_config(_write(tmp_path, text))
    (warning,) = config.warnings()
    assert "10.1.1.1" in warning
    assert "plain http://" in warning
    assert "unencrypted" in warning
    status, _, err = _check(capsys, tmp_path / "config.toml")
    assert status == 0
    assert warning in err

    loopback = load_config(_write(tmp_path, text.replace("10.1.1.1", "127.0.0.1")))
    assert loopback.warnings() == ()


def test_tls_verification_off_is_warned_about(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, SERVER + "verify_tls = false\n"))
    (warning,) = config.warnings()
    assert "verify_tls = false" in warning


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        (f'[station]\nid = "{"s" * 150}"\n', "station.id", "longer than 64"),
        (f'{MINIMAL}operator = "{"o" * 65}"\n', "station.operator", "longer than 64"),
        (f'{MINIMAL}[[scanners]]\nname = "{"n" * 65}"\ntype = "wedge"\n', "scanners[0].name", "longer than 64"),
        ('[station]\nid = "st\\u00071"\n', "station.id", "control character"),
        ('[station]\nid = "st-1\\n"\n', "station.id", "a line break"),
        ('[station]\nid = " st-1"\n', "station.id", "starts or ends with a space"),
        ('[station]\nid = "st\\u200b1"\n', "station.id", "cannot be printed"),
        (f'{MINIMAL}operator = "con\\tveyor"\n', "station.operator", "a tab"),
        (f'{MINIMAL}[database]\nurl = "sqlite:///a\\nb.db"\n', "database.url", "a line break"),
        (f'{MINIMAL}[server]\nurl = "https://exa\\nmple.invalid/api"\n', "server.url", "a line break"),
        (f'{MINIMAL}[[scanners]]\nname = "a"\ntype = "serial"\nport = "/dev/tty\\u0000"\n', "scanners[0].port", "NUL"),
    ],
)
def test_lengths_and_control_characters_are_checked_at_load_time(
    tmp_path: Path, text: str, key: str, words: str
) -> None:
    error = _refused(tmp_path, text)
    assert error.key == key
    assert words in error.problem


def test_names_may_have_64_printable_characters_not_65(tmp_path: Path) -> None:
    name = "Склад-1 " + "x" * 56
    config = load_config(_write(tmp_path, f'[station]\nid = "{name}"\noperator = "{name}"\n'))
    assert (config.station.id, config.station.operator) == (name, name)
    error = _refused(tmp_path, f'[station]\nid = "{name}x"\n')
    assert error.key == "station.id"


def test_control_characters_are_refused_except_where_a_scanner_sends_them(tmp_path: Path) -> None:
    scanner = '[[scanners]]\nname = "a"\ntype = "wedge"\nprefix = "\\u0002"\n'
    config = load_config(_write(tmp_path, MINIMAL + scanner + 'usb_serial = "17123B"\n'))
    assert config.scanners[0].prefix == "\x02"
    error = _refused(tmp_path, MINIMAL + scanner + 'usb_serial = "17123B\\u0002"\n')
    assert error.key == "scanners[0].usb_serial"


def test_the_system_config_is_used_after_the_users(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(paths.HOME_ENV, str(tmp_path))
    system = tmp_path / "site-config" / "config.toml"
    system.parent.mkdir()
    system.write_text(MINIMAL, encoding="utf-8")
    assert resolve_config_path(None, {}) == system
    assert load_config(None, {}).source == str(system)

    user = paths.default_config_path()
    user.parent.mkdir()
    user.write_text('[station]\nid = "mine"\n', encoding="utf-8")
    assert load_config(None, {}).station.id == "mine"


def test_no_config_anywhere_names_every_place_looked_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(paths.HOME_ENV, str(tmp_path))
    with pytest.raises(ConfigError) as info:
        load_config(None, {})
    assert str(tmp_path / "config" / "config.toml") in info.value.problem
    assert str(tmp_path / "site-config" / "config.toml") in info.value.problem
    assert "config.example.toml" in info.value.fix


def test_the_system_config_location_is_etc_scanstation_on_linux(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(paths.HOME_ENV)
    if not sys.platform.startswith("linux"):
        pytest.skip("the Linux location")
    assert paths.site_config_dir() == Path("/etc/scanstation")
    assert paths.config_search_paths()[1] == Path("/etc/scanstation/config.toml")
