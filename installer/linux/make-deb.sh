#!/usr/bin/env bash
# A .deb of the unpacked tarball: install.sh run into a package root (DESTDIR), then dpkg-deb.
#
#   installer/linux/make-deb.sh PACKAGE_DIR OUT_DIR      (installer/build.sh --deb runs it on its staged tarball)
#
# The package holds what `install.sh --service` puts in place (the program, the menu entry and icon, the unit,
# the example config), with the command in /usr/bin and the unit in /usr/lib/systemd/system. It depends on the
# desktop's libraries the bundle takes from the system (the `station` lines of debian-packages.txt, without
# Python, which the bundle carries). Its scripts make the service user and the token file, and stop the service
# on removal; the self-test ran while it was built (install.sh runs it).
set -euo pipefail
umask 022

PACKAGE="$(cd "${1:?usage: make-deb.sh PACKAGE_DIR OUT_DIR}" && pwd)"
OUT="$(mkdir -p "${2:?usage: make-deb.sh PACKAGE_DIR OUT_DIR}" && cd "$2" && pwd)"
command -v dpkg-deb >/dev/null || { echo "make-deb.sh: dpkg-deb is missing (Debian's dpkg)" >&2; exit 2; }

version="$("$PACKAGE/scanstation/scanstation" --version | awk '{print $2}')"
arch="$(dpkg --print-architecture)"
root="$(mktemp -d "${TMPDIR:-/tmp}/scanstation-deb-XXXXXX")"
trap 'rm -rf "$root"' EXIT
chmod 755 "$root"  # the package's "/"

DESTDIR="$root" bash "$PACKAGE/install.sh" --service >/dev/null
rm -f "$root/etc/scanstation/token.env"  # the operator's, made by postinst and never replaced
mkdir -p "$root/usr/bin"
ln -s /opt/scanstation/scanstation "$root/usr/bin/scanstation"
rm -rf "$root/usr/local"
# A package's units go where the distribution's do; /etc/systemd/system is the admin's.
mkdir -p "$root/usr/lib/systemd/system"
mv "$root/etc/systemd/system/scanstation-headless.service" "$root/usr/lib/systemd/system/"
rm -rf "$root/etc/systemd"

depends=$(awk '!/^[[:space:]]*(#|$)/ && $2 == "station" && $1 !~ /^python3/ { printf "%s%s", sep, $1; sep = ", " }' \
    "$PACKAGE/debian-packages.txt")
mkdir -p "$root/DEBIAN"
cat >"$root/DEBIAN/control" <<CONTROL
Package: scanstation
Version: $version
Architecture: $arch
Maintainer: scanstation <scanstation@localhost>
Depends: $depends
Recommends: libcups2
Section: misc
Priority: optional
Installed-Size: $(du -sk "$root" | cut -f1)
Description: receiving-dock scanning station
 Scans parcels at a forwarder's receiving dock and matches them to the
 customers' registrations, offline first; the clerk's screen, the headless
 service and the command line in one frozen program (Python and Qt inside).
CONTROL
echo /etc/scanstation/config.example.toml >"$root/DEBIAN/conffiles"
cat >"$root/DEBIAN/postinst" <<'SH'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
    id scanstation >/dev/null 2>&1 || useradd --system --home-dir /var/lib/scanstation --no-create-home \
        --shell /usr/sbin/nologin --groups dialout scanstation
    if [ ! -e /etc/scanstation/token.env ]; then
        (umask 077 && printf '# The central server token for the headless service:\n# SCANSTATION_SERVER_TOKEN=...\n' \
            >/etc/scanstation/token.env)
    fi
    if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
fi
SH
cat >"$root/DEBIAN/prerm" <<'SH'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then systemctl disable --now scanstation-headless.service >/dev/null 2>&1 || true; fi
SH
chmod 755 "$root/DEBIAN/postinst" "$root/DEBIAN/prerm"
deb="$OUT/scanstation_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zgzip --build "$root" "$deb" >/dev/null
echo "make-deb.sh: $deb ($(du -sh "$deb" | cut -f1))"
