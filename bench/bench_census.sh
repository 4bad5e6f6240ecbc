#!/usr/bin/env bash
# The root page census (`vmscope pages -f json`) on a dense and a sparse region against
# pages_floor, the least work that reads every page's PFN, flags and map count. Needs root.
# Run by hand; see README.md. OLD=/path/to/vmscope also times an older build beside it.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
runs=${RUNS:-5}
vmscope=${VMSCOPE:-$top/vmscope}
[[ -n ${VMSCOPE:-} ]] || make -s -C "$top" -j2 vmscope >&2
cc -O2 -Wall -Wextra -o "$here/bench_pages_target" "$here/bench_pages_target.c"
cc -O2 -Wall -Wextra -I"$top/include" -o "$here/pages_floor" "$here/pages_floor.c"
out=/dev/shm/vmscope-bench
mkdir -p "$out"
coproc TARGET { exec "$here/bench_pages_target" "${DENSE_GIB:-2}"; }
trap 'kill "$TARGET_PID" 2>/dev/null || true' EXIT
read -r _ s0 s1 <&"${TARGET[0]}"
read -r _ d0 d1 <&"${TARGET[0]}"
read -r ready <&"${TARGET[0]}"
[[ $ready == ready ]] || { echo "bench_census: the target did not start" >&2; exit 1; }
pid=$TARGET_PID
ms() { # ms CMD...: wall time of one run in ms
    local t0=$EPOCHREALTIME
    "$@" >/dev/null
    local t1=$EPOCHREALTIME
    echo "$(( (${t1/./} - ${t0/./}) / 1000 ))"
}
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
echo "=== root census ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, kernel $(uname -r), $runs runs, medians in ms) ==="
for which in dense sparse; do
    if [[ $which == dense ]]; then a=$d0 b=$d1; else a=$s0 b=$s1; fi
    "$here/pages_floor" "$pid" "$a" "$b" >&2
    : >"$out/floor" ; : >"$out/new" ; : >"$out/old"
    for ((i = 0; i < runs; i++)); do
        ms "$here/pages_floor" "$pid" "$a" "$b" >>"$out/floor"
        ms "$vmscope" pages -p "$pid" -r "$a-$b" -f json -o "$out/p.json" >>"$out/new"
        [[ -z ${OLD:-} ]] || ms "$OLD" pages -p "$pid" -r "$a-$b" -f json -o "$out/p_old.json" >>"$out/old"
    done
    f=$(median <"$out/floor") n=$(median <"$out/new")
    line="$which: floor $f ms, vmscope $n ms ($(awk -v n="$n" -v f="$f" 'BEGIN {printf "%.2fx", n / (f ? f : 1)}'))"
    if [[ -n ${OLD:-} ]]; then
        o=$(median <"$out/old")
        line+=", old build $o ms ($(awk -v n="$o" -v f="$f" 'BEGIN {printf "%.2fx", n / (f ? f : 1)}'))"
        if cmp -s "$out/p.json" "$out/p_old.json"; then
            line+=", same JSON"
        else # the kernel flips referenced/lru/active/idle between two reads: page by page without them
            line+=", $(python3 - "$out/p.json" "$out/p_old.json" <<'PY'
import json, sys
volatile = {"referenced", "lru", "active", "idle"}
def pages(path):
    out = {}
    for r in json.load(open(path))["runs"]:
        s = int(r["start"], 16)
        for k in range(r["pages"]):
            out[s + k * 4096] = (tuple(r["state"]), tuple(f for f in r.get("flags", []) if f not in volatile),
                                 r.get("mapcount"), r["pfn"] + k if "pfn" in r else None)
    return out
a, b = pages(sys.argv[1]), pages(sys.argv[2])
print("same pages" if a == b else "PAGES DIFFER", end="")
print(" (JSON differs only in the kernel's volatile flags)" if a == b else "")
PY
)"
        fi
    fi
    echo "$line"
done
