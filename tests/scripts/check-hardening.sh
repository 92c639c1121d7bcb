#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# check-hardening.sh BINARY FORTIFY
#
# What checksec would say, from readelf alone: a PIE, full RELRO (a
# GNU_RELRO segment and BIND_NOW), a non-executable stack, the stack
# protector (__stack_chk_fail), and when FORTIFY is 1 the _FORTIFY_SOURCE
# checked functions (*_chk). Run by ctest when SHAKEDOWN_HARDEN is on.
set -u
bin=${1:?usage: check-hardening.sh BINARY FORTIFY}
fortify=${2:-1}
command -v readelf >/dev/null || { echo "SKIP: readelf (binutils) is missing"; exit 77; }
fails=0
check() { if eval "$2"; then echo "PASS $1"; else echo "FAIL $1"; fails=$((fails + 1)); fi; }
hdr=$(readelf -h "$bin") dyn=$(readelf -d "$bin") seg=$(readelf -lW "$bin") syms=$(readelf --dyn-syms -W "$bin")
check "PIE (ELF type DYN, FLAGS_1 PIE)" 'grep -q "Type:.*DYN" <<<"$hdr" && grep -q "Flags:.*PIE" <<<"$dyn"'
check "full RELRO: GNU_RELRO segment" 'grep -q GNU_RELRO <<<"$seg"'
check "full RELRO: BIND_NOW" 'grep -qE "BIND_NOW|Flags:.* NOW" <<<"$dyn"'
check "non-executable stack" 'grep GNU_STACK <<<"$seg" | grep -qv RWE'
check "stack protector (__stack_chk_fail)" 'grep -q __stack_chk_fail <<<"$syms"'
if [ "$fortify" = 1 ]; then
	check "_FORTIFY_SOURCE (*_chk functions)" 'grep -qE "__[a-z]+_chk(@|$| )" <<<"$syms"'
fi
exit $((fails > 0))
