#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Replays fuzz seeds (every capture in pcaps/ and ../shared/corpus, turned into
# fuzz_frames inputs) through the whole pipeline. Under the ASan+UBSan build
# this is the memory-safety check for every decoder and analyzer.
bin=$1 src=$2
replay=$(dirname "$bin")/tests/fuzz_frames_replay
[ -x "$replay" ] || replay=$(dirname "$bin")/fuzz_frames_replay
[ -x "$replay" ] || { echo "SKIP: fuzz_frames_replay not built"; exit 77; }
py=/usr/bin/python3
[ -x "$py" ] || py=python3
seeds=$(mktemp -d /tmp/sd-seeds.XXXXXX)
trap 'rm -rf "$seeds"' EXIT
files=$(find "$src/pcaps" "$src/../shared/corpus" -name '*.pcap' -o -name '*.cap' 2>/dev/null)
# shellcheck disable=SC2086
"$py" "$src/tests/fuzz/make-seeds.py" "$seeds" $files || exit 1
n=$(ls "$seeds" | wc -l)
[ "$n" -gt 10 ] || { echo "FAIL: only $n seeds made"; exit 1; }
"$replay" "$seeds"/* || { echo "FAIL: replay crashed"; exit 1; }
echo "PASS: $n seed inputs replayed"
