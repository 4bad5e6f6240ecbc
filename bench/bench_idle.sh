#!/usr/bin/env bash
# Idle live-view cost: what vmscope spends between samples. vmscope -p on a
# helper at -i INTERVAL (1 s) in a tmux pane, for WINDOW seconds (10) in
# each of four states: the Map, the Map paused, Detail (page grid) open,
# Detail open and paused. Per second: vmscope's CPU time (ms, utime+stime
# from /proc/PID/stat), its read-like and write-like system calls
# (/proc/PID/io syscr, syscw) and the bytes it wrote (wchar: the terminal,
# mostly). Paused should be 0 everywhere; live at 1 Hz, one sample a second.
# env: VMSCOPE (the build's vmscope; another binary compares before/after)
#      INTERVAL (1) WINDOW (10)
set -euo pipefail
export LC_ALL=C
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
VMSCOPE=${VMSCOPE:-$top/vmscope}
INTERVAL=${INTERVAL:-1}
WINDOW=${WINDOW:-10}
die() { echo "bench_idle: $*" >&2; exit 1; }
command -v tmux >/dev/null || die "tmux not found (apt-get install tmux)"
[[ -x $VMSCOPE ]] || die "no vmscope at $VMSCOPE (make, or set VMSCOPE)"
helper=$top/tests/helpers/maphelper
[[ -x $helper ]] || make -s -C "$top" tests/helpers/maphelper >&2 || die "cannot build the helper"

sock=vmscope-idle-$$
helper_pid=
cleanup() {
    tmux -L "$sock" kill-server 2>/dev/null || true
    if [[ -n $helper_pid ]]; then kill "$helper_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT INT TERM

coproc HELPER { exec "$helper" fenced 4096 1024; }
helper_pid=$HELPER_PID
start=
while read -r line <&"${HELPER[0]}"; do
    case $line in "start 0x"*) start=${line#start 0x} ;; ready*) break ;; esac
done
[[ -n $start ]] || die "the helper did not report its mapping"

tmux -L "$sock" new-session -d -s idle -x 160 -y 45 "$VMSCOPE -p $helper_pid -i $INTERVAL"
pane_has() { tmux -L "$sock" capture-pane -p -t idle | grep -qF -- "$1"; }
wait_for() {
    for _ in $(seq 100); do pane_has "$1" && return 0; sleep 0.1; done
    die "no '$1' on screen"
}
wait_for "2 Map"
tmux -L "$sock" send-keys -t idle 2 # the Map (the first screen is the Summary)
vpid=$(tmux -L "$sock" list-panes -t idle -F '#{pane_pid}')
hz=$(getconf CLK_TCK)

# counters: cpu ticks, syscr, syscw, wchar
counters() {
    local stat io
    stat=$(cut -d')' -f2- "/proc/$vpid/stat")
    io=$(cat "/proc/$vpid/io")
    awk -v s="$stat" -v io="$io" 'BEGIN {
        split(s, f, " "); cpu = f[12] + f[13];
        n = split(io, l, "\n");
        for (i = 1; i <= n; i++) { split(l[i], kv, ": "); v[kv[1]] = kv[2] }
        print cpu, v["syscr"], v["syscw"], v["wchar"] }'
}

measure() { # label
    sleep 0.5
    local a b
    a=$(counters)
    sleep "$WINDOW"
    b=$(counters)
    awk -v a="$a" -v b="$b" -v w="$WINDOW" -v hz="$hz" -v label="$1" 'BEGIN {
        split(a, x, " "); split(b, y, " ");
        printf "%-24s cpu %7.2f ms/s  reads %7.1f/s  writes %7.1f/s  written %8.0f B/s\n",
               label, (y[1] - x[1]) * 1000 / hz / w, (y[2] - x[2]) / w, (y[3] - x[3]) / w,
               (y[4] - x[4]) / w }'
}

echo "vmscope $VMSCOPE, -i $INTERVAL, ${WINDOW}s windows"
measure "map, live"
tmux -L "$sock" send-keys -t idle Space
measure "map, paused"
tmux -L "$sock" send-keys -t idle Space
tmux -L "$sock" send-keys -t idle / "$start" Enter Enter
wait_for "per cell"
measure "detail, live"
tmux -L "$sock" send-keys -t idle Space
measure "detail, paused"
tmux -L "$sock" send-keys -t idle q
