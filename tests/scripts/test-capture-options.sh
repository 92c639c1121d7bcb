#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-capture-options.sh SHAKEDOWN SOURCE_DIR
#
# tcpdump's habits on shakedown's command line: -c N stops after N packets
# (after the filter) and still prints the summary; -w FILE writes the
# packets read (after the filter) as a pcap that tcpdump or tshark reads
# back with the same count; -C SIZE and -W N rotate that file as tcpdump
# does (FILE, FILE1...; a ring FILE0..FILE{N-1}); -D lists the interfaces
# (lo among them); -p captures live without promiscuous mode (as root only: skipped otherwise).
# Uses pcaps/ssh/ssh-ok.pcap (one SSH connection, 48 packets, 2 with SYN).
. "$(dirname "$0")/lib-common.sh"
CAP=$SRC/pcaps/ssh/ssh-ok.pcap
SYN='tcp[tcpflags] & tcp-syn != 0'

# count_pcap FILE [syn]: packets in FILE (or its SYNs), as tcpdump or
# tshark reads it
count_pcap() {
	if command -v tcpdump >/dev/null; then
		tcpdump -nr "$1" ${2:+"$SYN"} 2>/dev/null | wc -l
	else
		tshark -r "$1" ${2:+-Y} ${2:+tcp.flags.syn==1} 2>/dev/null | wc -l
	fi
}
# summary_packets: "packets" of the --json summary in $tmp/out
summary_packets() {
	"$PY" -c 'import json,sys
for l in sys.stdin:
    o = json.loads(l)
    if o.get("type") == "summary": print(o["packets"])' <"$tmp/out"
}

# -c 3: three packets read, then the normal end with a summary
run -r "$CAP" -c 3 --json
n=$(summary_packets)
if [ $rc -le 1 ] && [ "$n" = 3 ]; then pass "-c 3: summary packets 3"; else fail "-c 3: exit $rc, packets '$n', stderr $(cat "$tmp/err")"; fi
run -r "$CAP" --count 2 --json "$SYN"
n=$(summary_packets)
if [ "$n" = 2 ]; then pass "--count 2 with a filter: 2 packets"; else fail "--count 2 with a filter: packets '$n'"; fi
run -r "$CAP" -c 0
if [ $rc -eq 2 ]; then pass "-c 0 refused"; else fail "-c 0: exit $rc"; fi

if command -v tcpdump >/dev/null || command -v tshark >/dev/null; then
	want=$(count_pcap "$CAP")
	run -r "$CAP" -w "$tmp/all.pcap" --json
	got=$(count_pcap "$tmp/all.pcap")
	if [ $rc -le 1 ] && [ "$want" -gt 0 ] && [ "$got" = "$want" ]; then
		pass "-w: $got packets written, as many as the input"
	else
		fail "-w: exit $rc, $got packets written, input has $want; $(cat "$tmp/err")"
	fi
	want=$(count_pcap "$CAP" syn)
	run -r "$CAP" --write "$tmp/syn.pcap" --json "$SYN"
	got=$(count_pcap "$tmp/syn.pcap")
	gotsyn=$(count_pcap "$tmp/syn.pcap" syn)
	if [ "$want" = 2 ] && [ "$got" = 2 ] && [ "$gotsyn" = 2 ]; then
		pass "-w with a filter: only the 2 SYNs written"
	else
		fail "-w with a filter: $got written ($gotsyn SYNs), want $want"
	fi
	run -r "$CAP" -c 5 -w "$tmp/five.pcap"
	got=$(count_pcap "$tmp/five.pcap")
	if [ "$got" = 5 ]; then pass "-c 5 -w: 5 packets written"; else fail "-c 5 -w: $got written"; fi
	# -C 4k: 48 packets (11 KB) in FILE, FILE1, FILE2 as tcpdump names
	# them, none past 4 KiB before its last packet, none lost
	run -r "$CAP" -w "$tmp/rot.pcap" -C 4k --json
	n0=$(count_pcap "$tmp/rot.pcap") n1=$(count_pcap "$tmp/rot.pcap1") n2=$(count_pcap "$tmp/rot.pcap2")
	if [ $rc -le 1 ] && [ -f "$tmp/rot.pcap2" ] && [ ! -e "$tmp/rot.pcap3" ] && [ $((n0 + n1 + n2)) = 48 ] &&
		[ "$n0" -gt 0 ] && [ "$n1" -gt 0 ] && [ "$n2" -gt 0 ]; then
		pass "-C 4k: files of $n0 + $n1 + $n2 packets"
	else
		fail "-C 4k: exit $rc, packets $n0 + $n1 + $n2, files $(ls "$tmp" | tr '\n' ' '); $(cat "$tmp/err")"
	fi
	# -C 2k -W 3: a ring of FILE0..FILE2 holding the last packets
	run -r "$CAP" -w "$tmp/ring.pcap" -C 2k -W 3 --json
	total=0
	for i in 0 1 2; do total=$((total + $(count_pcap "$tmp/ring.pcap$i"))); done
	last=$(tcpdump -nr "$CAP" 2>/dev/null | tail -n 1 | cut -d' ' -f1)
	inring=$(for i in 0 1 2; do tcpdump -nr "$tmp/ring.pcap$i" 2>/dev/null; done | grep -c -- "^$last ")
	if [ $rc -le 1 ] && [ ! -e "$tmp/ring.pcap" ] && [ ! -e "$tmp/ring.pcap3" ] && [ "$total" -gt 0 ] &&
		[ "$total" -lt 48 ] && { [ "$inring" = 1 ] || ! command -v tcpdump >/dev/null; }; then
		pass "-C 2k -W 3: 3 files, the last $total packets"
	else
		fail "-C 2k -W 3: exit $rc, $total packets (last packet found $inring times), files $(ls "$tmp" | tr '\n' ' ')"
	fi
