#!/usr/bin/env bash
# Measure a built bundle: its size, the tarball's, and the start-up times (median of 5 runs, after one warm-up).
#
#   installer/measure.sh [BUNDLE_DIR]      default: installer/dist/scanstation
#
# --version and self-test are timed as commands; the first window is `scanstation gui` on Xvfb until its window
# is mapped (polled with xdotool every 20 ms), on a station database created by the warm-up run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUNDLE="$(cd "${1:-$ROOT/installer/dist/scanstation}" && pwd)"
exe="$BUNDLE/scanstation"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/scanstation-measure-XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
export SCANSTATION_HOME="$WORK/home"
RUNS=5

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]}'; }
# Seconds taken by a command, median of $RUNS after one warm-up run.
timed() {
    "$@" >/dev/null 2>&1 || true
    for _ in $(seq $RUNS); do
        local start; start=$(now)
        "$@" >/dev/null 2>&1 || { echo "measure: $* failed" >&2; return 1; }
        awk -v a="$(now)" -v b="$start" 'BEGIN {print a - b}'
    done | median
}

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "bundle:  $(du -sh "$BUNDLE" | cut -f1) ($BUNDLE)"
tarball="$(ls -t "$(dirname "$BUNDLE")"/scanstation-*-linux-*.tar.gz 2>/dev/null | head -1 || true)"
[[ -n $tarball ]] && echo "tarball: $(du -sh "$tarball" | cut -f1) ($tarball)"
echo "--version:    $(timed "$exe" --version) s (median of $RUNS)"
if "$exe" --help | grep -q self-test; then
    echo "self-test:    $(timed "$exe" self-test) s (median of $RUNS)"
fi

cat >"$WORK/config.toml" <<TOML
[station]
id = "measure-1"

[database]
url = "sqlite:///$WORK/station.db"

[gui]
language = "ru"
sound = false

[logging]
file = false
TOML
# Run on the virtual display: start the window $3+1 times, print the seconds until it was mapped (not the warm-up's).
cat >"$WORK/window.sh" <<'SH'
# xvfb-run can return before the server takes connections; a window started then finds no display.
until xdotool getdisplaygeometry >/dev/null 2>&1; do sleep 0.05; done
for run in $(seq 0 "$3"); do
    start=$(date +%s.%N)
    "$1" gui --config "$2" >/dev/null 2>"$4.$run" &
    gui=$!
    until xdotool search --onlyvisible --pid "$gui" >/dev/null 2>&1; do
        if ! kill -0 "$gui" 2>/dev/null; then  # said and left out of the median
            echo "measure: run $run: the window never appeared: $(grep -m1 -i 'could not\|error' "$4.$run")" >&2
            continue 2
        fi
        sleep 0.02
    done
    took=$(awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN {print a - b}')
    # The CPU time it took (user + system, every thread), which a busy machine changes less than the wall time.
    cpu=$(awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$gui/stat")
    kill -TERM "$gui"; wait "$gui" || true
    if (( run > 0 )); then echo "$took $cpu"; fi  # run 0 is the warm-up: it creates and migrates the database
done
SH
first_window() {
    # A display number of its own (other xvfb-run sessions here start their search at :99 too), and no server reset
    # when the last client leaves: a window started during the reset finds no display.
    xvfb-run -a -n $((200 + RANDOM % 500)) -s "-screen 0 1400x900x24 -noreset" bash "$WORK/window.sh" "$exe" "$WORK/config.toml" "$RUNS" "$WORK/gui.err" \
        >"$WORK/window.times"
    echo "$(cut -d' ' -f1 "$WORK/window.times" | median) s, CPU $(cut -d' ' -f2 "$WORK/window.times" | median) s"
}
if command -v xvfb-run >/dev/null && command -v xdotool >/dev/null; then
    echo "first window: $(first_window) (medians of $RUNS, Xvfb, until mapped)"
else
    echo "first window: not measured (needs xvfb-run and xdotool)"
fi
