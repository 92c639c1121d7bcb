#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# lab-shards.sh LAB_SCRIPT SHAKEDOWN OUTDIR: run a live lab (tests/lab/*.sh
# --live) as SD_LAB_SHARDS runs side by side (default 3), each with every
# N-th scenario, its own namespace names (SD_LAB_TAG) and its own output
# directory OUTDIR/K. The scenarios spend most of their time waiting for
# retransmission timers, so the runs share two cores well: measured on
# this 2-core VM with other work beside it, the IPsec lab took 202 s in
# two runs and 138 s in three, the SSH/TCP lab 139 s and 100 s. Prints each run's output in turn; exits 77 when every run skipped,
# 1 when any failed, else 0. Not a test itself (ctest runs test-*.sh).
lab=$1 bin=$2 out=$3
n=${SD_LAB_SHARDS:-3}
pids=()
for ((k = 0; k < n; k++)); do
	mkdir -p "$out/$k"
	SD_LAB_SHARD=$k/$n SD_LAB_TAG=$$s$k bash "$lab" --live "$bin" "$out/$k" >"$out/run-$k.log" 2>&1 &
	pids+=($!)
done
skipped=0 failed=0
for ((k = 0; k < n; k++)); do
	wait "${pids[k]}"
	rc=$?
	echo "---- shard $k/$n: exit $rc"
	cat "$out/run-$k.log"
	case $rc in
	0) ;;
	77) skipped=$((skipped + 1)) ;;
	*) failed=$((failed + 1)) ;;
	esac
done
[ "$failed" -gt 0 ] && exit 1
[ "$skipped" -eq "$n" ] && exit 77
exit 0
