#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The whole test suite: installs what is missing, builds with warnings as
# errors, runs every test under ctest, then again under ASan+UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
tests/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)

cmake -S . -B build -DSHAKEDOWN_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs"

# The sanitizer build runs every test but the live lab (real daemons under
# ASan add nothing the normal run does not already check, and cost minutes).
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
cmake -S . -B build-asan -DSHAKEDOWN_WERROR=ON -DSHAKEDOWN_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-asan -j"$jobs"
ctest --test-dir build-asan --output-on-failure -j"$jobs" -E 'lab'
