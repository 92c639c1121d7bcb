#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# main() runs the program again once with glibc's hugetlb tunable (ui/main.c,
# hugepages_restart) for a run that is likely to be long: capture files of
# 4 MiB or more, a pipe (-r -), live. The output is the same with and
# without it, the second start happens once (two execve, not a loop), a
# small file is read with one start, SHAKEDOWN_HUGEPAGES=1 forces it, and
# SHAKEDOWN_HUGEPAGES=0, a GLIBC_TUNABLES of the user's or LD_PRELOAD
# prevent it. A sanitizer build never restarts (its allocator ignores
# glibc's tunables).
. "$(dirname "$0")/lib-common.sh"

cap="$SRC/pcaps/ssh/ssh-banner-stall.pcap"
SHAKEDOWN_HUGEPAGES=1 run -r "$cap" --json
cp "$tmp/out" "$tmp/with"
SHAKEDOWN_HUGEPAGES=0 run -r "$cap" --json
cmp -s "$tmp/out" "$tmp/with" && [ -s "$tmp/with" ] && pass "same output with and without the restart" ||
	fail "output differs with SHAKEDOWN_HUGEPAGES=0"

execs() { # ENV... -- ARGS... : how many execve the run made
	local envs=()
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	env -u GLIBC_TUNABLES -u SHAKEDOWN_HUGEPAGES -u LD_PRELOAD "${envs[@]}" \
		strace -f -e trace=execve -o "$tmp/st" "$SD" "$@" >/dev/null 2>&1 <"$cap"
	grep -c 'execve(' "$tmp/st"
}
big=$tmp/big.pcap # the small capture and zeros (empty records) up to 5 MiB
cp "$cap" "$big" && truncate -s 5M "$big"
if ! command -v strace >/dev/null; then
	echo "SKIP strace missing: the restart itself not checked"
elif grep -q '\[never\]' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null ||
	[ ! -r /sys/kernel/mm/transparent_hugepage/enabled ]; then
	echo "SKIP transparent huge pages off here: no restart expected"
elif nm "$SD" 2>/dev/null | grep -q -e __asan_init -e __tsan_init; then
	n=$(execs SHAKEDOWN_HUGEPAGES=1 -- -r "$big")
	[ "$n" = 1 ] && pass "sanitizer build: no restart even when asked (1 execve)" ||
		fail "sanitizer build: $n execve"
	echo "SKIP sanitizer build: the restart rules are checked by the normal build"
else
	n=$(execs -- -r "$big")
	[ "$n" = 2 ] && grep -q 'execve("/proc/self/exe"' "$tmp/st" && pass "5 MiB file: started again once (2 execve)" ||
		fail "5 MiB file: expected 2 execve, saw $n"
	# the second start's tunables: huge pages, and allocations up to 1 MiB
	# (the flow pool's chunks) from the heap that has them
	env -u GLIBC_TUNABLES -u SHAKEDOWN_HUGEPAGES -u LD_PRELOAD strace -f -v -s 300 -e trace=execve \
		-o "$tmp/stv" "$SD" -r "$big" >/dev/null 2>&1
	grep -q 'GLIBC_TUNABLES=glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=1048576"' "$tmp/stv" &&
		pass "the second start has GLIBC_TUNABLES=glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=1048576" ||
		fail "the second start's GLIBC_TUNABLES: $(grep -o 'GLIBC_TUNABLES=[^"]*' "$tmp/stv" | head -1)"
	n=$(cat "$big" | env -u GLIBC_TUNABLES -u SHAKEDOWN_HUGEPAGES -u LD_PRELOAD \
		strace -f -e trace=execve -o "$tmp/st" "$SD" -r - 2>/dev/null >/dev/null; grep -c 'execve(' "$tmp/st")
	[ "$n" = 2 ] && pass "-r - from a pipe: started again once" || fail "-r - from a pipe: $n execve"
	n=$(execs -- -r -)
	[ "$n" = 1 ] && pass "-r - redirected from a small file: one start" || fail "-r - < small file: $n execve"
	n=$(execs -- -r "$cap")
	[ "$n" = 1 ] && pass "small file ($(stat -c %s "$cap") bytes): one start" || fail "small file: $n execve"
	n=$(execs -- -r "$cap" -r "$big" -r "$cap")
	[ "$n" = 2 ] && pass "three files, one of 5 MiB: started again once" || fail "three files: $n execve"
	n=$(execs SHAKEDOWN_HUGEPAGES=1 -- -r "$cap")
	[ "$n" = 2 ] && pass "SHAKEDOWN_HUGEPAGES=1: small file started again" || fail "SHAKEDOWN_HUGEPAGES=1: $n execve"
	for e in SHAKEDOWN_HUGEPAGES=0 GLIBC_TUNABLES=glibc.malloc.hugetlb=0 LD_PRELOAD=; do
		n=$(execs "$e" -- -r "$big")
		[ "$n" = 1 ] && pass "$e, 5 MiB file: no restart" || fail "$e: $n execve"
	done
	mkdir -p "$tmp/chk" && cp "$cap" "$tmp/chk/" && echo "fail ssh.banner_stall" >"$tmp/chk/ssh-banner-stall.expect"
	n=$(execs -- --check "$tmp/chk" -j 1)
	[ "$n" = 1 ] && pass "--check: no restart (workers are forked)" || fail "--check: $n execve"
fi
[ "$fails" = 0 ] || exit 1
