#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# main() runs the program again once with glibc's hugetlb tunable (ui/main.c,
# hugepages_restart): the output is the same with and without it, the
# second start happens once (two execve, not a loop), and
# SHAKEDOWN_HUGEPAGES=0, a GLIBC_TUNABLES of the user's or LD_PRELOAD
# prevent it.
. "$(dirname "$0")/lib-common.sh"

cap="$SRC/pcaps/ssh/ssh-banner-stall.pcap"
run -r "$cap" --json
cp "$tmp/out" "$tmp/with"
SHAKEDOWN_HUGEPAGES=0 run -r "$cap" --json
cmp -s "$tmp/out" "$tmp/with" && [ -s "$tmp/with" ] && pass "same output with and without the restart" ||
	fail "output differs with SHAKEDOWN_HUGEPAGES=0"

if ! command -v strace >/dev/null; then
	echo "SKIP strace missing: the restart itself not checked"
elif grep -q '\[never\]' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null ||
	[ ! -r /sys/kernel/mm/transparent_hugepage/enabled ]; then
	echo "SKIP transparent huge pages off here: no restart expected"
else
	execs() { # ENV... : how many execve the run made
		env "$@" strace -f -e trace=execve -o "$tmp/st" "$SD" -r "$cap" >/dev/null 2>&1
		grep -c 'execve(' "$tmp/st"
	}
	n=$(env -u GLIBC_TUNABLES -u SHAKEDOWN_HUGEPAGES -u LD_PRELOAD strace -f -e trace=execve -o "$tmp/st" "$SD" -r "$cap" >/dev/null 2>&1; grep -c 'execve(' "$tmp/st")
	[ "$n" = 2 ] && grep -q 'execve("/proc/self/exe"' "$tmp/st" && pass "started again once (2 execve)" ||
		fail "expected 2 execve, saw $n"
	for e in SHAKEDOWN_HUGEPAGES=0 GLIBC_TUNABLES=glibc.malloc.hugetlb=0; do
		n=$(execs "$e")
		[ "$n" = 1 ] && pass "$e: no restart" || fail "$e: $n execve"
	done
fi
[ "$fails" = 0 ] || exit 1
