#!/usr/bin/env bash
# bench_trace.sh: what --trace costs a malloc-heavy program.
#   bench/bench_trace.sh [N]      (N malloc/free pairs per large run, default 100000;
#                                 small runs do 20 N, mixed 10 N)
#   RUNS=7 VMSCOPE=/path/to/vmscope bench/bench_trace.sh
#   VMSCOPE_BASE=/path/to/other/vmscope  adds a "base" column: its --trace
#                                 (a build without call stacks, to price them)
#   STRACE_K=1                    adds "strace-k": strace -k, its stacks (slow)
# The "calls" column is --trace=calls: the same calls without their stacks.
# For each workload of bench_trace_target (small: brk heap only; large: one
# mmap+munmap per pair; mixed: 63 small to 1 large), the program's own time
# (measured inside it) untraced, under `vmscope record -- CMD` (ptrace only,
# for the exit state), under `vmscope record --trace -- CMD`, and under
# `strace -f --seccomp-bpf -e trace=%memory` when strace is installed.
# Medians of RUNS runs, interleaved; the ratio is to the untraced median.
set -euo pipefail
cd "$(dirname "$0")"
TOP=..
N=${1:-100000}
RUNS=${RUNS:-7}
VMSCOPE=${VMSCOPE:-$TOP/vmscope}
if [ -z "${VMSCOPE_NO_BUILD:-}" ] && [ "$VMSCOPE" = "$TOP/vmscope" ]; then
    make -C "$TOP" -j2 vmscope >/dev/null
fi
if [ ! -x bench_trace_target ] || [ bench_trace_target.c -nt bench_trace_target ]; then
    cc -O2 -std=gnu11 -Wall -Wextra -o bench_trace_target bench_trace_target.c
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

elapsed() { sed -n 's/^elapsed_ms //p' "$1" | tail -n 1; }

# Pairs per workload: the cheap ones get more, so each run lasts long enough to time.
count() { case $1 in small) echo $((N * 20)) ;; mixed) echo $((N * 10)) ;; *) echo "$N" ;; esac; }

run_one() { # mode how -> prints the program's elapsed ms
    local mode=$1 how=$2 log="$out/log" pairs
    pairs=$(count "$mode")
    case $how in
    plain) ./bench_trace_target "$mode" "$pairs" >"$log" ;;
    launch) "$VMSCOPE" record -i 1 --program-output "$log" -o "$out/r.jsonl" -- \
                ./bench_trace_target "$mode" "$pairs" 2>/dev/null ;;
    trace) "$VMSCOPE" record -i 1 --trace --program-output "$log" -o "$out/r.jsonl" -- \
                ./bench_trace_target "$mode" "$pairs" 2>/dev/null
           grep -c '"vmscope.event"' "$out/r.jsonl" >"$out/events" ;;
    strace) strace -f --seccomp-bpf -e trace=%memory -o /dev/null \
                ./bench_trace_target "$mode" "$pairs" >"$log" ;;
    calls) "$VMSCOPE" record -i 1 --trace=calls --program-output "$log" -o "$out/r.jsonl" -- \
                ./bench_trace_target "$mode" "$pairs" 2>/dev/null ;;
    base) "$VMSCOPE_BASE" record -i 1 --trace --program-output "$log" -o "$out/r.jsonl" -- \
                ./bench_trace_target "$mode" "$pairs" 2>/dev/null ;;
    strace-k) strace -f -k --seccomp-bpf -e trace=%memory -o /dev/null \
                ./bench_trace_target "$mode" "$pairs" >"$log" ;;
    esac
    elapsed "$log"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

hows="plain launch trace calls"
command -v strace >/dev/null && hows="$hows strace"
[ -n "${VMSCOPE_BASE:-}" ] && hows="$hows base"
[ -n "${STRACE_K:-}" ] && command -v strace >/dev/null && hows="$hows strace-k"
echo "bench_trace: malloc/free pairs per run: small $(count small), large $(count large)," \
     "mixed $(count mixed); $RUNS runs each, medians (ms, inside the program)"
printf '%-6s %9s %9s %9s %9s  %s\n' workload untraced launch trace strace "events per run, trace/untraced"
for mode in small large mixed; do
    declare -A times=()
    for ((r = 0; r < RUNS; r++)); do
        for how in $hows; do
            times[$how]+="$(run_one "$mode" "$how") "
        done
    done
    declare -A med=()
    for how in $hows; do
        med[$how]=$(tr ' ' '\n' <<<"${times[$how]}" | grep . | median)
    done
    events=$(cat "$out/events")
    ratio=$(awk -v a="${med[trace]}" -v b="${med[plain]}" 'BEGIN {printf "%.2fx", a / b}')
    per=$(awk -v a="${med[trace]}" -v b="${med[plain]}" -v e="$events" \
        'BEGIN {if (e >= 100) printf "%.1f us per traced call", (a - b) * 1000 / e; else printf "too few calls to divide"}')
    extra=""
    extra+=", --trace=calls ${med[calls]}"
    [ -n "${med[base]:-}" ] && extra+=", base ${med[base]}"
    [ -n "${med[strace-k]:-}" ] && extra+=", strace-k ${med[strace-k]}"
    printf '%-6s %9s %9s %9s %9s  %s events, %s, %s%s\n' "$mode" "${med[plain]}" \
        "${med[launch]}" "${med[trace]}" "${med[strace]:--}" "$events" "$ratio" "$per" "$extra"
    unset times med
done
