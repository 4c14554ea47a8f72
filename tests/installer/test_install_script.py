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


DIST = ROOT / "installer" / "dist"

# Stands in for the frozen executable: --version, and a self-test that fails when the bundle holds a "broken" file.
STAND_IN = """#!/bin/sh
if [ "$1" = self-test ]; then
    if [ -e "$(dirname "$0")/_internal/broken" ]; then
        echo "ok   config: stand-in"; echo "FAIL qt: ImportError: libX11.so.6: cannot open shared object file"
        echo "Qt says something on stderr" >&2; exit 1
    fi
    echo "ok   config: stand-in"; echo "ok   qt: stand-in"; exit 0
fi
echo "scanstation {version}"
"""


def _package(folder: Path, version: str, *, broken: bool = False) -> Path:
    """What build.sh puts in the tarball, with a shell script standing in for the frozen executable."""
    folder.mkdir()
    bundle = folder / "scanstation"
    (bundle / "_internal").mkdir(parents=True)
    (bundle / "_internal" / "marker").write_text(version)
    if broken:
        (bundle / "_internal" / "broken").write_text("")
    exe = bundle / "scanstation"
    exe.write_text(STAND_IN.replace("{version}", version))
    exe.chmod(0o755)
    shutil.copy(LINUX / "install.sh", folder / "install.sh")
    shutil.copy(LINUX / "scanstation.desktop", folder)
    shutil.copy(LINUX / "scanstation-headless.service", folder)
    shutil.copy(ROOT / "config.example.toml", folder)
    shutil.copy(ROOT / "resources" / "icons" / "scanstation.svg", folder)
    shutil.copy(ROOT / "scripts" / "debian-packages.txt", folder)
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
    assert "installed scanstation 0.1.0 in /opt/scanstation (self-test passed)" in first.stdout
    assert "  ok   qt: stand-in" in first.stdout  # the self-test's lines are shown

    exe = root / "opt" / "scanstation" / "scanstation"
    assert os.access(exe, os.X_OK)
    link = root / "usr" / "local" / "bin" / "scanstation"
    assert link.is_symlink()
    assert os.readlink(link) == "/opt/scanstation/scanstation"  # the run-time path, not the DESTDIR one

    desktop = (root / "usr" / "share" / "applications" / "scanstation.desktop").read_text(encoding="utf-8")
    assert "Exec=/opt/scanstation/scanstation gui --config /etc/scanstation/config.toml\n" in desktop
    assert "Icon=scanstation\n" in desktop  # the station's own icon, in the hicolor theme:
    icon = root / "usr" / "share" / "icons" / "hicolor" / "scalable" / "apps" / "scanstation.svg"
    assert icon.read_bytes() == (ROOT / "resources" / "icons" / "scanstation.svg").read_bytes()
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
    assert not icon.exists()
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


def test_a_failed_self_test_installs_nothing_and_keeps_the_old_version(tmp_path: Path) -> None:
    root = tmp_path / "root"
    assert _install(_package(tmp_path / "v1", "0.1.0"), root).returncode == 0
    result = _install(_package(tmp_path / "v2", "0.2.0", broken=True), root)
    assert result.returncode == 1
    assert "the new program failed its self-test; nothing was installed" in result.stderr
    assert "FAIL qt: ImportError: libX11.so.6" in result.stderr  # which check, in its words
    assert (root / "opt" / "scanstation" / "_internal" / "marker").read_text() == "0.1.0"
    assert sorted(p.name for p in (root / "opt").iterdir()) == ["scanstation"]


@pytest.mark.skipif(shutil.which("ld") is None and not os.environ.get("CI"), reason="needs binutils' ld")
def test_a_failed_self_test_names_the_missing_system_libraries_and_the_packages(tmp_path: Path) -> None:
    package = _package(tmp_path / "pkg", "0.1.0", broken=True)
    # A Qt library of the bundle that needs a library this machine does not have (made with ld, then removed).
    work = tmp_path / "ld"
    work.mkdir()
    (work / "blob").write_bytes(b"x")
    ld = ["ld", "-shared", "-b", "binary", "blob"]
    subprocess.run([*ld, "-o", "libscanstation-gone.so"], cwd=work, check=True)
    qt = package / "scanstation" / "_internal" / "libQt6Fake.so.6"
    subprocess.run(
        [*ld, "-b", "default", "--no-as-needed", "libscanstation-gone.so", "-o", str(qt)], cwd=work, check=True
    )
    (work / "libscanstation-gone.so").unlink()

    result = _install(package, tmp_path / "root")
    assert result.returncode == 1
    assert "system libraries missing on this machine: libscanstation-gone.so" in result.stderr
    apt = next(line for line in result.stderr.splitlines() if "apt-get install" in line)
    assert "libpulse0" in apt and "libfontconfig1" in apt
    assert "python3" not in apt  # the bundle carries its Python
    assert not (tmp_path / "root" / "opt" / "scanstation").exists()


@pytest.mark.slow
@pytest.mark.skipif(not list(DIST.glob("scanstation-*-linux-*.tar.gz")), reason="no tarball built (installer/build.sh)")
def test_the_built_tarball_installs_and_passes_its_self_test(tmp_path: Path) -> None:
    (tarball,) = sorted(DIST.glob("scanstation-*-linux-*.tar.gz"))[-1:]
    subprocess.run(["tar", "-C", str(tmp_path), "-xzf", str(tarball)], check=True, timeout=120)
    (package,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    result = _install(package, tmp_path / "root")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "(self-test passed)" in result.stdout
    assert "  ok   screen clerk, matched: " in result.stdout
    assert (
        tmp_path / "root" / "usr" / "share" / "icons" / "hicolor" / "scalable" / "apps" / "scanstation.svg"
    ).exists()


@pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="needs dpkg-deb")
def test_the_deb_holds_what_install_sh_puts_in_place_and_depends_on_the_desktop(tmp_path: Path) -> None:
    package = _package(tmp_path / "pkg", "0.3.0")
    made = subprocess.run(
        ["bash", str(LINUX / "make-deb.sh"), str(package), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    (deb,) = (tmp_path / "out").glob("scanstation_0.3.0_*.deb")
    info = subprocess.run(["dpkg-deb", "--field", str(deb), "Depends"], capture_output=True, text=True, check=True)
    depends = info.stdout.strip().split(", ")
    assert {"libpulse0", "libfontconfig1", "libxcb-cursor0"} <= set(depends)
    assert not [d for d in depends if d.startswith("python3")]  # the bundle carries its Python
    listing = subprocess.run(["dpkg-deb", "--contents", str(deb)], capture_output=True, text=True, check=True).stdout
    paths = {line.split()[5] for line in listing.splitlines()}
    assert {
        "./opt/scanstation/scanstation",
        "./usr/bin/scanstation",
        "./usr/share/applications/scanstation.desktop",
        "./usr/share/icons/hicolor/scalable/apps/scanstation.svg",
        "./usr/lib/systemd/system/scanstation-headless.service",
        "./etc/scanstation/config.example.toml",
    } <= paths
    assert not [p for p in paths if "token.env" in p or p.startswith("./usr/local")]
