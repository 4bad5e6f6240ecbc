#!/usr/bin/env bash
# Enter -> the first frame of the region detail, in the live view (tmux),
# on bench_pages_target's 64 GiB sparse and DENSE_GIB (8) GiB dense region:
# the region is selected with /ADDRESS, then Enter is sent and the pane is
# read until the page grid's legend shows. RUNS (5) per region, a light
# tick between them (a full sample in place would be used as it is);
# medians. Run by hand; needs tmux. See README.md.
# env: VMSCOPE (this tree's binary), OLD (an older binary timed beside it),
#      DENSE_GIB (8), RUNS (5)
# shellcheck disable=SC2153 # TARGET_PID is set by coproc
set -euo pipefail
export LC_ALL=C
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
RUNS=${RUNS:-5}
command -v tmux >/dev/null || { echo "bench_detail: tmux not found" >&2; exit 1; }
if [[ -z ${VMSCOPE:-} ]]; then
    make -s -C "$top" -j2 vmscope >&2
    VMSCOPE=$top/vmscope
fi
cc -O2 -Wall -Wextra -o "$here/bench_pages_target" "$here/bench_pages_target.c"
sock=vmscope-detail-$$
coproc TARGET { exec "$here/bench_pages_target" "${DENSE_GIB:-8}"; }
cleanup() {
    tmux -L "$sock" kill-server 2>/dev/null || true
    kill "$TARGET_PID" 2>/dev/null || true
}
trap cleanup EXIT INT TERM
read -r _ s0 _ <&"${TARGET[0]}"
read -r _ d0 _ <&"${TARGET[0]}"
read -r ready <&"${TARGET[0]}"
[[ $ready == ready ]] || { echo "bench_detail: the target did not start" >&2; exit 1; }
pid=$TARGET_PID
pane() { tmux -L "$sock" capture-pane -p -t detail; }
wait_for() { # text, seconds
    local until=$((SECONDS + $2))
    while ((SECONDS <= until)); do pane | grep -qF -- "$1" && return 0; sleep 0.02; done
    return 1
}
now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }

# ms from Enter to the grid's legend, RUNS times, for binary $1 and region $2
time_detail() {
    tmux -L "$sock" kill-server 2>/dev/null || true
    sleep 0.3
    tmux -L "$sock" new-session -d -s detail -x 160 -y 50 "$1 -p $pid -i 1"
    wait_for "1 Summary" 10 || { echo "bench_detail: the view did not start" >&2; exit 1; }
    tmux -L "$sock" send-keys -t detail 2 # the Map, where Enter opens Detail
    wait_for "unmapped" 5 || { echo "bench_detail: no Map" >&2; exit 1; }
    tmux -L "$sock" send-keys -t detail "/${2#0x}" Enter
    sleep 0.3
    local times=()
    for _ in $(seq "$RUNS"); do
        sleep 1.2 # a light tick replaces the last full sample
        local t0
        t0=$(now_ms)
        tmux -L "$sock" send-keys -t detail Enter
        while ! pane | grep -qF "per cell"; do
            (($(now_ms) - t0 < 10000)) || { echo "bench_detail: no detail" >&2; exit 1; }
        done
        times+=($(($(now_ms) - t0)))
        tmux -L "$sock" send-keys -t detail Escape
        wait_for "unmapped" 5 || true
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{ v[NR] = $1 } END { printf "median %d ms (min %d, max %d)", v[int((NR + 1) / 2)], v[1], v[NR] }'
}

echo "=== Enter -> first Detail frame ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)) ==="
names=(new) bins=("$VMSCOPE")
[[ -z ${OLD:-} ]] || { names+=(old); bins+=("$OLD"); }
for i in "${!bins[@]}"; do
    echo "${names[$i]}: sparse 64 GiB: $(time_detail "${bins[$i]}" "$s0")"
    echo "${names[$i]}: dense ${DENSE_GIB:-8} GiB: $(time_detail "${bins[$i]}" "$d0")"
done
