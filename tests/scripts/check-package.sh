#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# check-package.sh BUILD_DIR
#
# The install rules and the Debian package, without root or a network:
#  - cmake --install with DESTDIR and --prefix puts every file in place, the
#    systemd unit names the installed binary, and that binary runs;
#  - the unit passes systemd-analyze verify (when systemd-analyze exists);
#  - cpack -G DEB builds a .deb whose contents (dpkg-deb -c), Depends and
#    maintainer scripts are right.
# Installing the .deb in a clean root is tests/fresh-machine.sh --deb.
set -u
build=$(realpath "${1:?usage: check-package.sh BUILD_DIR}")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

prefix=/opt/shakedown-test
if DESTDIR="$tmp/root" cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1; then
	pass "cmake --install with DESTDIR and --prefix"
else
	fail "cmake --install:"; cat "$tmp/install.log"
fi
r=$tmp/root$prefix
for f in bin/shakedown share/man/man1/shakedown.1 share/doc/shakedown/README.md share/doc/shakedown/LICENSE \
	share/doc/shakedown/json.md share/doc/shakedown/verdicts.md share/doc/shakedown/user-guide.md \
	share/bash-completion/completions/shakedown share/zsh/site-functions/_shakedown \
	lib/systemd/system/shakedown@.service etc/logrotate.d/shakedown; do
	[ -f "$r/$f" ] || fail "not installed: $f"
done
[ "$(find "$tmp/root" -type f | grep -vc "^$r/")" -eq 0 ] && pass "nothing installed outside the prefix" ||
	fail "files outside $prefix: $(find "$tmp/root" -type f | grep -v "^$r/")"
grep -q "exec $prefix/bin/shakedown -i" "$r/lib/systemd/system/shakedown@.service" &&
	pass "the unit runs $prefix/bin/shakedown" || fail "the unit's ExecStart does not name $prefix/bin/shakedown"
"$r/bin/shakedown" --version >"$tmp/v" 2>&1 && grep -q "^shakedown [0-9]" "$tmp/v" && grep -q libpcap "$tmp/v" &&
	pass "installed shakedown --version: $(head -1 "$tmp/v")" || { fail "installed --version:"; cat "$tmp/v"; }

if command -v systemd-analyze >/dev/null; then
	# verify needs an instance name and the binary where ExecStart says
	mkdir -p "$tmp/unit"
	sed "s|$prefix/bin/shakedown|$r/bin/shakedown|" "$r/lib/systemd/system/shakedown@.service" \
		>"$tmp/unit/shakedown@.service"
	ln -s shakedown@.service "$tmp/unit/shakedown@eth0.service"
	if systemd-analyze verify --man=no "$tmp/unit/shakedown@eth0.service" >"$tmp/verify" 2>&1 && [ ! -s "$tmp/verify" ]; then
		pass "systemd-analyze verify"
	else
		fail "systemd-analyze verify:"; cat "$tmp/verify"
	fi
	if systemd-analyze security --offline=true "$tmp/unit/shakedown@eth0.service" >"$tmp/sec" 2>&1; then
		score=$(grep -o "exposure level.*" "$tmp/sec")
		grep -qE "OK|SAFE" <<<"$score" && pass "systemd-analyze security: $score" || fail "systemd-analyze security: $score"
	fi
fi

if ! command -v cpack >/dev/null || ! command -v dpkg-deb >/dev/null; then
	echo "SKIP (package part): cpack or dpkg-deb missing"
	exit $((fails > 0))
fi
if (cd "$build" && cpack -G DEB -B "$tmp/deb") >"$tmp/cpack.log" 2>&1; then
	pass "cpack -G DEB"
else
	fail "cpack -G DEB:"; cat "$tmp/cpack.log"; exit 1
fi
deb=$(ls "$tmp"/deb/*.deb)
dpkg-deb -c "$deb" | awk '{print $6}' >"$tmp/contents"
for f in ./usr/bin/shakedown ./usr/share/man/man1/shakedown.1 ./usr/share/doc/shakedown/README.md \
	./usr/share/bash-completion/completions/shakedown ./usr/share/zsh/vendor-completions/_shakedown \
	./usr/lib/systemd/system/shakedown@.service ./etc/logrotate.d/shakedown; do
	grep -qx -- "$f" "$tmp/contents" || fail "not in the .deb: $f"
done
grep -v '/$' "$tmp/contents" | grep -vE '^\./(usr|etc/logrotate\.d)/' && fail "unexpected paths in the .deb" ||
	pass "dpkg-deb -c: $(grep -vc '/$' "$tmp/contents") files, all under /usr or /etc/logrotate.d"
dep=$(dpkg-deb -f "$deb" Depends)
for p in libpcap0.8 libnids1.21 libncursesw6 libssl3; do
	grep -q "$p" <<<"$dep" || fail "Depends lacks $p: $dep"
done
pass "Depends: $dep"
dpkg-deb -e "$deb" "$tmp/ctl"
grep -q "setcap cap_net_raw,cap_net_admin+eip /usr/bin/shakedown" "$tmp/ctl/postinst" &&
	pass "postinst applies the capabilities" || fail "postinst does not setcap"
grep -qx /etc/logrotate.d/shakedown "$tmp/ctl/conffiles" && pass "logrotate config is a conffile" ||
	fail "conffiles lacks /etc/logrotate.d/shakedown"
grep -q "exec /usr/bin/shakedown -i" <(dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/lib/systemd/system/shakedown@.service) &&
	pass "the packaged unit runs /usr/bin/shakedown" || fail "the packaged unit does not name /usr/bin/shakedown"
exit $((fails > 0))
