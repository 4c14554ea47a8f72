#!/usr/bin/env bash
# Build the frozen station (installer/dist/scanstation/) and the Linux tarball from installer/scanstation.spec.
#
#   installer/build.sh                 use the project's .venv (installs PyInstaller into it when missing)
#   installer/build.sh --fresh-venv    build in a new venv (installer/build/venv) with only the station and PyInstaller
#   installer/build.sh --deb           also the .deb (installer/linux/make-deb.sh, needs dpkg-deb)
#   PYTHON=/path/to/python installer/build.sh    use that interpreter's environment
#
# Output: installer/dist/scanstation/ (the onedir bundle, which passed its self-test),
#         installer/dist/scanstation-<version>-linux-<arch>.tar.gz (bundle + install.sh), with --deb
#         installer/dist/scanstation_<version>_<debian arch>.deb.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
INSTALLER="$ROOT/installer"
BUILD="$INSTALLER/build"
DIST="$INSTALLER/dist"
PYINSTALLER_REQ="pyinstaller>=6.5"  # keep in step with the `dev` extra in pyproject.toml

fresh=0
deb=0
for arg in "$@"; do
    case "$arg" in
        --fresh-venv) fresh=1 ;;
        --deb) deb=1 ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "build.sh: unknown option $arg (try --help)" >&2; exit 2 ;;
    esac
done

if [[ $fresh == 1 ]]; then
    # A clean environment proves the bundle needs nothing from a developer's venv (test tools, stray packages).
    base="${PYTHON:-python3}"
    rm -rf "$BUILD/venv"
    "$base" -m venv "$BUILD/venv"
    PY="$BUILD/venv/bin/python"
    "$PY" -m pip install --quiet --upgrade pip
    "$PY" -m pip install --quiet "$ROOT" "$PYINSTALLER_REQ"
else
    PY="${PYTHON:-$ROOT/.venv/bin/python}"
    if [[ ! -x "$PY" ]]; then
        echo "build.sh: no Python at $PY: create the venv first (see README.md) or use --fresh-venv" >&2
        exit 2
    fi
    if ! "$PY" -c "import PyInstaller" 2>/dev/null; then
        echo "build.sh: PyInstaller is missing from $PY's environment; installing $PYINSTALLER_REQ (the dev extra)"
        "$PY" -m pip install --quiet "$PYINSTALLER_REQ"
    fi
fi

version="$("$PY" -c 'import sys; sys.path.insert(0, sys.argv[1]); import scanstation; print(scanstation.__version__)' "$ROOT")"
arch="$(uname -m)"
name="scanstation-$version-linux-$arch"

echo "build.sh: freezing scanstation $version with $("$PY" -m PyInstaller --version) ($PY)"
started=$SECONDS
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
    --workpath "$BUILD" --distpath "$DIST" "$INSTALLER/scanstation.spec"
echo "build.sh: froze in $((SECONDS - started)) s"

bundle="$DIST/scanstation"
# The cheapest proof that the bootloader, the archive and the command modules all made it; then every part.
"$bundle/scanstation" --version
if ! "$bundle/scanstation" self-test >"$BUILD/self-test.txt" 2>"$BUILD/self-test.err"; then
    cat "$BUILD/self-test.txt" >&2
    echo "build.sh: the bundle failed its self-test (above; Qt's messages in $BUILD/self-test.err)" >&2
    exit 1
fi
echo "build.sh: self-test passed ($(grep -c '^ok' "$BUILD/self-test.txt") checks)"

# The tarball: the bundle plus everything install.sh puts in place.
stage="$BUILD/package/$name"
rm -rf "$BUILD/package"
mkdir -p "$stage"
cp -a "$bundle" "$stage/scanstation"
cp "$INSTALLER/linux/install.sh" "$stage/install.sh"
chmod 755 "$stage/install.sh"
cp "$INSTALLER/linux/scanstation.desktop" "$INSTALLER/linux/scanstation-headless.service" "$stage/"
cp "$ROOT/config.example.toml" "$stage/config.example.toml"
cp "$ROOT/resources/icons/scanstation.svg" "$stage/scanstation.svg"
# install.sh names the station's Debian packages when a system library is missing.
cp "$ROOT/scripts/debian-packages.txt" "$stage/debian-packages.txt"
tarball="$DIST/$name.tar.gz"
tar -C "$BUILD/package" -czf "$tarball" "$name"

echo "build.sh: bundle  $bundle ($(du -sh "$bundle" | cut -f1))"
echo "build.sh: tarball $tarball ($(du -sh "$tarball" | cut -f1))"
if [[ $deb == 1 ]]; then
    bash "$INSTALLER/linux/make-deb.sh" "$stage" "$DIST"
fi
