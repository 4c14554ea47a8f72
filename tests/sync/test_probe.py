"""Test connection against the real simulator: reachable, clocks, token accepted or rejected, TLS, all in words."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from scanstation.cli import main
from scanstation.config import ServerConfig
from scanstation.devserver import DevServer
from scanstation.devserver.wire import timestamp
from scanstation.sync.probe import ProbeStep, probe_server
from tests.sync.conftest import STATION, TOKEN
from tests.sync.faultproxy import FaultProxy
from tests.waiting import wait_until

ENV = "SCANSTATION_SERVER_TOKEN"


def _server(url: str, **settings: Any) -> ServerConfig:
    return ServerConfig(url=url, connect_timeout_s=2.0, read_timeout_s=5.0, **settings)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # closed again: nothing listens on it


def test_a_good_token_passes_every_step(devserver: DevServer) -> None:
    report = probe_server(_server(devserver.url), TOKEN, STATION)
    assert [(step.name, step.ok) for step in report.steps] == [("reachable", True), ("clock", True), ("token", True)]
    assert report.steps[0].words.startswith(f"127.0.0.1:{devserver.port} answered in ")
    assert report.steps[1:] == (ProbeStep("clock", True, "clocks agree"), ProbeStep("token", True, "token accepted"))
    assert report.ok
    assert report.summary.endswith("; clocks agree; token accepted")


def test_a_wrong_token_is_rejected_in_words_and_the_server_still_reachable(devserver: DevServer) -> None:
    report = probe_server(_server(devserver.url, token_env="DOCK_TOKEN"), "not-the-token", STATION)
    assert not report.ok
    assert [(step.name, step.ok) for step in report.steps] == [("reachable", True), ("clock", True), ("token", False)]
    assert report.summary == "token rejected (401): check server.token or $DOCK_TOKEN"
    assert "not-the-token" not in repr(report)


def test_no_token_is_said_so_without_asking_the_server(devserver: DevServer) -> None:
    report = probe_server(_server(devserver.url), None, STATION)
    assert report.steps[-1] == ProbeStep("token", False, f"no token: set ${ENV} or server.token")
    assert devserver.request_stats().get("GET /parcels", {}).get("requests", 0) == 0


def test_a_closed_port_is_unreachable_in_words_and_nothing_raises() -> None:
    port = _closed_port()
    report = probe_server(_server(f"http://127.0.0.1:{port}/api/station/v1"), TOKEN, STATION)
    assert report.steps == (
        ProbeStep(
            "reachable",
            False,
            f"nothing answers at 127.0.0.1:{port} (connection refused): is the server running, and is the port right?",
        ),
    )
    assert not report.ok


def test_a_server_down_for_maintenance_says_when_to_come_back(devserver: DevServer) -> None:
    devserver.set_unavailable(7)
    report = probe_server(_server(devserver.url), TOKEN, STATION)
    assert report.summary == (
        f"the server at 127.0.0.1:{devserver.port} is busy or down for maintenance: HTTP 503 to /health "
        "(it asks to come back in 7 s)"
    )


def test_a_url_that_is_not_the_station_api_is_said_so(devserver: DevServer) -> None:
    report = probe_server(_server(devserver.root_url + "/api/v2"), TOKEN, STATION)
    assert (
        report.summary
        == f"the server at 127.0.0.1:{devserver.port} answered HTTP 404 to /health: is the url the station API's?"
    )


def test_a_clock_off_by_more_than_five_seconds_is_named(devserver: DevServer) -> None:
    proxy = FaultProxy(devserver.root_url).start()
    try:
        ahead = timestamp(datetime.now(UTC) + timedelta(seconds=42))
        body = json.dumps({"status": "ok", "server_time": ahead}).encode()
        proxy.add(
            "/api/station/v1/health", "answer", status=200, body=body, headers={"Content-Type": "application/json"}
        )
        report = probe_server(_server(proxy.url + "/api/station/v1"), TOKEN, STATION)
    finally:
        proxy.stop()
    clock = report.steps[1]
    assert clock.name == "clock" and not clock.ok
    assert clock.words in (  # the round trip's middle is a few milliseconds off the moment the answer was made
        f"clock off by {seconds} s (this station is behind the server): set the station's clock (NTP)"
        for seconds in (41, 42)
    )
    assert report.steps[2] == ProbeStep("token", True, "token accepted")
    assert not report.ok


def test_https_to_a_plain_http_port_is_said_in_words(devserver: DevServer) -> None:
    url = devserver.url.replace("http://", "https://")
    report = probe_server(_server(url), TOKEN, STATION)
    assert report.steps == (
        ProbeStep(
            "reachable",
            False,
            f"127.0.0.1:{devserver.port} does not speak TLS: is it http:// rather than https://, or the wrong port?",
        ),
    )


@pytest.fixture
def tls_front(devserver: DevServer, tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """socat terminating TLS on loopback with a self-signed certificate for 127.0.0.1, in front of the simulator."""
    if shutil.which("socat") is None or shutil.which("openssl") is None:
        pytest.skip("needs socat and openssl")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    self_signed = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=central.test"]
    subprocess.run(
        ["openssl", *self_signed, "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    port = _closed_port()
    listen = f"OPENSSL-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork,cert={cert},key={key},verify=0"
    front = subprocess.Popen(
        ["socat", listen, f"TCP:127.0.0.1:{devserver.port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )

    def listening() -> bool:
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", port)) == 0

    try:
        wait_until(listening, what="socat's TLS port")
        yield port, cert
    finally:
        front.kill()
        front.wait()


def test_tls_problems_are_said_in_words_and_a_good_ca_bundle_passes(tls_front: tuple[int, Path]) -> None:
    port, cert = tls_front
    url = f"https://127.0.0.1:{port}/api/station/v1"
    untrusted = probe_server(_server(url), TOKEN, STATION)
    assert untrusted.summary == (
        f"the TLS certificate of 127.0.0.1:{port} is not signed by the system's CAs: for a private CA, "
        "set verify_tls to its bundle (PEM) path"
    )
    trusted = probe_server(_server(url, verify_tls=str(cert)), TOKEN, STATION)
    assert trusted.ok, trusted.steps
    other_name = probe_server(_server(url.replace("127.0.0.1", "localhost"), verify_tls=str(cert)), TOKEN, STATION)
    assert other_name.summary == (
        f"the TLS certificate of localhost:{port} is for another name: use the name the certificate gives in the url"
    )


def _config(tmp_path: Path, url: str, token: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[station]\nid = "{STATION}"\n\n[server]\nurl = "{url}"\ntoken = "{token}"\n\n[logging]\nfile = false\n',
        encoding="utf-8",
    )
    return path


def test_sync_test_prints_one_line_per_step_and_exits_0_when_all_pass(
    devserver: DevServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV, raising=False)
    assert main(["sync", "--test", "--config", str(_config(tmp_path, devserver.url, TOKEN))]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in lines] == [["ok", "reachable"], ["ok", "clock"], ["ok", "token"]]
    assert lines[1:] == ["ok    clock      clocks agree", "ok    token      token accepted"]


def test_sync_test_exits_1_on_a_rejected_token_and_the_environment_wins_over_the_file(
    devserver: DevServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV, "not-the-token")
    assert main(["sync", "--test", "--config", str(_config(tmp_path, devserver.url, TOKEN))]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == f"FAIL  token      token rejected (401): check server.token or ${ENV}"
    assert "not-the-token" not in out


def test_sync_test_exits_1_when_nothing_listens(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV, raising=False)
    url = f"http://127.0.0.1:{_closed_port()}/api/station/v1"
    assert main(["sync", "--test", "--config", str(_config(tmp_path, url, TOKEN))]) == 1
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith("FAIL  reachable  nothing answers at 127.0.0.1:")
