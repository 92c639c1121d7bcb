# SPDX-License-Identifier: GPL-2.0-or-later
# lib-common.sh - sourced by the tests/scripts/test-*.sh scripts (not a test
# itself: ctest runs only test-*.sh). Sets SD (the binary), SRC (the source
# tree), PY, a scratch directory $tmp removed on exit, the PASS/FAIL
# counters and `run ARGS...` (sets rc; stdout in $tmp/out, stderr in
# $tmp/err). Exits 77 (skip) when python3 is missing.
set -u
SD=${1:?usage: ${0##*/} SHAKEDOWN SOURCE_DIR}
SRC=${2:?usage: ${0##*/} SHAKEDOWN SOURCE_DIR}
PY=python3
command -v "$PY" >/dev/null || { echo "SKIP: python3 is needed to read --json"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

run() {
	timeout "${RUN_TIMEOUT:-120}" "$SD" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}
