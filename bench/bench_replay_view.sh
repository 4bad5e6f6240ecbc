#!/usr/bin/env bash
# The replay view's speed: runs `vmscope -r FILE` in a tmux pane and times,
# from the start, the first frame (the header's "sample N of N"), then `[`
# (the sample before) and `]` (back to the last), each until the banner
# shows the new sample number, and when the Timeline has taken every sample
# (the banner's "loading" note is gone; a binary without that note has
# loaded everything before its first frame). The pane is read every 10 ms.
# usage: bench/bench_replay_view.sh FILE.jsonl
# env: VMSCOPE=/path/to/vmscope (default: this tree's)
set -euo pipefail
export LC_ALL=C
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VMSCOPE=${VMSCOPE:-$(dirname "$here")/vmscope}
rec=${1:?usage: bench_replay_view.sh FILE.jsonl}
command -v tmux >/dev/null || { echo "bench_replay_view: skipped (no tmux)"; exit 0; }
sock=vmscope-bench-$$
t() { tmux -L "$sock" "$@"; }
trap 't kill-server 2>/dev/null || true' EXIT
ms() { echo "($EPOCHREALTIME - $1) * 1000" | bc; }
# Waits (60 s at most) until the pane shows $1; prints the ms since $2.
wait_for() {
    local deadline=$((SECONDS + 60))
    until t capture-pane -p -t vt | grep -q -- "$1"; do
        ((SECONDS < deadline)) || { echo "bench_replay_view: no '$1' on the screen" >&2; exit 1; }
        sleep 0.01
    done
    ms "$2"
}
n=$(grep -c '^{"format":"vmscope.\(snapshot\|delta\)"' "$rec")
t0=$EPOCHREALTIME
t new-session -d -s vt -x 200 -y 50 "$VMSCOPE -r '$rec'"
first=$(wait_for "sample $n of $n" "$t0")
t1=$EPOCHREALTIME
t send-keys -t vt '['
back=$(wait_for "sample $((n - 1)) of $n" "$t1")
t2=$EPOCHREALTIME
t send-keys -t vt ']'
next=$(wait_for "sample $n of $n" "$t2")
until ! t capture-pane -p -t vt | grep -q "loading"; do sleep 0.05; done
loaded=$(ms "$t0")
t send-keys -t vt q
printf 'vmscope -r (%d samples): first frame %6.0f ms, [ %5.0f ms, ] %5.0f ms, Timeline complete %6.0f ms\n' \
    "$n" "$first" "$back" "$next" "$loaded"
