#!/usr/bin/env bash
# Live-view cost: vmscope attached to the 20,000-mapping, 2 GiB target.
#  1. at the default 1 s interval for DURATION seconds (60): vmscope's CPU
#     share and its RSS at the end;
#  2. TICKS fast samples (10000, -i 0.01): its RSS along the way (bounded?);
#  3. the time to draw one frame of each screen with all the regions.
# Run by hand; needs tmux (the live view wants a terminal). See README.md.
# env: MAPPINGS (20000) RESIDENT_MIB (2048) DURATION (60) TICKS (10000; 0 skips part 2)
#      VMSCOPE (this tree's binary): time another build; DRAW=0 skips part 3
#      SOAK_INTERVAL (0.01): part 2's interval; SOAK_EVERY (10): seconds between RSS reads
# shellcheck disable=SC2153 # TARGET_PID is set by coproc
set -euo pipefail
export LC_ALL=C
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
MAPPINGS=${MAPPINGS:-20000}
RESIDENT_MIB=${RESIDENT_MIB:-2048}
DURATION=${DURATION:-60}
TICKS=${TICKS:-10000}
die() { echo "bench_live: $*" >&2; exit 1; }
command -v tmux >/dev/null || die "tmux not found (apt-get install tmux)"

make -s -C "$top" -j2 vmscope libvmscope.a >&2 || die "building vmscope failed"
cc -O2 -Wall -Wextra -o "$here/bench_target" "$here/bench_target.c"
# shellcheck disable=SC2046
cc -O2 -Wall -Wextra -D_GNU_SOURCE -I"$top/include" -o "$here/bench_draw" "$here/bench_draw.c" \
    "$top/libvmscope.a" $(pkg-config --libs ncursesw libproc2 jansson libelf) -lm -pthread

sock=vmscope-bench-$$
target_pid=
cleanup() {
    tmux -L "$sock" kill-server 2>/dev/null || true
    if [[ -n $target_pid ]]; then kill "$target_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT INT TERM

coproc TARGET { exec "$here/bench_target" "$MAPPINGS" "$RESIDENT_MIB"; }
target_pid=$TARGET_PID
read -r ready pid <&"${TARGET[0]}" || die "the target did not start"
[[ $ready == ready ]] || die "unexpected target output: $ready"
hz=$(getconf CLK_TCK)

# "utime+stime in ticks" and "VmRSS in KiB" of a process
cpu_ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
VMSCOPE=${VMSCOPE:-$top/vmscope}
vmscope_pid() { pgrep -f "^$VMSCOPE -p $pid" | head -n 1; }

start_live() { # args for vmscope
    tmux -L "$sock" kill-server 2>/dev/null || true
    sleep 0.2
    tmux -L "$sock" new-session -d -s live -x 200 -y 60 "$VMSCOPE -p $pid $*; sleep 2"
    for _ in $(seq 50); do [[ -n $(vmscope_pid) ]] && return; sleep 0.1; done
    die "vmscope did not start"
}

echo "=== vmscope live-view cost ($(date -u +%Y-%m-%dT%H:%MZ)) ==="
echo "machine: $(nproc) CPUs, kernel $(uname -r); target: $MAPPINGS mappings, $RESIDENT_MIB MiB resident"
echo "maps lines: $(wc -l <"/proc/$pid/maps")"

start_live -i 1
vp=$(vmscope_pid)
c0=$(cpu_ticks "$vp")
t0=$EPOCHREALTIME
sleep "$DURATION"
c1=$(cpu_ticks "$vp")
t1=$EPOCHREALTIME
rss60=$(rss_kib "$vp")
share=$(awk -v c=$((c1 - c0)) -v hz="$hz" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", 100 * c / hz / (b - a) }')
echo
echo "1 s interval, ${DURATION} s: vmscope CPU $((c1 - c0)) ticks of 1/$hz s = ${share}% of one CPU (bar <= 5%, aim <= 2%)"
echo "  vmscope RSS after ${DURATION} s: $((rss60 / 1024)) MiB"

[[ $TICKS -gt 0 ]] || exit 0
SOAK_INTERVAL=${SOAK_INTERVAL:-0.01}
start_live -i "$SOAK_INTERVAL" -n "$TICKS"
vp=$(vmscope_pid)
echo
echo "$TICKS samples at -i $SOAK_INTERVAL (full smaps every 20th): vmscope RSS over time"
t0=$EPOCHREALTIME
last=0
soak=$(mktemp)
while kill -0 "$vp" 2>/dev/null; do
    r=$(rss_kib "$vp" 2>/dev/null || echo "$last")
    [[ -n $r ]] && last=$r
    at=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')
    printf '  %6.1f s  %6d KiB\n' "$at" "$last"
    echo "$at $last" >>"$soak"
    sleep "${SOAK_EVERY:-10}"
done
echo "  finished after $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }') s; last RSS $last KiB"
# least-squares slope of RSS over time, from the second minute on (the
# first holds the start-up: curses, the first full sample)
awk '$1 >= 60 { n++; sx += $1; sy += $2; sxx += $1 * $1; sxy += $1 * $2 }
     END { if (n > 2) printf "  RSS slope after the first minute: %.1f KiB per hour (%d reads)\n",
           3600 * (n * sxy - sx * sy) / (n * sxx - sx * sx), n }' "$soak"
rm -f "$soak"

[[ ${DRAW:-1} == 0 ]] && exit 0
echo
"$here/bench_draw" "$pid" 200 60 30
