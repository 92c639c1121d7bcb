#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Live capture gives up its privileges once the capture is open (-Z):
# started as root it runs as nobody (or the -Z user) with no effective,
# permitted or bounding capabilities; started as a normal user with file
# capabilities it keeps its uid and drops them. It still captures: a
# refused connection on loopback is reported after the drop. Needs root.
. "$(dirname "$0")/lib-common.sh"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (live capture, setcap)"; exit 77; }

# status_of PID FIELD: a line of /proc/PID/status
status_of() { awk -v f="$2:" '$1 == f { $1 = ""; print substr($0, 2) }' "/proc/$1/status"; }

# live_check NAME WANT_UID CMD...: start the capture, wait until it is
# running, read its ids and capabilities, make a refused connection to
# 127.0.0.1:9 and stop it; the JSON must hold tcp.refused.
live_check() {
	local name=$1 want_uid=$2
	shift 2
	"$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
	local pid=$! i
	# the drop comes once the capture is open: wait for it (5 s at most)
	for i in $(seq 50); do
		[ "$(status_of "$pid" CapEff 2>/dev/null)" = 0000000000000000 ] && break
		sleep 0.1
	done
	local uid capeff capprm capbnd
	uid=$(status_of "$pid" Uid | awk '{print $2}')
	capeff=$(status_of "$pid" CapEff)
	capprm=$(status_of "$pid" CapPrm)
	capbnd=$(status_of "$pid" CapBnd)
	"$PY" -c 'import socket
s = socket.socket()
s.settimeout(1)
try: s.connect(("127.0.0.1", 9))
except OSError: pass' 2>/dev/null
	sleep 1.5
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
	[ "$uid" = "$want_uid" ] && pass "$name: runs as uid $uid" || fail "$name: effective uid '$uid', want $want_uid ($(head -c 300 "$tmp/$name.err"))"
	[ "$capeff" = 0000000000000000 ] && [ "$capprm" = 0000000000000000 ] && pass "$name: no effective or permitted capabilities" ||
		fail "$name: CapEff $capeff CapPrm $capprm"
	echo "  $name: CapBnd $capbnd"
	grep -q '"id":"tcp.refused"' "$tmp/$name.out" && pass "$name: still captures after the drop (tcp.refused)" ||
		fail "$name: no tcp.refused in $(head -c 300 "$tmp/$name.out")"
}

nobody_uid=$(id -u nobody)
live_check root-default "$nobody_uid" "$SD" -i lo --json 'tcp port 9'
live_check root-Z "$nobody_uid" "$SD" -i lo --json -Z nobody 'tcp port 9'

# a normal user with file capabilities on a copy of the binary
if command -v setcap >/dev/null && command -v setpriv >/dev/null; then
	mkdir -p "$tmp/bin" && chmod 755 "$tmp" "$tmp/bin"
	cp "$SD" "$tmp/bin/shakedown"
	if setcap cap_net_raw,cap_net_admin+eip "$tmp/bin/shakedown" 2>/dev/null; then
		live_check filecaps "$nobody_uid" setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
			"$tmp/bin/shakedown" -i lo --json 'tcp port 9'
	else
		echo "SKIP (part): this file system does not keep file capabilities"
	fi
else
	echo "SKIP (part): setcap or setpriv missing"
fi

run -i lo --json -Z no-such-user-here 'tcp port 9'
[ "$rc" -eq 2 ] && grep -q "no such user" "$tmp/err" && pass "-Z with an unknown user stops with exit 2" || fail "-Z unknown: rc=$rc"
run -r "$SRC/pcaps/ssh/ssh-ok.pcap" -Z nobody
[ "$rc" -eq 2 ] && pass "-Z with -r is refused (it applies to live capture)" || fail "-Z with -r: rc=$rc"
echo "$fails failure(s)"
[ "$fails" -eq 0 ]
