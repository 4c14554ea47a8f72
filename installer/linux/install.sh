#!/usr/bin/env bash
# Install the frozen scanstation from this unpacked tarball into /opt/scanstation.
#
#   sudo ./install.sh                     program, `scanstation` on PATH, menu entry for the scan screen
#   sudo ./install.sh --service           also the systemd unit running `scanstation headless`
#   sudo ./install.sh --dialout USER      also add USER to the dialout group (serial scanners)
#   sudo ./install.sh --uninstall         remove the program, link, menu entry, icon and unit;
#                                         /etc/scanstation and /var/lib/scanstation are kept
#
# The new program runs `scanstation self-test` before it replaces the old one: when a check fails, nothing is
# installed, the failing checks and any missing system libraries are said, and the exit status is 1.
#
# DESTDIR=/some/root ./install.sh installs under that root instead (packaging, tests): no root needed,
# and nothing is done to users, groups or systemd.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DESTDIR="${DESTDIR:-}"
PREFIX=/opt/scanstation  # where the program lives at run time (the .desktop file and the unit name it)
OPT="$DESTDIR$PREFIX"
BIN="$DESTDIR/usr/local/bin"
APPS="$DESTDIR/usr/share/applications"
ICONS="$DESTDIR/usr/share/icons/hicolor"
ETC="$DESTDIR/etc/scanstation"
UNITS="$DESTDIR/etc/systemd/system"
UNIT=scanstation-headless.service
SERVICE_USER=scanstation

service=0
uninstall=0
dialout_user=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --service) service=1 ;;
        --uninstall) uninstall=1 ;;
        --dialout) dialout_user="${2:?--dialout needs a user name}"; shift ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) echo "install.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
    shift
done

live=1  # touching the running system (users, groups, systemd)
[[ -n $DESTDIR ]] && live=0
if [[ $live == 1 && $EUID -ne 0 ]]; then
    echo "install.sh: run as root: sudo $0 $*" >&2
    exit 1
fi
have_systemd() { [[ $live == 1 ]] && command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; }

if [[ $uninstall == 1 ]]; then
    if have_systemd && [[ -f "$UNITS/$UNIT" ]]; then
        systemctl disable --now "$UNIT" || true
    fi
    rm -f "$UNITS/$UNIT"
    have_systemd && systemctl daemon-reload
    # Only our own link: never a scanstation someone installed another way.
    if [[ -L "$BIN/scanstation" && "$(readlink "$BIN/scanstation")" == "$PREFIX/scanstation" ]]; then
        rm -f "$BIN/scanstation"
    fi
    rm -f "$APPS/scanstation.desktop" "$ICONS/scalable/apps/scanstation.svg"
    rm -rf "$OPT"
    echo "scanstation removed; kept /etc/scanstation (config, token) and /var/lib/scanstation (database)."
    exit 0
fi

if [[ ! -x "$HERE/scanstation/scanstation" ]]; then
    echo "install.sh: $HERE/scanstation/scanstation is missing: run this from the unpacked tarball" >&2
    exit 1
fi

