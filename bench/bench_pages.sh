#!/usr/bin/env bash
# The region detail's page grid on a 64 GiB sparse region and an 8 GiB
# populated one (POPULATED_GIB): time to first frame and per-tick cost
# against the kernel's walk alone. Run by hand; see README.md.
# shellcheck disable=SC2153 # TARGET_PID is set by coproc
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
make -s -C "$top" -j2 libvmscope.a >&2
cc -O2 -Wall -Wextra -o "$here/bench_pages_target" "$here/bench_pages_target.c"
# shellcheck disable=SC2046
cc -O2 -Wall -Wextra -D_GNU_SOURCE -I"$top/include" -o "$here/bench_pages" "$here/bench_pages.c" \
    "$top/libvmscope.a" $(pkg-config --libs ncursesw libproc2 jansson libelf) -lm -pthread
coproc TARGET { exec "$here/bench_pages_target" "${POPULATED_GIB:-8}"; }
trap 'kill "$TARGET_PID" 2>/dev/null || true' EXIT
read -r _ s0 s1 <&"${TARGET[0]}"
read -r _ d0 d1 <&"${TARGET[0]}"
read -r ready <&"${TARGET[0]}"
[[ $ready == ready ]] || { echo "bench_pages: the target did not start" >&2; exit 1; }
echo "=== page grid ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, kernel $(uname -r)) ==="
echo "sparse: 64 GiB, one page per 64 MiB written"
"$here/bench_pages" "$TARGET_PID" "$s0" "$s1" 10
echo "dense: ${POPULATED_GIB:-8} GiB, every 4 KiB page written"
"$here/bench_pages" "$TARGET_PID" "$d0" "$d1" 10
