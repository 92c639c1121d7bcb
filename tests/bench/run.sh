#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark (not a test): shakedown against a bare libpcap read loop on the
# workload from ../shared/bench/gen-mixed.c. Prints the time ratio and peak
# memory of each. Usage: tests/bench/run.sh [small|large] [build-dir]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
size=${1:-small}
build=${2:-$src/build}
shared=$src/../shared/bench
out=$here/out
mkdir -p "$out"
if [ ! -f "$shared/gen-mixed.c" ]; then
	echo "bench: $shared/gen-mixed.c not found" >&2
	exit 77
fi
cc -O2 -o "$out/gen-mixed" "$shared/gen-mixed.c"
cc -O2 -o "$out/bare-read" "$here/bare-read.c" -lpcap
case $size in
small) args="6200 1000 1" ;;
large) args="135000 10000 2" ;;
*) echo "bench: small or large" >&2; exit 2 ;;
esac
pcap=$out/$size.pcap
[ -s "$pcap" ] || "$out/gen-mixed" $args "$pcap" 2>/dev/null
cat "$pcap" >/dev/null # warm the page cache for both runs

measure() { # prints "seconds maxrss_kb"
	/usr/bin/time -f "%e %M" -o "$out/time.txt" "$@" >/dev/null 2>&1 || true
	tail -n 1 "$out/time.txt"
}
best() { # best of 3 runs, interleaved by the caller
	sort -n | head -1
}
: >"$out/bare.txt"; : >"$out/sd.txt"
for i in 1 2 3; do
	measure "$out/bare-read" "$pcap" >>"$out/bare.txt"
	measure "$build/shakedown" -r "$pcap" --json >>"$out/sd.txt"
done
read -r bt bm < <(best <"$out/bare.txt")
read -r st sm < <(best <"$out/sd.txt")
ratio=$(awk -v a="$st" -v b="$bt" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
pkts=$("$out/bare-read" "$pcap" | awk '{print $1}')
echo "workload: $size ($pkts packets, $(du -h "$pcap" | cut -f1))"
echo "bare libpcap read: ${bt}s, peak ${bm} KiB"
echo "shakedown --json:  ${st}s, peak ${sm} KiB"
echo "ratio: ${ratio}x (target <= 2.0x)"
