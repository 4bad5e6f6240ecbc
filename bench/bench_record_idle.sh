#!/usr/bin/env bash
# Recording size of an idle process: `vmscope record -i 1` of bench_target (MAPPINGS 20000
# mappings, RESIDENT_MIB 512 resident, nothing changing) for DURATION seconds (240), then the
# size an hour would take, extrapolated from the run: the keyframes the writer's rule would
# write in 3600 samples (RECORDING_KEYFRAME, RECORDING_DELTA_SHARE, RECORDING_DELTA_LINE_COST
# from include/vmscope/recording.h) at the measured keyframe size plus 3600 deltas of the
# measured mean size. Also vmscope's CPU time per sample.
# usage: bench/bench_record_idle.sh [DURATION_SEC]
# env: VMSCOPE=/path/to/vmscope (default: this tree's, built), OLD=/path/to/older/vmscope
#      (recorded beside it, its hour extrapolated from its own keyframes), MAPPINGS, RESIDENT_MIB
# Run by hand; see README.md.
set -euo pipefail
export LC_ALL=C
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
DURATION=${1:-240}
MAPPINGS=${MAPPINGS:-20000} RESIDENT_MIB=${RESIDENT_MIB:-512}
if [[ -z ${VMSCOPE:-} ]]; then
    make -s -C "$top" -j2 vmscope >&2
    VMSCOPE=$top/vmscope
fi
[[ $here/bench_target -nt $here/bench_target.c ]] ||
    cc -O2 -Wall -Wextra -o "$here/bench_target" "$here/bench_target.c"
hdr=$top/include/vmscope/recording.h
def() { awk -v k="$1" '$1 == "#define" && $2 == k {print $3}' "$hdr"; }
cap=$(def RECORDING_KEYFRAME) share=$(def RECORDING_DELTA_SHARE) cost=$(def RECORDING_DELTA_LINE_COST)
tmp=$(mktemp -d /tmp/vmscope-idle.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    exec 3>&- 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
mkfifo "$tmp/in"
"$here/bench_target" "$MAPPINGS" "$RESIDENT_MIB" <"$tmp/in" >"$tmp/target.out" &
pids+=($!)
exec 3>"$tmp/in"
for _ in $(seq 600); do grep -q ready "$tmp/target.out" 2>/dev/null && break; sleep 0.1; done
pid=$(awk '/ready/ {print $2}' "$tmp/target.out")
[[ -n $pid ]] || { echo "bench_record_idle: the target did not start" >&2; exit 1; }
echo "=== idle recording ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs): $MAPPINGS mappings, ${DURATION}s at 1 Hz ==="
names=(new) bins=("$VMSCOPE")
[[ -z ${OLD:-} ]] || { names+=(old); bins+=("$OLD"); }
rec=()
for i in "${!bins[@]}"; do
    "${bins[$i]}" record -p "$pid" -i 1 -o "$tmp/${names[$i]}.jsonl" 2>/dev/null &
    rec+=($!)
    pids+=($!)
done
sleep "$DURATION"
for i in "${!rec[@]}"; do
    ticks=$(awk '{print $14 + $15}' "/proc/${rec[$i]}/stat")
    echo "${names[$i]} cpu_ticks $ticks" >>"$tmp/cpu"
    kill -INT "${rec[$i]}"
    wait "${rec[$i]}" || true
done
for i in "${!bins[@]}"; do
    python3 - "$tmp/${names[$i]}.jsonl" "${names[$i]}" "$cap" "$share" "$cost" "$DURATION" \
        "$(awk -v n="${names[$i]}" '$1 == n {print $3}' "$tmp/cpu")" "$(getconf CLK_TCK)" <<'PY'
import sys
path, name, cap, share, cost, dur, ticks, hz = sys.argv[1:]
cap, share, cost, dur, ticks, hz = int(cap), int(share), int(cost), int(dur), int(ticks), int(hz)
keys, deltas, at = [], [], []
for line in open(path, 'rb'):
    if line.startswith(b'{"format":"vmscope.snapshot"'):
        at.append(len(keys) + len(deltas))
        keys.append(len(line))
    elif line.startswith(b'{"format":"vmscope.delta"'):
        deltas.append(len(line))
samples = len(keys) + len(deltas)
size = sum(keys) + sum(deltas)
mean_delta = sum(deltas) / len(deltas) if deltas else 0
key = keys[-1]
if name == 'new':
    per = min(cap, int(key / share / (mean_delta + cost)) + 1)  # samples per keyframe by the rule
else:  # as that writer did in the run: the mean gap between its keyframes
    per = (at[-1] - at[0]) / (len(at) - 1) if len(at) > 1 else samples
hour = key * (3600 / per) + mean_delta * 3600
print(f"{name}: {samples} samples, {len(keys)} keyframes of {key / 1e6:.1f} MB, deltas {mean_delta:.0f} B mean;"
      f" file {size / 1e6:.1f} MB after {dur} s; a keyframe every {per:.0f} samples"
      f" -> {hour / 1e6:.1f} MB an hour (extrapolated); cpu {100 * ticks / hz / dur:.1f} % of one CPU")
PY
done
