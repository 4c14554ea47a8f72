#!/usr/bin/env bash
# Smoke-test a built bundle: CLI, parser, config check, headless on a pty scanner with a fresh SQLite
# database (migrations found and run), and the scan screen on a virtual X display (Qt plugins load).
#
#   installer/smoke.sh [BUNDLE_DIR]        default: installer/dist/scanstation
#
# Needs socat (a pty pair stands in for the serial scanner) and, for the window, xvfb-run and xdotool;
# the window check is skipped when they are missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUNDLE="$(cd "${1:-$ROOT/installer/dist/scanstation}" && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/scanstation-smoke-XXXXXX")"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "smoke: FAIL: $*" >&2; exit 1; }
# Poll a condition with a deadline (seconds).
wait_for() {
    local deadline=$((SECONDS + $1)); shift
    until "$@"; do
        (( SECONDS < deadline )) || return 1
        sleep 0.2
    done
}

# Through a symlink, as /usr/local/bin/scanstation runs it: the bootloader must still find _internal/.
ln -s "$BUNDLE/scanstation" "$WORK/scanstation"
exe="$WORK/scanstation"
export SCANSTATION_HOME="$WORK/home"  # keep the smoke test's logs and state out of the real home

"$exe" --version
"$exe" --help >/dev/null
"$exe" parse 1Z999AA10123456784 | grep -q '"tracking_number": "1Z999AA10123456784"' || fail "parse"
# The example names a server, so the check wants its token (from the environment, as on a station).
SCANSTATION_SERVER_TOKEN=smoke-token "$exe" config check --config "$ROOT/config.example.toml" >/dev/null ||
    fail "config check"
echo "smoke: --version, --help, parse, config check OK"

# A pty pair: the station opens one end as its serial scanner, the test writes scans into the other.
socat "pty,raw,echo=0,link=$WORK/scanner" "pty,raw,echo=0,link=$WORK/feed" &
pids+=($!)
wait_for 10 test -e "$WORK/scanner" -a -e "$WORK/feed" || fail "socat made no pty pair"
cat >"$WORK/config.toml" <<TOML
[station]
id = "smoke-1"

[database]
url = "sqlite:///$WORK/station.db"

[gui]
language = "ru"
sound = false

[logging]
level = "INFO"
file = false

[[scanners]]
name = "pty"
type = "serial"
port = "$WORK/scanner"
terminator = "CR"
TOML
"$exe" config check --config "$WORK/config.toml" >/dev/null || fail "config check of the smoke config"

# headless: migrations create the database, the scanner connects, a scan gets a verdict, SIGTERM stops it.
"$exe" headless --config "$WORK/config.toml" >"$WORK/headless.out" 2>"$WORK/headless.err" &
headless=$!
pids+=($headless)
wait_for 30 grep -q '"component":"scanner".*"connected"' "$WORK/headless.out" \
    || { cat "$WORK/headless.err" >&2; fail "headless: the scanner never connected"; }
printf '1Z999AA10123456784\r' >"$WORK/feed"
wait_for 15 grep -q '"type":"scan"' "$WORK/headless.out" \
    || { cat "$WORK/headless.err" >&2; fail "headless: no verdict for the scan"; }
kill -TERM "$headless"
status=0
wait "$headless" || status=$?
[[ $status == 0 ]] || { cat "$WORK/headless.err" >&2; fail "headless exited $status after SIGTERM"; }
"$exe" db status --config "$WORK/config.toml" | tee "$WORK/db-status.txt"
grep -q "revision" "$WORK/db-status.txt" || fail "db status"
echo "smoke: headless (migrations, pty scanner, verdict, SIGTERM) OK"

if command -v xvfb-run >/dev/null && command -v xdotool >/dev/null; then
    # The real xcb platform plugin on a virtual display; Russian proves the compiled catalogue is found.
    xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
        "$1" gui --config "$2" >"$3/gui.out" 2>"$3/gui.err" &
        gui=$!
        deadline=$((SECONDS + 60))
        until xdotool search --onlyvisible --pid "$gui" >/dev/null 2>&1; do
            if (( SECONDS > deadline )) || ! kill -0 "$gui" 2>/dev/null; then exit 3; fi
            sleep 0.2
        done
        if [[ -n "${SMOKE_SCREENSHOT:-}" ]] && command -v import >/dev/null; then
            import -window root "$SMOKE_SCREENSHOT"
        fi
        kill -TERM "$gui"
        wait "$gui"
    ' smoke "$exe" "$WORK/config.toml" "$WORK" || { cat "$WORK/gui.err" >&2; fail "gui: no window, or no clean exit"; }
    if grep -q "translation could not be loaded" "$WORK/gui.err"; then
        fail "gui: the Russian catalogue is missing from the bundle"
    fi
    echo "smoke: gui window on Xvfb (xcb plugin, translations, SIGTERM) OK"
else
    echo "smoke: gui check skipped (needs xvfb-run and xdotool)"
fi
echo "smoke: all OK"
