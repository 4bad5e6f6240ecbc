#!/usr/bin/env bash
# snapshot -f json, cat smaps, pmap -X and diff of two snapshots of the
# 20,000-mapping target, interleaved, RUNS (7) each: medians of CPU time
# (perf stat task-clock) and wall. Run by hand; needs perf. See README.md.
# env: MAPPINGS (20000) RESIDENT_MIB (512) RUNS (7) VMSCOPE (this tree's)
set -euo pipefail
export LC_ALL=C
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
RUNS=${RUNS:-7}
if [[ -z ${VMSCOPE:-} ]]; then
    make -s -C "$top" -j2 vmscope >&2
    VMSCOPE=$top/vmscope
fi
command -v perf >/dev/null || { echo "bench_readers: perf not found" >&2; exit 1; }
[[ $here/bench_target -nt $here/bench_target.c ]] ||
    cc -O2 -Wall -Wextra -o "$here/bench_target" "$here/bench_target.c"
tmp=$(mktemp -d /dev/shm/vmscope-readers.XXXXXX)
coproc TARGET { exec "$here/bench_target" "${MAPPINGS:-20000}" "${RESIDENT_MIB:-512}"; }
trap 'kill "$TARGET_PID" 2>/dev/null || true; rm -rf "$tmp"' EXIT
read -r ready pid <&"${TARGET[0]}"
[[ $ready == ready ]] || { echo "bench_readers: the target did not start" >&2; exit 1; }
"$VMSCOPE" snapshot -p "$pid" -f json -o "$tmp/a.json"
"$VMSCOPE" snapshot -p "$pid" -f json -o "$tmp/b.json"
declare -A cpu wall
names=(cat_smaps pmap_x snapshot diff)
run() { # name, command...: appends "cpu_ms wall_ms"
    local name=$1 t0 out
    shift
    t0=$EPOCHREALTIME
    out=$(perf stat -x, -e task-clock "$@" 2>&1 >/dev/null | awk -F, '/task-clock/ {print $1}')
    cpu[$name]+="$out "
    wall[$name]+="$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { print 1000 * (b - a) }') "
}
for _ in $(seq "$RUNS"); do
    run cat_smaps cat "/proc/$pid/smaps"
    run pmap_x pmap -X "$pid"
    run snapshot "$VMSCOPE" snapshot -p "$pid" -f json -o "$tmp/x.json"
    run diff "$VMSCOPE" diff "$tmp/a.json" "$tmp/b.json" -f json -o /dev/null
done
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
echo "=== readers ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)): $(wc -l <"/proc/$pid/maps") mappings, $RUNS runs, medians ==="
for n in "${names[@]}"; do
    printf '%-10s cpu %7.1f ms   wall %7.1f ms\n' "$n" "$(echo "${cpu[$n]}" | median)" "$(echo "${wall[$n]}" | median)"
done
c() { echo "${cpu[$1]}" | median; }
awk -v s="$(c snapshot)" -v k="$(c cat_smaps)" -v p="$(c pmap_x)" -v d="$(c diff)" 'BEGIN {
    printf "snapshot / cat smaps (cpu) %.2fx; pmap -X / snapshot %.2fx; diff / snapshot %.2fx\n", s / k, p / s, d / s }'