# The system libraries the bundle takes from this machine (X11, fonts, GLib, D-Bus, PulseAudio, CUPS) that are
# not here, by the names the libraries ask for.
missing_libraries() {
    local lib="$1/_internal" found=()
    [[ -d $lib ]] && command -v ldd >/dev/null || return 0
    for file in "$lib"/libQt6*.so.6 "$lib"/PySide6/Qt/plugins/*/*.so; do
        [[ -e $file ]] || continue
        while read -r name _; do found+=("$name"); done < <(LD_LIBRARY_PATH="$lib" ldd "$file" 2>/dev/null | grep "not found")
    done
    [[ ${#found[@]} -gt 0 ]] && printf '%s\n' "${found[@]}" | sort -u | tr '\n' ' '
    return 0
}

# Copy beside the old version first, try it, and swap at the end: a failed copy or self-test leaves the old one.
mkdir -p "$(dirname "$OPT")"
rm -rf "$OPT.new" "$OPT.old"
cp -a "$HERE/scanstation" "$OPT.new"
report="$(mktemp "${TMPDIR:-/tmp}/scanstation-self-test-XXXXXX")"
if ! "$OPT.new/scanstation" self-test >"$report" 2>"$report.err"; then
    echo "install.sh: the new program failed its self-test; nothing was installed:" >&2
    grep '^FAIL' "$report" >&2 || tail -n 20 "$report.err" >&2
    missing="$(missing_libraries "$OPT.new")"
    if [[ -n $missing ]]; then
        echo "install.sh: system libraries missing on this machine: $missing" >&2
        if [[ -f "$HERE/debian-packages.txt" ]]; then
            # The station's packages but Python, which the bundle carries.
            packages=$(awk '!/^[[:space:]]*(#|$)/ && $2 == "station" && $1 !~ /^python3/ { printf "%s ", $1 }' \
                "$HERE/debian-packages.txt")
            echo "install.sh: on Debian or Ubuntu: apt-get install $packages" >&2
        fi
    fi
    echo "install.sh: the whole report: $report (and $report.err)" >&2
    rm -rf "$OPT.new"
    exit 1
fi
sed 's/^/  /' "$report"
rm -f "$report" "$report.err"
if [[ -e "$OPT" ]]; then mv "$OPT" "$OPT.old"; fi
mv "$OPT.new" "$OPT"
rm -rf "$OPT.old"

mkdir -p "$BIN" "$APPS" "$ETC" "$ICONS/scalable/apps"
ln -sfn "$PREFIX/scanstation" "$BIN/scanstation"
install -m 644 "$HERE/scanstation.desktop" "$APPS/scanstation.desktop"
install -m 644 "$HERE/scanstation.svg" "$ICONS/scalable/apps/scanstation.svg"
install -m 644 "$HERE/config.example.toml" "$ETC/config.example.toml"
if [[ ! -e "$ETC/token.env" ]]; then
    # Read by systemd (as root) for the service; kept out of config.toml so the config can be shared.
    (umask 077 && printf '# The central server token for the headless service:\n# SCANSTATION_SERVER_TOKEN=...\n' >"$ETC/token.env")
fi
have_systemd && command -v update-desktop-database >/dev/null && update-desktop-database -q "$(dirname "$APPS/x")" || true
[[ $live == 1 ]] && command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$ICONS" || true

echo "installed $("$OPT/scanstation" --version) in $PREFIX (self-test passed); \`scanstation\` is on PATH."

if [[ $service == 1 ]]; then
    mkdir -p "$UNITS"
    install -m 644 "$HERE/$UNIT" "$UNITS/$UNIT"
    if [[ $live == 1 ]]; then
        if ! id "$SERVICE_USER" >/dev/null 2>&1; then
            useradd --system --home-dir /var/lib/scanstation --no-create-home --shell /usr/sbin/nologin \
                --groups dialout "$SERVICE_USER"
        fi
    fi
    if have_systemd; then
        systemctl daemon-reload
        systemctl enable "$UNIT"
        if [[ -f "$ETC/config.toml" ]]; then
            systemctl restart "$UNIT"
            echo "service $UNIT (re)started: journalctl -u $UNIT -f"
        fi
    fi
    if [[ ! -f "$ETC/config.toml" ]]; then
        echo "service $UNIT is enabled but waits for /etc/scanstation/config.toml:"
        echo "  sudo cp /etc/scanstation/config.example.toml /etc/scanstation/config.toml   # then edit it"
        echo "  put SCANSTATION_SERVER_TOKEN=... in /etc/scanstation/token.env"
        echo "  sudo sh -c 'set -a; . /etc/scanstation/token.env; scanstation config check --config /etc/scanstation/config.toml'"
        echo "  sudo systemctl start $UNIT"
    fi
fi

if [[ -n $dialout_user ]]; then
    if [[ $live == 1 ]]; then
        usermod -aG dialout "$dialout_user"
        echo "$dialout_user added to dialout (serial scanners); it takes effect at their next log-in."
    else
        echo "DESTDIR install: not adding $dialout_user to dialout"
    fi
else
    user="${SUDO_USER:-}"
    if [[ -n $user && $user != root ]] && ! id -nG "$user" 2>/dev/null | tr ' ' '\n' | grep -qx dialout; then
        echo "serial scanners: $user is not in the dialout group; run \`sudo usermod -aG dialout $user\`"
        echo "  (or re-run with --dialout $user), then log out and in. \`scanstation ports\` lists the ports."
    fi
fi
