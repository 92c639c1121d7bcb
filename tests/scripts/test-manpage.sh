#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-manpage.sh SHAKEDOWN SOURCE_DIR
#
# The manual page docs/shakedown.1 renders without warnings (mandoc -T lint,
# or man -l when mandoc is missing) and names every option that --help
# prints, long and short.
. "$(dirname "$0")/lib-common.sh"
page="$SRC/docs/shakedown.1"

if command -v mandoc >/dev/null; then
	if mandoc -T lint -W warning "$page" >"$tmp/lint" 2>&1; then
		pass "mandoc -T lint: no warnings"
	else
		fail "mandoc -T lint:"; cat "$tmp/lint"
	fi
	mandoc -T ascii "$page" 2>/dev/null | sed 's/.\x08//g' >"$tmp/page"
elif command -v man >/dev/null && man -l "$page" >/dev/null 2>&1; then
	MANWIDTH=80 man -l "$page" 2>/dev/null | sed 's/.\x08//g' >"$tmp/page"
else
	echo "SKIP: neither mandoc nor man can render the page"; exit 77
fi
for s in NAME SYNOPSIS DESCRIPTION ENVIRONMENT FILES "EXIT STATUS" EXAMPLES "SEE ALSO"; do
	grep -q "^$s" "$tmp/page" && pass "section $s" || fail "section $s missing"
done
grep -q "tcpdump(1)" "$tmp/page" && grep -q "pcap-filter(7)" "$tmp/page" &&
	pass "SEE ALSO tcpdump(1), pcap-filter(7)" || fail "SEE ALSO lacks tcpdump(1) or pcap-filter(7)"

run --help
[ "$rc" -eq 0 ] || fail "--help exit $rc"
# every option --help shows: --long ones anywhere, -x ones at a line start
# or after a comma
{ grep -oE -- '--[a-z][a-z-]+' "$tmp/out"; grep -oE -- '(^ +|, )-[a-zA-Z]\b' "$tmp/out" | grep -oE -- '-[a-zA-Z]'; } |
	sort -u >"$tmp/opts"
n=$(wc -l <"$tmp/opts")
[ "$n" -ge 20 ] || fail "only $n options found in --help"
while read -r o; do
	grep -qE -- "(^|[^a-z-])$o([^a-z-]|$)" "$tmp/page" || fail "option $o is not in the manual page"
done <"$tmp/opts"
[ "$fails" -eq 0 ] && pass "all $n options of --help are in the manual page"
exit $((fails > 0))
