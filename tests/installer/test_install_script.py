"""installer/linux/install.sh run for real into a DESTDIR, on a stand-in bundle (no PyInstaller build)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINUX = ROOT / "installer" / "linux"

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="install.sh is a bash script")


def _package(folder: Path, version: str) -> Path:
    """What build.sh puts in the tarball, with a shell script standing in for the frozen executable."""
    folder.mkdir()
    bundle = folder / "scanstation"
    (bundle / "_internal").mkdir(parents=True)
    (bundle / "_internal" / "marker").write_text(version)
    exe = bundle / "scanstation"
    exe.write_text(f'#!/bin/sh\necho "scanstation {version}"\n')
    exe.chmod(0o755)
    shutil.copy(LINUX / "install.sh", folder / "install.sh")
    shutil.copy(LINUX / "scanstation.desktop", folder)
    shutil.copy(LINUX / "scanstation-headless.service", folder)
    shutil.copy(ROOT / "config.example.toml", folder)
    return folder


def _install(package: Path, destdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DESTDIR": str(destdir)}
    env.pop("SUDO_USER", None)
    return subprocess.run(
        ["bash", str(package / "install.sh"), *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_install_upgrade_and_uninstall(tmp_path: Path) -> None:
    root = tmp_path / "root"
    first = _install(_package(tmp_path / "v1", "0.1.0"), root, "--service")
    assert first.returncode == 0, first.stderr
    assert "installed scanstation 0.1.0 in /opt/scanstation" in first.stdout

    exe = root / "opt" / "scanstation" / "scanstation"
    assert os.access(exe, os.X_OK)
    link = root / "usr" / "local" / "bin" / "scanstation"
    assert link.is_symlink()
    assert os.readlink(link) == "/opt/scanstation/scanstation"  # the run-time path, not the DESTDIR one

    desktop = (root / "usr" / "share" / "applications" / "scanstation.desktop").read_text(encoding="utf-8")
    assert "Exec=/opt/scanstation/scanstation gui\n" in desktop
    unit = (root / "etc" / "systemd" / "system" / "scanstation-headless.service").read_text(encoding="utf-8")
    assert "ExecStart=/opt/scanstation/scanstation headless --config /etc/scanstation/config.toml\n" in unit
    assert "SupplementaryGroups=dialout" in unit
    etc = root / "etc" / "scanstation"
    assert (etc / "config.example.toml").read_bytes() == (ROOT / "config.example.toml").read_bytes()
    assert stat.S_IMODE((etc / "token.env").stat().st_mode) == 0o600
    assert "waits for /etc/scanstation/config.toml" in first.stdout  # no config yet: says what to do

    # A token the operator wrote survives an upgrade; the program is replaced whole.
    (etc / "token.env").write_text("SCANSTATION_SERVER_TOKEN=secret\n")
    second = _install(_package(tmp_path / "v2", "0.2.0"), root)
    assert second.returncode == 0, second.stderr
    assert (root / "opt" / "scanstation" / "_internal" / "marker").read_text() == "0.2.0"
    assert sorted(p.name for p in (root / "opt").iterdir()) == ["scanstation"]  # no .new/.old left behind
    assert (etc / "token.env").read_text() == "SCANSTATION_SERVER_TOKEN=secret\n"

    gone = _install(tmp_path / "v2", root, "--uninstall")
    assert gone.returncode == 0, gone.stderr
    assert not (root / "opt" / "scanstation").exists()
    assert not link.is_symlink()
    assert not (root / "etc" / "systemd" / "system" / "scanstation-headless.service").exists()
    assert (etc / "token.env").exists()  # config and token are the operator's: kept


def test_refuses_a_folder_without_the_bundle(tmp_path: Path) -> None:
    package = _package(tmp_path / "pkg", "0.1.0")
    shutil.rmtree(package / "scanstation")
    result = _install(package, tmp_path / "root")
    assert result.returncode == 1
    assert "scanstation/scanstation is missing" in result.stderr
    assert not (tmp_path / "root" / "opt").exists()


def test_unknown_option_is_refused(tmp_path: Path) -> None:
    result = _install(_package(tmp_path / "pkg", "0.1.0"), tmp_path / "root", "--servce")
    assert result.returncode == 2
    assert "unknown option --servce" in result.stderr
