#!/usr/bin/env bash
# Replay benchmark: records SAMPLES (250) samples of bench_target with
# MAPPINGS (20000) mappings, CHURN (250) of them changing every 50 ms
# (`vmscope record -i INTERVAL`, 0.05), then times `vmscope export FILE@0`
# and `export FILE@-1` (-f json to /dev/null; RUNS rounds, alternating,
# median) and, through the keyframe index (bench_replay_seek.c), building
# the index and reading samples 0, SAMPLES/2 and -1, each then one further,
# and `vmscope -r` in a tmux pane (bench_replay_view.sh: first frame, [, ]).
# usage: bench/bench_replay.sh
# env: VMSCOPE=/path/to/vmscope  use this binary, do not build (no index
#        timing then: that needs this tree's library)
#      MAPPINGS RESIDENT_MIB(160) CHURN SAMPLES INTERVAL RUNS(3)
#      KEEP=1  keep the recording in bench/out/replay.jsonl
# Run by hand (see bench/README.md); about two minutes of one core.
set -euo pipefail
export LC_ALL=C
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
MAPPINGS=${MAPPINGS:-20000} RESIDENT_MIB=${RESIDENT_MIB:-160} CHURN=${CHURN:-250}
SAMPLES=${SAMPLES:-250} INTERVAL=${INTERVAL:-0.05} RUNS=${RUNS:-3}
die() { echo "bench_replay: $*" >&2; exit 1; }
mkdir -p "$here/out"
rec=$here/out/replay.jsonl

seek_bin=
if [[ -z ${VMSCOPE:-} ]]; then
    make -s -C "$top" -j2 vmscope >&2 || die "building vmscope failed"
    VMSCOPE=$top/vmscope
    # shellcheck disable=SC2046
    cc -O2 -Wall -Wextra -std=gnu11 -D_GNU_SOURCE -I"$top/include" -I"$top" \
        -o "$here/out/bench_replay_seek" "$here/bench_replay_seek.c" "$top/libvmscope.a" \
        $(pkg-config --libs jansson libproc2 libelf ncursesw) -lm -pthread ||
        die "building bench_replay_seek failed"
    seek_bin=$here/out/bench_replay_seek
fi
[[ $here/bench_target -nt $here/bench_target.c ]] ||
    cc -O2 -Wall -Wextra -o "$here/bench_target" "$here/bench_target.c"

tmp=$(mktemp -d /tmp/vmscope-replay.XXXXXX)
target_pid= record_pid=
cleanup() {
    exec 3>&- 2>/dev/null || true # EOF on its stdin: the target exits
    if [[ -n $record_pid ]]; then kill "$record_pid" 2>/dev/null || true; fi
    if [[ -n $target_pid ]]; then kill "$target_pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
    [[ ${KEEP:-} == 1 ]] || rm -f "$rec"
}
trap cleanup EXIT INT TERM

mkfifo "$tmp/in"
"$here/bench_target" "$MAPPINGS" "$RESIDENT_MIB" "$CHURN" <"$tmp/in" >"$tmp/target.out" &
target_pid=$!
exec 3>"$tmp/in"
for _ in $(seq 300); do grep -q '^ready' "$tmp/target.out" && break; sleep 0.1; done
grep -q '^ready' "$tmp/target.out" || die "the target did not start"

echo "=== vmscope replay benchmark ($(date -u +%Y-%m-%dT%H:%MZ)) ===" 
echo "binary: $VMSCOPE"
echo "target: bench_target $MAPPINGS $RESIDENT_MIB $CHURN ($CHURN regions change every 50 ms)"
echo "record: vmscope record -p PID -i $INTERVAL -o bench/out/replay.jsonl, stopped after $SAMPLES samples"
t0=$EPOCHREALTIME
"$VMSCOPE" record -p "$target_pid" -i "$INTERVAL" -o "$rec" 2>"$tmp/record.err" &
record_pid=$!
while kill -0 "$record_pid" 2>/dev/null; do
    n=$( (wc -l <"$rec") 2>/dev/null || echo 0)
    ((n < SAMPLES + 1)) || break
    sleep 0.5
done
kill -INT "$record_pid" 2>/dev/null || true
wait "$record_pid" || true
record_pid=
t1=$EPOCHREALTIME
exec 3>&-
keyframes=$(grep -c '^{"format":"vmscope.snapshot"' "$rec" || true)
samples=$(grep -c '^{"format":"vmscope.\(snapshot\|delta\)"' "$rec" || true)
printf 'recorded: %d samples, %d keyframes, %.1f MB in %.0f s\n' "$samples" "$keyframes" \
    "$(($(stat -c %s "$rec") / 1000))e-3" "$(echo "$t1 - $t0" | bc)"

time_cmd() { # prints the wall ms of "$@" (output discarded)
    local a b
    a=$EPOCHREALTIME
    "$@" >/dev/null 2>"$tmp/err" || die "failed: $* ($(head -c 300 "$tmp/err"))"
    b=$EPOCHREALTIME
    echo "($b - $a) * 1000" | bc
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
first=() last=()
for ((r = 0; r < RUNS; r++)); do
    if ((r % 2 == 0)); then
        first+=("$(time_cmd "$VMSCOPE" export "$rec@0" -f json)")
        last+=("$(time_cmd "$VMSCOPE" export "$rec@-1" -f json)")
    else
        last+=("$(time_cmd "$VMSCOPE" export "$rec@-1" -f json)")
        first+=("$(time_cmd "$VMSCOPE" export "$rec@0" -f json)")
    fi
done
m0=$(printf '%s\n' "${first[@]}" | median) m1=$(printf '%s\n' "${last[@]}" | median)
echo
printf 'export FILE@0  -f json: %8.0f ms (median of %d: %s)\n' "$m0" "$RUNS" "${first[*]%.*}"
printf 'export FILE@-1 -f json: %8.0f ms (median of %d: %s)\n' "$m1" "$RUNS" "${last[*]%.*}"
printf 'ratio @-1 / @0: %.2fx (target <= 1.5x)\n' "$(echo "$m1 / $m0" | bc -l)"
if [[ -n $seek_bin ]]; then
    echo
    echo "index API (bench/bench_replay_seek.c: recording_index_open, recording_index_read):"
    "$seek_bin" "$rec" 0 $((samples / 2)) -1
fi
echo
# The view: first frame, [ and ] in a tmux pane, and the Timeline's loading.
"$here/bench_replay_view.sh" "$rec"
