"""Starting, stopping and restarting the simulator, as an object and as `scanstation devserver`."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from scanstation.devserver import DevServer
from tests.devserver.conftest import TOKEN, Api, event


def test_stop_cuts_open_keep_alive_connections(tmp_path: Path) -> None:
    dev = DevServer(tmp_path / "c.sqlite3", token=TOKEN)
    dev.start()
    conn = http.client.HTTPConnection(dev.host, dev.port, timeout=5)
    try:
        conn.request("GET", "/api/station/v1/health")
        assert conn.getresponse().read()
        dev.stop()

        # The old connection must not reach a handler that still answers from the closed database.
        def ask_again() -> None:
            conn.request("GET", "/api/station/v1/health")
            conn.getresponse().read()

        with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
            ask_again()
    finally:
        conn.close()
        dev.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(dev.url + "/health", timeout=5)


def test_a_restart_keeps_the_port_the_data_the_cursors_and_the_seen_event_ids(tmp_path: Path) -> None:
    dev = DevServer(tmp_path / "c.sqlite3", token=TOKEN)
    dev.start()
    try:
        api = Api(dev)
        parcel = dev.add_registration("TBA000000000001")
        assert api.push(event("notification.requested", "n-1", parcel_id=parcel["id"]))[0]["status"] == "accepted"
        _, cursor = api.pull_all()
        url = dev.url
        dev.stop()
        dev.start()
        assert dev.url == url
        assert api.get("/parcels", params={"cursor": cursor}).json()["items"] == []
        assert api.push(event("notification.requested", "n-1", parcel_id=parcel["id"]))[0]["status"] == "duplicate"
        later = dev.add_registration("TBA000000000002")
        assert [item["id"] for item in api.pull_all(cursor)[0]] == [later["id"]]
        assert len(dev.notifications()) == 1
    finally:
        dev.stop()


def test_a_new_server_on_the_same_file_does_not_generate_again(tmp_path: Path) -> None:
    first = DevServer(tmp_path / "c.sqlite3", parcels=50, seed=3)
    first.start()
    first.delete_registration("p_1")
    first.stop()
    assert first.generated == 50
    second = DevServer(tmp_path / "c.sqlite3", parcels=80, seed=4)
    second.start()
    try:
        assert second.generated == 0
        assert second.store.registration_count() == (49, 1)
    finally:
        second.stop()


def test_a_cursor_from_another_database_is_410(tmp_path: Path) -> None:
    with DevServer(tmp_path / "a.sqlite3", parcels=5) as a:
        _, cursor = Api(a).pull_all()
    with DevServer(tmp_path / "b.sqlite3", parcels=5) as b:
        assert Api(b).get("/parcels", params={"cursor": cursor}).status_code == 410


def test_bad_constructor_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="parcels"):
        DevServer(tmp_path / "c.sqlite3", parcels=-1)
    with pytest.raises(ValueError, match="token"):
        DevServer(tmp_path / "c.sqlite3", token="")


def _start_cli(*args: str) -> tuple[subprocess.Popen[str], dict[str, str]]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "scanstation", "devserver", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    printed: dict[str, str] = {}
    for line in proc.stdout:
        key, _, value = line.partition(":")
        printed[key.strip()] = value.strip()
        if line.startswith("Ctrl+C"):
            break
    return proc, printed


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_the_command_serves_what_it_prints_and_stops_cleanly_on_a_signal(tmp_path: Path, sig: signal.Signals) -> None:
    db = tmp_path / "cli.sqlite3"
    proc, printed = _start_cli("--port", "0", "--token", "cli-token", "--parcels", "30", "--seed", "5", "--db", str(db))
    try:
        assert printed["token"] == "cli-token"
        url = printed["url"]
        assert url.startswith("http://127.0.0.1:")
        assert url.endswith("/api/station/v1")
        assert printed["admin"].startswith(url.removesuffix("/api/station/v1") + "/admin")
        page = requests.get(url + "/parcels", headers={"Authorization": "Bearer cli-token"}, timeout=10).json()
        assert len(page["items"]) == 30
        assert (
            requests.get(url + "/parcels", headers={"Authorization": "Bearer dev-token"}, timeout=10).status_code == 401
        )
    finally:
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "generated 30 registrations" in err
    assert err.rstrip().endswith("devserver stopped")
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/health", timeout=5)


def test_the_command_says_when_the_port_is_taken(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "scanstation", "devserver", "--port", str(port), "--db", str(tmp_path / "c.db")],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("args", "message"), [(["--parcels", "-5"], "--parcels"), (["--port", "70000"], "--port")])
def test_the_command_refuses_bad_numbers(tmp_path: Path, args: list[str], message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scanstation", "devserver", "--db", str(tmp_path / "c.db"), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert not (tmp_path / "c.db").exists()


def test_fresh_starts_over_and_an_existing_database_is_kept_otherwise(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite3"
    with DevServer(db, parcels=10) as dev:
        dev.add_registration("TBA000000000099")
    for args, expected in (
        (["--parcels", "20"], "11 registrations"),
        (["--parcels", "20", "--fresh"], "20 registrations"),
    ):
        proc, printed = _start_cli("--port", "0", "--db", str(db), *args)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        assert expected in printed["db"]
        if "--fresh" not in args:
            assert "--parcels ignored" in err


@pytest.mark.parametrize("content", [b"this is not a database" * 100, b""])
def test_the_command_says_when_the_database_is_unusable(tmp_path: Path, content: bytes) -> None:
    db = tmp_path / "c.sqlite3"
    if content:
        db.write_bytes(content)
    else:
        db.mkdir()  # a directory where the file should be
    result = subprocess.run(
        [sys.executable, "-m", "scanstation", "devserver", "--port", "0", "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert f"cannot use the database {db}" in result.stderr
    assert "Traceback" not in result.stderr
