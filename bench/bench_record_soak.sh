#!/usr/bin/env bash
# Recording-size soak: `vmscope record -i 1` of a program that grows in
# steps with idle stretches between them (bench/soak_grow.c), for DURATION
# seconds (600). Reports the file's size over time, the bytes a sample costs
# while the program is idle and while it grows (the size must follow change,
# not time), and vmscope's own RSS at the start and the end.
# usage: bench/bench_record_soak.sh [DURATION_SEC]
#        bench/bench_record_soak.sh --report   (the figures of the last run again)
# env: CYCLE (60) GROW (10): the target grows GROW s out of every CYCLE s;
#      VMSCOPE=/path/to/vmscope: use this binary, do not build.
# Run by hand (see bench/README.md); uses little CPU.
set -euo pipefail
export LC_ALL=C
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
DURATION=${1:-600}
CYCLE=${CYCLE:-60}
GROW=${GROW:-10}
die() { echo "bench_record_soak: $*" >&2; exit 1; }
mkdir -p "$here/out"
out=$here/out/soak.jsonl phases=$here/out/soak.phases
[[ $DURATION == --report || ( $DURATION =~ ^[0-9]+$ && $DURATION -ge 5 ) ]] ||
    die "usage: $0 [DURATION_SEC >= 5 | --report]"
[[ $DURATION != --report ]] || { [[ -s $out && -s $phases ]] || die "no run to report"; }

run_soak() {
    if [[ -z ${VMSCOPE:-} ]]; then
        make -s -C "$top" -j2 vmscope >&2 || die "building vmscope failed"
        VMSCOPE=$top/vmscope
    fi
    cc -O2 -Wall -Wextra -o "$here/soak_grow" "$here/soak_grow.c"
    tmp=$(mktemp -d /tmp/vmscope-soak.XXXXXX)
    target_pid= record_pid=
    cleanup() {
        exec 3>&- 2>/dev/null || true # EOF on its stdin: the target exits
        if [[ -n $record_pid ]]; then kill "$record_pid" 2>/dev/null || true; fi
        if [[ -n $target_pid ]]; then kill "$target_pid" 2>/dev/null || true; fi
        rm -rf "$tmp"
    }
    trap cleanup EXIT INT TERM

    mkfifo "$tmp/in"
    "$here/soak_grow" "$CYCLE" "$GROW" <"$tmp/in" >"$phases" &
    target_pid=$!
    exec 3>"$tmp/in"
    for _ in $(seq 50); do grep -q '^ready' "$phases" && break; sleep 0.1; done
    grep -q '^ready' "$phases" || die "the target did not start"

    kib() { awk -v k="$2" '$1 == k":" { print $2 }' "/proc/$1/status" 2>/dev/null; }
    "$VMSCOPE" record -p "$target_pid" -i 1 -d "$DURATION" -o "$out" 2>"$tmp/record.err" &
    record_pid=$!
    echo "=== vmscope recording-size soak ($(date -u +%Y-%m-%dT%H:%MZ)) ==="
    echo "command: vmscope record -p PID -i 1 -d $DURATION -o bench/out/soak.jsonl"
    echo "target: soak_grow grows $GROW s of every $CYCLE s (1 MiB mapping + 256 KiB heap a second)"
    echo
    printf '%8s %12s %10s %14s\n' "time s" "file bytes" "samples" "vmscope RSS KiB"
    step=$((DURATION >= 600 ? 60 : DURATION >= 60 ? 10 : 1))
    t0=$SECONDS rss_start= rss_end= hwm=
    while kill -0 "$record_pid" 2>/dev/null; do
        sleep 1
        t=$((SECONDS - t0))
        r=$(kib "$record_pid" VmRSS) || true
        [[ -n $r ]] || continue
        h=$(kib "$record_pid" VmHWM) || true
        [[ -n $rss_start || $t -lt 2 ]] || rss_start=$r
        rss_end=$r hwm=${h:-$hwm}
        if ((t % step == 0)); then
            printf '%8d %12d %10d %14d\n' "$t" "$(stat -c %s "$out" 2>/dev/null || echo 0)" \
                "$(($(wc -l <"$out") - 1))" "$r"
        fi
    done
    wait "$record_pid" || die "vmscope record failed: $(cat "$tmp/record.err")"
    record_pid=
    sed 's/^/record: /' "$tmp/record.err"
    echo "vmscope RSS: ${rss_start:-?} KiB at 2 s, ${rss_end:-?} KiB at the end (peak ${hwm:-?} KiB)"
    echo
}

# A sample is a growth sample if the target grew between it and the sample
# before it (its delta holds the change); the others are idle samples. For
# those, each changed region is compared with its previous state: on a
# shared machine a library's PSS moves whenever another process maps or
# unmaps it, which is a change of the target's numbers but not its doing.
report() {
    python3 - "$phases" "$out" <<'PY'
import json, sys
grows, t_grow = [], None
for line in open(sys.argv[1]):
    kind, _, t = line.partition(" ")
    if kind == "grow":
        t_grow = int(t)
    elif kind == "idle" and t_grow is not None:
        grows.append((t_grow, int(t)))
        t_grow = None
if t_grow is not None:
    grows.append((t_grow, float("inf")))
PSS = {"pss", "pss_dirty", "swap_pss"}
raw = open(sys.argv[2], "rb").read().split(b"\n")
header, lines = len(raw[0]) + 1, [l for l in raw[1:] if l]
state, prev_t, total = {}, 0, header
keys, grow, idle = [], [], {"empty": [], "pss only": [], "other": []}
for line in lines:
    d, size = json.loads(line), len(line) + 1
    total += size
    t = d.get("monotonic_ns", 0)
    if d["format"] == "vmscope.snapshot":
        keys.append(size)
        state = {r["start"]: r for r in d["regions"]}
    elif d["format"] == "vmscope.delta":
        if any(prev_t < e and t >= g for g, e in grows):
            grow.append(size)
        elif not (d["added"] or d["removed"] or d["changed"]):
            idle["empty"].append(size)
        else:
            moved = set()
            for r in d["changed"]:
                old = state.get(r["start"], {})
                moved |= {k for k in set(r) | set(old) if r.get(k) != old.get(k)}
            pss_only = not d["added"] and not d["removed"] and moved <= PSS
            idle["pss only" if pss_only else "other"].append(size)
        for a in d["removed"]:
            state.pop(a, None)
        for r in d["added"] + d["changed"]:
            state[r["start"]] = r
    prev_t = t
mean = lambda v: sum(v) / len(v) if v else 0
n = len(lines)
print(f"samples: {n} in {total} bytes (header {header})")
share = lambda v: f"{sum(v)} bytes, {100 * sum(v) / total:.0f} % of the file"
print(f"  full snapshots (every 100th): {len(keys)}, mean {mean(keys):.0f} bytes, last {keys[-1] if keys else 0}; {share(keys)}")
print(f"  deltas while growing: {len(grow):4d}, mean {mean(grow):7.1f} bytes/sample; {share(grow)}")
all_idle = sum(idle.values(), [])
print(f"  deltas while idle:    {len(all_idle):4d}, mean {mean(all_idle):7.1f} bytes/sample; {share(all_idle)}")
for k, v in idle.items():
    print(f"    {k + ':':10s} {len(v):4d}, mean {mean(v):7.1f}; {share(v)}")
if keys:
    print(f"  all full snapshots instead: ~{n * keys[-1]} bytes ({n * keys[-1] / total:.1f}x this file)")
PY
}

[[ $DURATION == --report ]] || run_soak
report