else
	echo "SKIP -w checks: neither tcpdump nor tshark"
fi
for args in "-C 3" "-W 3" "-w $tmp/x.pcap -W 3" "-w $tmp/x.pcap -C 0" "-w $tmp/x.pcap -C 5q" "-w $tmp/x.pcap -C 2k -W 0"; do
	# shellcheck disable=SC2086 # the words are the options
	run -r "$CAP" $args
	if [ $rc -eq 2 ] && [ ! -e "$tmp/x.pcap" ]; then pass "$args refused: $(cat "$tmp/err")"; else fail "$args: exit $rc"; fi
done
run -r "$CAP" -w -
if [ $rc -eq 2 ]; then pass "-w - refused"; else fail "-w -: exit $rc"; fi
run -r "$CAP" -r "$SRC/pcaps/link/ipv4.pcap" -w "$tmp/mixed.pcap"
if [ $rc -eq 2 ] && grep -q "link type" "$tmp/err"; then
	pass "-w with two link types refused ($(cat "$tmp/err"))"
else
	fail "-w with two link types: exit $rc, $(cat "$tmp/err")"
fi
run -r "$CAP" -p
if [ $rc -eq 2 ]; then pass "-p refused offline"; else fail "-p offline: exit $rc"; fi

# -D: the interfaces, numbered as tcpdump does, lo among them
run -D
if [ $rc -eq 0 ] && grep -Eq '^[0-9]+\.lo( |$)' "$tmp/out"; then
	pass "-D lists lo"
else
	fail "-D: exit $rc, $(cat "$tmp/out" "$tmp/err")"
fi
run --list-interfaces
if [ $rc -eq 0 ] && grep -q '^1\.' "$tmp/out"; then pass "--list-interfaces"; else fail "--list-interfaces: exit $rc"; fi

# -p live on lo (root only): -c 1 ends the run after one packet
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP -p live: not root"
	[ $fails -eq 0 ] || { echo "$fails failed"; exit 1; }
	exit 77
fi
timeout 10 "$SD" -i lo -p -c 1 --no-ui --json -w "$tmp/live.pcap" udp port 9 >"$tmp/live.out" 2>"$tmp/live.err" &
pid=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do
	sleep 0.3
	kill -0 $pid 2>/dev/null || break
	"$PY" -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("127.0.0.1", 9))'
done
wait $pid
lrc=$?
cp "$tmp/live.out" "$tmp/out"
n=$(summary_packets)
if [ $lrc -le 1 ] && [ "$n" = 1 ]; then
	pass "-p -c 1 live on lo: ended after 1 packet"
else
	fail "-p -c 1 live on lo: exit $lrc, packets '$n', $(cat "$tmp/live.err")"
fi
if command -v tcpdump >/dev/null || command -v tshark >/dev/null; then
	got=$(count_pcap "$tmp/live.pcap")
	if [ "$got" = 1 ]; then pass "-w live: 1 packet written"; else fail "-w live: $got written"; fi
fi

echo "$fails failed"
[ $fails -eq 0 ]
