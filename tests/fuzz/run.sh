#!/usr/bin/env bash
# Build the fuzz targets with clang (libFuzzer + ASan + UBSan) and run each
# for SECONDS (default 60), starting from the seed corpus in
# tests/fuzz/corpus/NAME. New inputs go to a scratch corpus; a crash stops
# the run with the target's report and a non-zero status; the crashing input
# is kept in tests/fuzz/crashes/ (the scratch build directory is removed).
# usage: tests/fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
secs=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_smaps fuzz_sanitize fuzz_procfile fuzz_reader fuzz_recording fuzz_perfetto fuzz_output fuzz_messages)
command -v clang >/dev/null || { echo "fuzz: clang not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
build=$(mktemp -d /tmp/vmscope-fuzz.XXXXXX)
trap 'rm -rf "$build"' EXIT
# shellcheck disable=SC2054 # commas belong to the -fsanitize list
flags=(-g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=address,undefined -fno-sanitize-recover=undefined
       -I"$top/include" -I"$top")
# shellcheck disable=SC2207
srcs=($(cd "$top" && ls src/util/*.c src/sampler/*.c src/model/*.c src/io/*.c src/app/cli.c))
libs=$(pkg-config --libs ncursesw libproc2 jansson libelf)
[ -f "$top/config.h" ] || { echo "fuzz: configure the project first (./bootstrap.sh build)" >&2; exit 1; }
objs=()
for s in "${srcs[@]}"; do
    o="$build/$(echo "$s" | tr / _).o"
    clang "${flags[@]}" -fsanitize=fuzzer-no-link -c "$top/$s" -o "$o"
    objs+=("$o")
done
status=0
for t in "${targets[@]}"; do
    # shellcheck disable=SC2086
    clang "${flags[@]}" -fsanitize=fuzzer "$here/$t.c" "${objs[@]}" $libs -lm -pthread -o "$build/$t"
    mkdir -p "$build/corpus-$t"
    seeds=("$here/corpus/$t")
    [ -d "${seeds[0]}" ] || seeds=()
    # the Perfetto export reads what the readers read: their seeds too
    [ "$t" != fuzz_perfetto ] || seeds+=("$here/corpus/fuzz_recording" "$here/corpus/fuzz_reader")
    echo "== $t: ${secs}s"
    mkdir -p "$here/crashes"
    if ! (cd "$build" && ASAN_OPTIONS=detect_leaks=1 "./$t" -max_total_time="$secs" \
            -artifact_prefix="$here/crashes/$t-" -max_len=65536 -print_final_stats=1 "$build/corpus-$t" "${seeds[@]}" 2>"$build/$t.log"); then
        tail -n 60 "$build/$t.log"
        status=1
        continue
    fi
    grep -E 'stat::number_of_executed_units|stat::peak_rss_mb|Done [0-9]+ runs' "$build/$t.log" | sed 's/^/   /'
done
exit "$status"
