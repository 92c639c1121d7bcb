#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Live capture under load (a benchmark, not a test: nothing fails on a
# number). A veth pair between two throw-away network namespaces; tcpreplay
# sends a workload out of one end as fast as it can (--topspeed) while a
# capture program reads the other end. For each program it prints what
# tcpreplay sent (packets, packets/s), what the program counted and the
# drops the kernel reported (PACKET_STATISTICS through pcap_stats).
#
# Programs: tcpdump -w /dev/null (the reference: no analysis), shakedown -i
# with the default options (TPACKET_V3 ring, 32 MiB), and shakedown
# --workers 2 (PACKET_FANOUT). Each is measured --rounds times (default 3).
#
# Usage: sudo tests/bench/live.sh [--build DIR] [--pcap FILE] [--rounds N]
# Default workload: gen-mixed 30000 3000 3 (the "medium" of run.sh, 0.97 M
# packets), made in /tmp/shakedown-bench unless --pcap names a capture.
# Needs root, tcpreplay (installed with apt-get when missing) and
# ../shared/bench/gen-mixed.c for the default workload.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=$src/build
pcap=""
rounds=3
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift ;;
	--pcap) pcap=$2; shift ;;
	--rounds) rounds=$2; shift ;;
	-h|--help) sed -n '3,19p' "$0"; exit 0 ;;
	*) echo "live bench: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done
[ "$(id -u)" = 0 ] || { echo "live bench: needs root (network namespaces)" >&2; exit 77; }
sd=$build/shakedown
[ -x "$sd" ] || { echo "live bench: $sd not built" >&2; exit 2; }
if ! command -v tcpreplay >/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq tcpreplay >/dev/null ||
		{ echo "live bench: cannot install tcpreplay" >&2; exit 77; }
fi
if [ -z "$pcap" ]; then
	shared=$src/../shared/bench
	[ -f "$shared/gen-mixed.c" ] || { echo "live bench: $shared/gen-mixed.c not found" >&2; exit 77; }
	mkdir -p /tmp/shakedown-bench
	pcap=/tmp/shakedown-bench/medium.pcap
	if [ ! -s "$pcap" ]; then
		cc -O2 -o /tmp/shakedown-bench/gen-mixed "$shared/gen-mixed.c" || exit 2
		/tmp/shakedown-bench/gen-mixed 30000 3000 3 "$pcap" 2>/dev/null || exit 2
	fi
fi

tag=$$
TX=sdbl$tag-tx RX=sdbl$tag-rx
out=$(mktemp -d /tmp/sd-live-bench.XXXXXX)
cleanup() {
	ip netns del "$TX" 2>/dev/null
	ip netns del "$RX" 2>/dev/null
	rm -rf "$out"
}
trap cleanup EXIT
ip netns add "$TX" && ip netns add "$RX" || exit 2
for ns in "$TX" "$RX"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip -n "$ns" link set lo up
done
ip -n "$TX" link add tx0 type veth peer name rx0 netns "$RX"
ip -n "$TX" link set tx0 mtu 9000 up
ip -n "$RX" link set rx0 mtu 9000 up

# run NAME CMD...: start CMD in RX, replay, stop CMD with SIGINT; prints
# one line: name, sent, sent/s, counted, kernel drops
run() {
	local name=$1
	shift
	ip netns exec "$RX" "$@" >"$out/stdout" 2>"$out/stderr" &
	local pid=$!
	sleep 1.5
	ip netns exec "$TX" tcpreplay --topspeed -i tx0 "$pcap" >"$out/replay" 2>&1
	sleep 1.5
	kill -INT "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	local sent pps got drops
	sent=$(grep -oE 'Actual: [0-9]+ packets' "$out/replay" | grep -oE '[0-9]+')
	pps=$(grep -oE 'Rated: [0-9.]+ Bps, [0-9.]+ Mbps, [0-9.]+ pps' "$out/replay" | grep -oE '[0-9.]+ pps' | cut -d' ' -f1)
	case $name in
	tcpdump*)
		got=$(grep -oE '^[0-9]+ packets captured' "$out/stderr" | cut -d' ' -f1)
		drops=$(grep -oE '^[0-9]+ packets dropped by kernel' "$out/stderr" | cut -d' ' -f1)
		;;
	*)
		got=$(tail -1 "$out/stdout" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["packets"])' 2>/dev/null)
		drops=$(tail -1 "$out/stdout" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["drops"])' 2>/dev/null)
		;;
	esac
	printf '%-22s %9s %10s %9s %8s\n' "$name" "${sent:-?}" "${pps:-?}" "${got:-?}" "${drops:-?}"
}

echo "workload: $pcap ($(capinfos -c -M "$pcap" 2>/dev/null | awk -F': *' '/Number of packets/ {print $2}') packets); $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-22s %9s %10s %9s %8s\n' program sent "sent/s" counted dropped
for ((r = 1; r <= rounds; r++)); do
	run "tcpdump" tcpdump -n -i rx0 -s 0 -B 32768 -w /dev/null
	run "shakedown" "$sd" -i rx0 --json
	run "shakedown --workers 2" "$sd" -i rx0 --workers 2 --json
done
