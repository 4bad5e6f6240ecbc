#!/usr/bin/env bash
# bootstrap.sh: install, build, test and demo vmscope on Debian 12.
#   deps   install every build and test dependency (apt-get; root only,
#          otherwise prints the command to run)
#   build  autoreconf + configure + make (skips what is up to date)
#   check  deps + build + make check; last line "N passed, N failed"
#   demo   deps + build, then vmscope --demo (the live view of the built-in
#          tour; without a terminal, the headless 'vmscope demo')
#   deb    the Debian package from a copy of this checkout (dpkg-buildpackage
#          -us -uc -b, DEB_BUILD_OPTIONS=nocheck unless set), checked with
#          lintian (no errors); the .deb lands in build-deb/. Its tools
#          (debhelper, lintian) are installed by this step only.
# Extra arguments after "build"/"check" go to configure, e.g.
#   ./bootstrap.sh check --enable-asan
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(build-essential autoconf automake libtool pkg-config
          libncurses-dev libproc2-dev check libjansson-dev libelf-dev libdw-dev
          procps util-linux tmux xz-utils valgrind clang libclang-rt-14-dev
          libxml2-dev zlib1g-dev chromium gcc-multilib
          libjemalloc2 libtcmalloc-minimal4 libmimalloc2.0 golang-go)

# Only for "deb": kept apart so deps/check/demo do not install them.
DEB_PACKAGES=(dpkg-dev debhelper fakeroot lintian git)

missing_packages() {
    local p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
    done
}

deps() {
    local missing=()
    mapfile -t missing < <(missing_packages "${PACKAGES[@]}" "$@")
    [ "${#missing[@]}" -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "bootstrap: missing packages: ${missing[*]}" >&2
        echo "bootstrap: run as root: apt-get update && apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
    echo "bootstrap: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

build() {
    local want="$*"
    if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt configure ]; then
        autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
    fi
    # Reconfigure when the requested options differ from the last run.
    if [ ! -f Makefile ] || [ ! -f .build-stamp ] || [ "$(cat .build-stamp)" != "$want" ] ||
       [ configure -nt Makefile ]; then
        # Objects do not depend on the flags: different options need a clean tree.
        if [ -f Makefile ]; then make clean >/dev/null 2>&1 || true; fi
        ./configure --enable-werror "$@" >/dev/null
        echo "$want" > .build-stamp
    fi
    make -j"$(nproc)" >/dev/null
}

summarise() {
    # Sum the individual Check test cases over every suite's log.
    local passed=0 failed=0 log checks fails errors
    for log in tests/check_*.log; do
        [ -f "$log" ] || continue
        while read -r checks fails errors; do
            passed=$((passed + checks - fails - errors))
            failed=$((failed + fails + errors))
        done < <(sed -n 's/.*Checks: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2 \3/p' "$log")
        # A suite that crashed before reporting counts as one failure.
        if ! grep -q 'Checks: ' "$log"; then failed=$((failed + 1)); fi
    done
    echo "$passed passed, $failed failed"
}

check() {
    deps
    build "$@"
    # The ASan build's leak check knows one bounded library leak (tests/lsan.supp).
    if [[ " $* " == *" --enable-asan "* ]] && [ -z "${LSAN_OPTIONS:-}" ]; then
        export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
    fi
    # ASan runs the same work several times slower: Check's per-case time
    # limits stretch with it (the suites' own bounds say which build they are).
    if [[ " $* " == *" --enable-asan "* ]] && [ -z "${CK_TIMEOUT_MULTIPLIER:-}" ]; then
        export CK_TIMEOUT_MULTIPLIER=4
    fi
    local rc=0 log
    make -j"$(nproc)" check >.check-output 2>&1 || rc=$?
    if [ "$rc" -ne 0 ]; then
        grep -E 'error|Error' .check-output | head -n 20 || true
        # Show what failed: Check's own failure lines, and the end of any
        # suite that died before it could report.
        grep -hE ':[0-9]+:[EF]:' tests/check_*.log 2>/dev/null | head -n 40 || true
        for log in tests/check_*.log; do
            [ -f "$log" ] || continue
            grep -q 'Checks: ' "$log" || { echo "== $log"; tail -n 20 "$log"; }
        done
    fi
    summarise
    return "$rc"
}

deb() {
    deps "${DEB_PACKAGES[@]}"
    # The package version is the program's: debian/changelog must follow
    # configure.ac's AC_INIT.
    local version changelog
    version=$(sed -n 's/^AC_INIT(\[vmscope\], \[\([^]]*\)\].*/\1/p' configure.ac)
    changelog=$(dpkg-parsechangelog -S Version)
    if [ "$version" != "$changelog" ]; then
        echo "bootstrap: configure.ac says $version, debian/changelog $changelog" >&2
        exit 1
    fi
    # Build from a copy (tracked and new files, nothing ignored), so this
    # checkout keeps its own build and stays clean.
    local work
    work=$(mktemp -d /tmp/vmscope-deb.XXXXXX)
    mkdir "$work/vmscope-$version"
    git ls-files -z -co --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$work/vmscope-$version"
    echo "bootstrap: dpkg-buildpackage -us -uc -b in $work"
    if ! (cd "$work/vmscope-$version" &&
          DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS-nocheck} parallel=$(nproc)" \
              dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1; then
        tail -n 40 "$work/build.log"
        echo "bootstrap: the package did not build (log: $work/build.log)" >&2
        exit 1
    fi
    local changes
    changes=$(ls "$work"/vmscope_"$version"_*.changes)
    lintian --fail-on error --suppress-tags "${LINTIAN_SUPPRESS:-initial-upload-closes-no-bugs}" "$changes"
    mkdir -p build-deb
    cp "$work"/vmscope_"$version"_*.deb build-deb/
    rm -rf "$work"
    ls build-deb/vmscope_"$version"_*.deb
}

case "${1:-}" in
    deps) deps ;;
    build) shift; deps; build "$@" ;;
    check) shift; check "$@" ;;
    demo)
        shift; deps; build
        # The live view needs a terminal; without one, the headless tour.
        if [ -t 0 ] && [ -t 1 ]; then exec ./vmscope --demo "$@"; fi
        exec ./vmscope demo "$@" ;;
    deb) deb ;;
    *) echo "usage: $0 deps|build|check|demo|deb" >&2; exit 2 ;;
esac
