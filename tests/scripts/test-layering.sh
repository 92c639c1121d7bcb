#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-layering.sh SHAKEDOWN SOURCE_DIR
#
# The build refuses an include against the direction of the layers. The
# real tree passes check-layers.sh; scratch copies with one wrong include
# each fail it, naming the file; and a scratch copy with <pcap.h> in
# analyzer/ fails to build (cmake --build of the default target stops at
# the layering check).
. "$(dirname "$0")/lib-common.sh"

CHECK="$SRC/tests/scripts/check-layers.sh"

if bash "$CHECK" "$SRC" 2>"$tmp/err"; then
	pass "the tree as it is passes"
else
	fail "the tree as it is: $(cat "$tmp/err")"
fi

# scratch copy of the layered sources (and what cmake needs to configure)
copy_tree() {
	rm -rf "$tmp/t"
	mkdir -p "$tmp/t/tests"
	cp -r "$SRC/capture" "$SRC/analyzer" "$SRC/ui" "$SRC/CMakeLists.txt" "$tmp/t/"
	# what the install and version rules of CMakeLists.txt refer to
	local extra
	for extra in cmake dist docs README.md LICENSE; do
		[ -e "$SRC/$extra" ] && cp -r "$SRC/$extra" "$tmp/t/"
	done
	cp -r "$SRC/tests/CMakeLists.txt" "$SRC/tests/scripts" "$SRC/tests/unit" "$SRC/tests/fuzz" "$tmp/t/tests/"
}

# wrong NAME FILE INCLUDE: FILE (relative) gets INCLUDE; the check must fail naming FILE
wrong() {
	local name=$1 file=$2 inc=$3
	copy_tree
	sed -i "0,/^#include/s||$inc\n#include|" "$tmp/t/$file"
	grep -qF "$inc" "$tmp/t/$file" || { fail "$name: could not plant the include"; return; }
	if bash "$CHECK" "$tmp/t" 2>"$tmp/err"; then
		fail "$name: not refused"
	elif grep -q "layering: $file:" "$tmp/err"; then
		pass "$name: refused ($(head -1 "$tmp/err"))"
	else
		fail "$name: refused without naming $file: $(cat "$tmp/err")"
	fi
}

wrong "pcap.h in analyzer/" analyzer/driver.c '#include <pcap.h>'
wrong "nids.h in analyzer/" analyzer/verdict.h '#include <nids.h>'
wrong "analyzer/ from capture/" capture/flow.c '#include "../analyzer/verdict.h"'
wrong "analyzer/ by module path from capture/" capture/stream.c '#include "analyzer/analyzer.h"'
wrong "ui/ from capture/" capture/decode.h '#include "ui/output.h"'
wrong "ui/ from analyzer/" analyzer/analyzer.c '#include "ui/tui.h"'
wrong "curses in analyzer/" analyzer/driver.c '#include <ncurses.h>'
wrong "pcap.h in ui/" ui/report.c '#include <pcap.h>'

# the build itself stops: configure a scratch copy with <pcap.h> in
# analyzer/ and build its default target
if command -v cmake >/dev/null; then
	copy_tree
	sed -i "0,/^#include/s||#include <pcap.h>\n#include|" "$tmp/t/analyzer/driver.c"
	if ! cmake -S "$tmp/t" -B "$tmp/t/build" >"$tmp/cfg" 2>&1; then
		fail "scratch configure: $(tail -3 "$tmp/cfg")"
	elif cmake --build "$tmp/t/build" >"$tmp/build" 2>&1; then
		fail "scratch build with <pcap.h> in analyzer/ succeeded"
	elif grep -q "layering: analyzer/driver.c:" "$tmp/build"; then
		pass "scratch build with <pcap.h> in analyzer/ fails at the layering check"
	else
		fail "scratch build failed for another reason: $(tail -5 "$tmp/build")"
	fi
	# and every library waits for the check: nothing is compiled first
	if grep -q "Building C object" "$tmp/build"; then
		fail "sources were compiled before the layering check"
	else
		pass "nothing compiled before the check"
	fi
fi

echo
if [ "$fails" -gt 0 ]; then
	echo "test-layering: $fails check(s) failed"
	exit 1
fi
echo "test-layering: all passed"
