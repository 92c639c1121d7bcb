#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-tui.sh SHAKEDOWN SOURCE_DIR
#
# Drives the ncurses live view (--ui) of the real program in a detached
# tmux session of a fixed size: keys go in with send-keys, the screen comes
# back with capture-pane, and every check names concrete text on it (header
# figures, a verdict id and its endpoints, a ladder line with its frame
# number, the filter's effect, what survives a resize). Covered: a finished
# capture, several captures with filter/sort/navigation/help, a flood
# collapsed into one row, resize, monochrome and ASCII terminals, a replay
# paced by the capture's timestamps (a stall growing, pause), quitting and
# SIGTERM mid-capture (terminal restored, report printed), and, as root, a
# live capture on a veth pair between two network namespaces of our own
# (documentation addresses only, no route out).
#
# Exits 77 (skip) without tmux or a C.UTF-8 locale.
# SHAKEDOWN_SCREENS=DIR also saves the screens into DIR (docs/screens).
set -u
SD=${1:?usage: ${0##*/} SHAKEDOWN SOURCE_DIR}
SRC=${2:?usage: ${0##*/} SHAKEDOWN SOURCE_DIR}
command -v tmux >/dev/null 2>&1 || { echo "SKIP: tmux is not installed"; exit 77; }
locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$' || { echo "SKIP: no C.UTF-8 locale"; exit 77; }
SD=$(readlink -f "$SD")
SSH=$SRC/pcaps/ssh
SCREENS=${SHAKEDOWN_SCREENS:-}

tmp=$(mktemp -d)
SOCK=
NS_A=
NS_B=
LISTENER=
cleanup() {
	[ -n "$SOCK" ] && tmux -S "$SOCK" kill-server 2>/dev/null
	[ -n "$LISTENER" ] && kill "$LISTENER" 2>/dev/null
	[ -n "$NS_A" ] && ip netns del "$NS_A" 2>/dev/null
	[ -n "$NS_B" ] && ip netns del "$NS_B" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fails=0
pass() { echo "PASS $*"; }
fail() {
	echo "FAIL $*"
	fails=$((fails + 1))
	echo "  screen was:"
	sed 's/^/  | /' "$tmp/screen"
}

tm() { tmux -S "$SOCK" -f /dev/null "$@"; }

# start W H [VAR=VALUE...] -- ARGS...: a fresh tmux server and session of
# W x H running shakedown ARGS; the pane prints EXIT=<status> afterwards.
# PREFIX, when set, goes before the program (e.g. ip netns exec NS).
nsession=0
start() {
	local w=$1 h=$2
	shift 2
	local envs="TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8"
	while [ "$1" != "--" ]; do
		envs="$envs $1"
		shift
	done
	shift
	[ -n "$SOCK" ] && tmux -S "$SOCK" kill-server 2>/dev/null
	nsession=$((nsession + 1))
	SOCK=$tmp/tmux-$nsession.sock
	{
		echo "#!/bin/bash"
		echo "export $envs"
		echo "${PREFIX:-} $(printf '%q ' "$SD" "$@")"
		echo 'echo "EXIT=$?"'
		echo 'exec sleep 600'
	} >"$tmp/run-$nsession.sh"
	: >"$tmp/screen"
	tm new-session -d -s sd -x "$w" -y "$h" "bash $tmp/run-$nsession.sh"
}

screen() { tm capture-pane -p -t sd >"$tmp/screen" 2>/dev/null; }
keys() { tm send-keys -t sd "$@"; }

# wait_for ERE [SECONDS]: until the screen shows ERE (default 8 s).
wait_for() {
	local i
	for ((i = 0; i < ${2:-8} * 10; i++)); do
		screen
		grep -qE -- "$1" "$tmp/screen" && return 0
		sleep 0.1
	done
	return 1
}
expect() {
	if wait_for "$2" "${3:-8}"; then pass "$1"; else fail "$1: no /$2/ on the screen"; fi
}
# expect_log NAME ERE: ERE anywhere in the pane's history, wrapped lines
# joined (for the text report printed after the view ends).
expect_log() {
	local i
	for ((i = 0; i < 30; i++)); do
		tm capture-pane -p -J -S -3000 -t sd >"$tmp/screen" 2>/dev/null
		if grep -qE -- "$2" "$tmp/screen"; then
			pass "$1"
			return
		fi
		sleep 0.1
	done
	fail "$1: no /$2/ in the pane's history"
}
expect_not() {
	screen
	if grep -qE -- "$2" "$tmp/screen"; then fail "$1: /$2/ is on the screen"; else pass "$1"; fi
}
# line N: line N (1-based) of the last screen read
line() { sed -n "${1}p" "$tmp/screen"; }
save() { [ -n "$SCREENS" ] && mkdir -p "$SCREENS" && cp "$tmp/screen" "$SCREENS/$1.txt"; return 0; }
# the pane's terminal is back to normal: main screen, canonical mode, echo
restored() {
	local name=$1 alt tty modes
	alt=$(tm display -p -t sd '#{alternate_on}')
	tty=$(tm display -p -t sd '#{pane_tty}')
	modes=$(stty -F "$tty" -a 2>/dev/null)
	if [ "$alt" = 0 ] && grep -qw -- icanon <<<"$modes" && grep -qw -- echo <<<"$modes"; then
		pass "$name: terminal restored"
	else
		fail "$name: terminal not restored (alternate_on=$alt; $(grep -oE -- '-?icanon|-?echo ' <<<"$modes" | tr '\n' ' '))"
	fi
}
# seconds shown in a phase such as "... banner 2.2 s" on line N
phase_secs() { line "$1" | grep -oE '[0-9]+\.[0-9] s' | head -1 | cut -d' ' -f1; }

ARROW='→'
# ---------------------------------------------------------------------------
echo "== a finished capture: ssh-banner-stall at 80x24"
start 80 24 -- -r "$SSH/ssh-banner-stall.pcap" --ui
expect "end of input shown" 'END OF INPUT +17:16:56\.487 UTC'
expect "header: packets, drops, flows" "pkts 8 │ .* │ drops 0 │ flows 1, 0 evicted"
expect "header: verdict counts" "FAIL 1  WARN 0  INFO 0  OK 0"
expect "header: source and filter" "shakedown │ .*ssh-banner-stall\.pcap │ bpf: none"
expect "list: the verdict row" "^ 17:16:56 FAIL ssh\.banner_stall +tcp 192\.0\.2\.10:58872 $ARROW 198\.51\.100\.20:22"
save verdicts-80x24
keys Enter
expect "detail: title" "^ FAIL  ssh\.banner_stall"
expect "detail: ladder SYN, client to server, frame 1" '^ +\+0\.000000  │─+ SYN ─+▶│  #1$'
expect "detail: ladder SYN-ACK, server to client, frame 2" '^ +\+0\.0000[0-9]{2}  │◀─+ SYN,ACK ─+│  #2$'
expect "detail: ladder endpoints" "^ +192\.0\.2\.10:58872 +198\.51\.100\.20:22"
expect "detail: the client's FIN at +6.007 s, frame 6" '^ +\+6\.0070[0-9]{2}  │─+ .*FIN.* ─+▶│  #6$'
save detail-80x24
keys G
expect "detail: remediation at the bottom" "^ What to do"
expect "detail: scroll position at the end" " ([0-9]+)/\1 ?$"
save detail-end-80x24
keys Escape
expect "Esc goes back to the list" "^ time +sev +verdict +flow"
keys '?'
expect "help overlay" "shakedown live view: keys"
save help-80x24
keys x
expect "any key closes the help" "^ time +sev +verdict +flow"
expect_not "help gone" "shakedown live view: keys"
keys Tab
expect "flows view" "^  proto client > server +phase \(as last seen\)"
expect "flows view: the flow with its fail mark" "^F tcp +192\.0\.2\.10:58872 $ARROW 198\.51\.100\.20:22"
expect "flows view: how the flow ended" "$ARROW 198\.51\.100\.20:22 ended with ssh\.banner_stall"
# the flow's packets as it ended (tcpdump: 5 from the client, 3 from the
# server), not as they were when the verdict was made
expect "flows view: packets in the summary line" "flow 1 tcp 192\.0\.2\.10:58872 $ARROW 198\.51\.100\.20:22, 5/3 pkts"
save flows-80x24
keys Enter
expect "flow detail" "^ FLOW 1  tcp  192\.0\.2\.10:58872 $ARROW 198\.51\.100\.20:22"
expect "flow detail: its verdicts" "Verdicts on this flow \(1 kept\)"
keys Escape Tab
expect "back to the verdicts" "^ 17:16:56 FAIL ssh\.banner_stall"

echo "== a packet from a third host on the ladder: ssh-icmp-reject"
start 80 24 -- -r "$SSH/ssh-icmp-reject.pcap" --ui
expect "icmp: the verdict" "FAIL tcp\.icmp_rejected +tcp 192\.0\.2\.10:57334 $ARROW 198\.51\.100\.20:22"
keys Enter
expect "icmp: the SYN, frame 1" '^ +\+0\.000000  │─+ SYN ─+▶│  #1$'
expect "icmp: the router's ICMP drawn dotted, frame 2" '^ +\+0\.0000[0-9]{2}  │┄+ ICMP .* \(other host\) ┄+│  #2$'
# the TCP history's letters explained under it
for ((i = 0; i < 12; i++)); do keys j; done
expect "icmp: the history legend under the details" "^ +S SYN, H SYN-ACK, A ACK, D data, F FIN"
keys Escape F1
expect "F1 opens the help" "shakedown live view: keys"
keys x h
expect "h opens the help in the list" "shakedown live view: keys"
keys x F10
expect "icmp: F10 quits" "^EXIT=1$"

echo "== --points: the per-point ladder in the detail pane (points-drop-s2c)"
PT=$SRC/pcaps/points/points-drop-s2c
start 100 60 -- --points -r "lan=$PT/lan.pcap" -r "wan=$PT/wan.pcap" --ui
expect "points: the verdict" "FAIL ssh\.banner_stall +tcp 192\.0\.2\.10:[0-9]+ $ARROW 198\.51\.100\.20:22"
keys Enter
expect "points: the ladder's heading and its points" '^ +lan +wan *$'
expect "points: the SYN at both points, frame 1" '^ +\+0\.000s +--> +SYN +#1 +#1 *$'
expect "points: the server's banner on wan (frame 6), lost wan->lan" '^ +\+0\.[0-9]{3}s +<-- +SSH banner +-- +#6 +lost wan->lan$'
keys G
expect "points: where, in words" 'where: the server.s SSH banner appears on wan \(frame 6\) and never on lan'
save detail-points-100x60
keys q q
expect "points: quit" "^EXIT=1$"

echo "== resize"
start 80 24 -- -r "$SSH/ssh-banner-stall.pcap" --ui
expect "resize: drawn" "^ 17:16:56 FAIL ssh\.banner_stall"
tm resize-window -t sd -x 120 -y 30
expect "120x30: date in the clock" "END OF INPUT  2026-11-22 17:16:56\.487 UTC|END OF INPUT  [0-9]{4}-[0-9]{2}-[0-9]{2} 17:16:56\.487 UTC"
expect "120x30: summary column" "^ time +sev +verdict +flow +summary"
screen
if [ "$(wc -l <"$tmp/screen")" -eq 30 ] && line 30 | grep -q "q quit"; then
	pass "120x30: footer on line 30"
else
	fail "120x30: footer not on line 30"
fi
save verdicts-120x30
tm resize-window -t sd -x 40 -y 12
expect "40x12: still drawn" "^ 17:16:56 FAIL ssh\.banner_stall"
tm resize-window -t sd -x 30 -y 8
expect "30x8: says it is too small" "too small"
tm resize-window -t sd -x 80 -y 24
expect "80x24 again" "^ 17:16:56 FAIL ssh\.banner_stall +tcp 192\.0\.2\.10:58872"

echo "== quit prints the report"
keys q
expect "exit status 1 (a fail verdict)" "^EXIT=1$"
expect_log "text report after the view" "^FAIL ssh\.banner_stall tcp 192\.0\.2\.10:58872 -> 198\.51\.100\.20:22"
restored "quit"

# ---------------------------------------------------------------------------
echo "== several captures: grouping, filter, sort, navigation"
start 80 24 -- -r "$SSH/ssh-banner-stall.pcap" -r "$SSH/ssh-slow-handshake.pcap" -r "$SSH/ssh-ok.pcap" \
	-r "$SSH/ssh-refused.pcap" -r "$SRC/pcaps/ike/ike-esp-blocked.pcap" -r "$SSH/ssh-ipv6-ok.pcap" --ui
expect "all read" "END OF INPUT"
expect "counts" "FAIL 3  WARN 1  INFO [0-9]+  OK 3"
expect "severity sort: a fail first" "^.[0-9:]{8} FAIL "
expect "rows about the same hosts bracketed" "^┌[0-9:]{8} [A-Z]+ +[a-z]+\.[a-z_]+ .*tcp 192\.0\.2\.10:[0-9]+ $ARROW 198\.51\.100\.20:22"
expect "bracket closed" "^└[0-9:]{8} "
expect "ESP verdict with its SPI flow" "FAIL esp\.one_way +esp 192\.0\.2\.1:0 $ARROW 198\.51\.100\.1:0"
expect "IPv6 endpoints (client port left out at 80 columns)" "OK +ssh\.ok +\[2001:db8:1::10\] $ARROW \[2001:db8:2::20\]:22$"
save verdicts-several-80x24
screen
second=$(line 6 | awk '{print $3}')
keys j Enter
expect "j then Enter opens the second row ($second)" "^ [A-Z]+  ${second//./\\.}$"
keys Escape
keys / w a r n Enter
expect "filter 'warn' shown in the header" "filter: warn$"
expect "filter 'warn': the warn row" "WARN ssh\.slow_handshake"
expect_not "filter 'warn': no fail row" "FAIL ssh\.banner_stall"
expect_not "filter 'warn': no ok row" "OK +ssh\.ok"
save filter-warn-80x24
keys / C-u f a i l Space e s p Enter
expect "filter 'fail esp'" "FAIL esp\.one_way"
expect_not "filter 'fail esp': no tcp rows" "tcp 192\.0\.2\.10"
keys / C-u 2 0 0 1 : d b 8 Enter
expect "filter by address text" "ssh\.ok +tcp \[2001:db8:1::10\]"
expect_not "filter by address text: no IPv4 rows" "192\.0\.2\."
keys / C-u - o k Space - i n f o Enter
expect "filter '-ok -info': fails stay" "FAIL ssh\.banner_stall"
expect_not "filter '-ok -info': no ok rows" "^.[0-9:]{8} OK "
expect_not "filter '-ok -info': no info rows" "^.[0-9:]{8} INFO "
keys / C-u u d p Enter
expect "filter 'udp': the IKE SA" "OK +ike\.ok +udp 192\.0\.2\.1:500 $ARROW 198\.51\.100\.1:500"
expect_not "filter 'udp': no ssh" "ssh\."
keys / C-u w a r n + Enter
expect "filter 'warn+': warn rows" "WARN ssh\.slow_handshake"
expect "filter 'warn+': fail rows" "FAIL tcp\.refused"
expect_not "filter 'warn+': no ok" "^.[0-9:]{8} OK "
keys / C-u z z z - n o m a t c h Enter
expect "filter with no match" "no verdict matches the filter"
keys Escape
expect "Esc clears the filter" "FAIL ssh\.banner_stall"
expect_not "filter gone from the header" "filter:"
keys s
expect "s: sort by newest" "sort: newest"
keys s
expect "s again: by severity" "sort: severity"
keys q
expect "quit" "^EXIT=1$"

# ---------------------------------------------------------------------------
echo "== a flood of one kind collapses into one row"
if command -v python3 >/dev/null 2>&1; then
	# gen.py OUT flood: 300 refused connections from 192.0.2.10 and 30 from
	# 192.0.2.11, 50 ms apart; gen.py OUT spread: 400 from 200 clients.
	cat >"$tmp/gen.py" <<'EOF'
import struct, sys
def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
def a4(s):
    return bytes(int(x) for x in s.split('.'))
def frame(src, dst, sport, dport, flags, seq, ack):
    tcp = struct.pack('!HHIIBBHHH', sport, dport, seq, ack, 0x50, flags, 64240, 0, 0)
    pseudo = a4(src) + a4(dst) + struct.pack('!BBH', 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack('!H', csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0, a4(src), a4(dst))
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    return b'\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00' + ip + tcp
out = open(sys.argv[1], 'wb')
out.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
t = 1700000000.0
def put(p):
    global t
    out.write(struct.pack('<IIII', int(t), int(round((t % 1) * 1e6)) % 1000000, len(p), len(p)))
    out.write(p)
spread = sys.argv[2] == 'spread'
for i in range(400 if spread else 300):
    if spread:
        clients = ['192.0.2.%d' % (10 + i % 200)]
    else:
        clients = ['192.0.2.10', '192.0.2.11'] if i % 10 == 0 else ['192.0.2.10']
    for cli in clients:
        put(frame(cli, '198.51.100.20', 40000 + i, 22, 0x02, 1000, 0))
        t += 0.0004
        put(frame('198.51.100.20', cli, 22, 40000 + i, 0x14, 0, 1001))
        t += 0.05
EOF
	python3 "$tmp/gen.py" "$tmp/flood.pcap" flood
	start 80 24 -- -r "$tmp/flood.pcap" --ui
	expect "flood: counts" "FAIL 330  WARN 0"
	expect "flood: one row of 300" "FAIL tcp\.refused ×300 tcp 192\.0\.2\.10:\* $ARROW 198\.51\.100\.20:22"
	expect "flood: one row of 30" "FAIL tcp\.refused ×30 +tcp 192\.0\.2\.11:\* $ARROW 198\.51\.100\.20:22"
	save flood-80x24
	keys Enter
	expect "flood: the row keeps its newest 64" "this row: 300 verdicts; 64 kept, showing #64"
	keys Left Left
	expect "flood: stepping back through the row" "showing #62"
	keys q q
	expect "flood: quit" "^EXIT=1$"
else
	echo "SKIP flood section: python3 is needed to write the capture"
fi

# ---------------------------------------------------------------------------
echo "== a terminal that reads nothing does not hold the capture"
if command -v python3 >/dev/null 2>&1 && [ -f "$tmp/gen.py" ]; then
	python3 "$tmp/gen.py" "$tmp/spread.pcap" spread
	# 400 refusals from 200 clients replayed at their own speed (20 s) into
	# a 200x60 terminal nobody reads for 8 s: the list changes every frame
	# and frames pile up, but the capture thread must
	# never sit in write(2) (it did, from about 3 s, before frames went
	# through the writer thread). Then q stops the replay; read everything
	# and look for the report.
	python3 - "$SD" "$tmp/spread.pcap" >"$tmp/stuck" 2>&1 <<'EOF2'
import fcntl, os, platform, pty, re, struct, subprocess, sys, termios, time
writes = {'x86_64': (1, 20), 'aarch64': (64, 66)}.get(platform.machine())
if writes is None:
    print('SKIP unknown architecture'); sys.exit(0)
m, s = pty.openpty()
fcntl.ioctl(s, termios.TIOCSWINSZ, struct.pack('HHHH', 60, 200, 0, 0))
env = dict(os.environ, TERM='xterm-256color', LANG='C.UTF-8', LC_ALL='C.UTF-8')
p = subprocess.Popen([sys.argv[1], '-r', sys.argv[2], '--ui', '--pace'], stdin=s, stdout=s, stderr=s,
                     env=env, start_new_session=True)
os.close(s)
in_write = run = 0
prev = False
for i in range(32):
    time.sleep(0.25)
    try:
        nr = open('/proc/%d/syscall' % p.pid).read().split()[0]
    except (OSError, IndexError):
        break
    now = nr.isdigit() and int(nr) in writes
    if now and prev:
        run += 1
    in_write += now
    prev = now
print('samples in write: %d, consecutive: %d' % (in_write, run))
os.write(m, b'q')
out = b''
end = time.time() + 30
while time.time() < end:
    try:
        chunk = os.read(m, 65536)
    except OSError:
        break  # EIO: the program ended and its terminal closed
    if not chunk:
        break
    out += chunk
p.wait(timeout=10)
text = out.decode('utf-8', 'replace')
print('exit %d' % p.returncode)
print('report' if re.search(r'spread\.pcap: [0-9]+ packets', text) else 'no report')
EOF2
	if grep -q '^SKIP' "$tmp/stuck"; then
		echo "SKIP stuck terminal: $(cat "$tmp/stuck")"
	else
		if grep -q 'consecutive: 0$' "$tmp/stuck"; then
			pass "stuck terminal: the capture never waited in write ($(head -1 "$tmp/stuck"))"
		else
			fail "stuck terminal: the capture waited on the terminal: $(head -1 "$tmp/stuck")"
		fi
		if grep -q '^exit 1$' "$tmp/stuck" && grep -q '^report$' "$tmp/stuck"; then
			pass "stuck terminal: q stops it, the report follows, exit 1"
		else
			fail "stuck terminal: no clean end: $(tr '\n' ' ' <"$tmp/stuck")"
		fi
	fi
fi

# ---------------------------------------------------------------------------
echo "== monochrome and ASCII terminals"
start 80 24 NO_COLOR=1 -- -r "$SSH/ssh-banner-stall.pcap" --ui
expect "NO_COLOR: drawn" "FAIL ssh\.banner_stall"
tm capture-pane -e -p -t sd >"$tmp/esc"
if grep -qP '\e\[(3|4)[0-7]m' "$tmp/esc"; then
	fail "NO_COLOR: colour escapes on the screen"
else
	pass "NO_COLOR: no colour escapes"
fi
if grep -qP '\e\[1mFAIL' "$tmp/esc" && grep -qP '\e\[(0;)?7m' "$tmp/esc"; then
	pass "NO_COLOR: bold severity, reverse selection"
else
	fail "NO_COLOR: no bold FAIL or no reverse video"
fi
start 80 24 TERM=xterm-mono -- -r "$SSH/ssh-banner-stall.pcap" --ui
expect "xterm-mono: drawn" "FAIL ssh\.banner_stall"
tm capture-pane -e -p -t sd >"$tmp/esc"
if grep -qP '\e\[(3|4)[0-7]m' "$tmp/esc"; then fail "xterm-mono: colour escapes"; else pass "xterm-mono: no colour escapes"; fi
start 80 24 -- -r "$SSH/ssh-banner-stall.pcap" --ui
expect "colour: drawn" "FAIL ssh\.banner_stall"
tm capture-pane -e -p -t sd >"$tmp/esc"
if grep -qP '\e\[31mFAIL' "$tmp/esc"; then pass "colour: FAIL in red"; else fail "colour: FAIL not red"; fi
start 80 24 LANG=C LC_ALL=C -- -r "$SSH/ssh-banner-stall.pcap" --ui
expect "ASCII: arrows" "192\.0\.2\.10:58872 -> 198\.51\.100\.20:22"
keys Enter
expect "ASCII: ladder" '^ +\+0\.000000  \|-+ SYN -+>\|  #1$'
expect "ASCII: ladder back" '^ +\+0\.0000[0-9]{2}  \|<-+ SYN,ACK -+\|  #2$'
save detail-ascii-80x24
keys q q
expect "ASCII: quit" "^EXIT=1$"

# ---------------------------------------------------------------------------
echo "== replay at the capture's speed: a stall grows, pause holds the display"
# the capture's 6 s stretched to 18 s, so that the checks below happen
# before the replay ends even on a busy machine
python3 - "$SSH/ssh-banner-stall.pcap" "$tmp/stall-slow.pcap" <<'EOF'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
assert b[:4] == b"\xd4\xc3\xb2\xa1", "little-endian microsecond pcap expected"
off, t0 = 24, None
while off + 16 <= len(b):
    sec, usec, incl, orig = struct.unpack_from("<IIII", b, off)
    t = sec * 1000000 + usec
    t0 = t if t0 is None else t0
    t = t0 + (t - t0) * 3
    struct.pack_into("<II", b, off, t // 1000000, t % 1000000)
    off += 16 + incl
open(sys.argv[2], "wb").write(b)
EOF
start 80 24 -- -r "$tmp/stall-slow.pcap" --ui --pace
expect "pace: running, flow in the table" "flows 1 now, 1 seen, 0 evicted" 4
expect_not "pace: not finished yet" "END OF INPUT"
keys Tab
expect "pace: the flow, no verdict yet" "^  tcp +192\.0\.2\.10:58872 $ARROW 198\.51\.100\.20:22 .*[0-9]\.[0-9] s"
s1=$(phase_secs 5)
sleep 1.5
screen
s2=$(phase_secs 5)
if [ -n "$s1" ] && [ -n "$s2" ] && awk -v a="$s1" -v b="$s2" 'BEGIN { exit !(b >= a + 1.0) }'; then
	pass "pace: the wait grows ($s1 s -> $s2 s)"
else
	fail "pace: the wait did not grow ($s1 -> $s2)"
fi
save flows-live-80x24
keys p
expect "pause shown" "PAUSED"
sleep 0.3
screen
s3=$(phase_secs 5)
sleep 1.2
screen
s4=$(phase_secs 5)
if [ -n "$s3" ] && [ "$s3" = "$s4" ]; then pass "pause: the list stands still ($s3 s)"; else fail "pause: the list moved ($s3 -> $s4)"; fi
save paused-80x24
keys p
expect "resume: the wait moves again" "^  tcp +192\.0\.2\.10:58872 .* ([2-9]|[1-9][0-9])\.[0-9] s"
expect "pace: the verdict arrives at the end" "END OF INPUT" 20
expect "pace: flow marked fail" "^F tcp +192\.0\.2\.10:58872"
keys Tab
expect "pace: verdict in the list" "FAIL ssh\.banner_stall"
keys q
expect "pace: exit 1" "^EXIT=1$"
restored "pace"

echo "== the default screen shows a stall while it develops"
start 80 24 -- -r "$SSH/ssh-banner-stall.pcap" --ui --pace
expect "developing: the stall on the Verdicts screen" "WAIT developing +SSH: no server banner for [0-9]+\.[0-9] s" 5
expect "developing: no verdict yet" "no verdicts yet"
d1=$(grep -oE 'banner for [0-9]+\.[0-9] s' "$tmp/screen" | grep -oE '[0-9]+\.[0-9]')
sleep 1
screen
d2=$(grep -oE 'banner for [0-9]+\.[0-9] s' "$tmp/screen" | grep -oE '[0-9]+\.[0-9]')
if [ -n "$d1" ] && [ -n "$d2" ] && awk -v a="$d1" -v b="$d2" 'BEGIN { exit !(b > a) }'; then
	pass "developing: the wait grows ($d1 s -> $d2 s)"
elif grep -q "END OF INPUT" "$tmp/screen"; then
	pass "developing: the replay ended first (machine busy), growth not measured"
else
	fail "developing: the wait did not grow ($d1 -> $d2)"
fi
save developing-80x24
expect "developing: the verdict lands" "FAIL ssh\.banner_stall" 10
expect_not "developing: the verdict replaced the developing line" "developing"
keys q
expect "developing: exit 1" "^EXIT=1$"
restored "developing"

echo "== q in the middle of a replay stops the capture"
start 80 24 -- -r "$SSH/ssh-slow-handshake.pcap" --ui --pace
expect "replay started" "flows 1 now" 4
keys q
expect "stopped within 3 s" "^EXIT=[0-9]$" 3
expect_log "report printed" "ssh-slow-handshake\.pcap: [0-9]+ packets"
restored "q mid-replay"

echo "== SIGTERM in the middle of a replay"
start 80 24 -- -r "$SSH/ssh-banner-stall.pcap" --ui --pace
expect "replay started" "flows 1 now" 4
pid=$(pgrep -P "$(tm display -p -t sd '#{pane_pid}')" | head -1)
if [ -n "$pid" ]; then
	kill -TERM "$pid"
	expect "SIGTERM: exits" "^EXIT=[0-9]$" 3
	expect_log "SIGTERM: report printed" "ssh-banner-stall\.pcap: [0-9]+ packets"
	restored "SIGTERM"
else
	fail "SIGTERM: no process found"
fi

# ---------------------------------------------------------------------------
echo "== live capture on a veth pair between two namespaces"
if [ "$(id -u)" = 0 ] && command -v ip >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1 &&
	ip netns add "sdtui-a-$$" 2>/dev/null; then
	NS_A=sdtui-a-$$
	NS_B=sdtui-b-$$
	ip netns add "$NS_B"
	ip link add sdtA netns "$NS_A" type veth peer name sdtB netns "$NS_B"
	ip -n "$NS_A" addr add 192.0.2.10/24 dev sdtA
	ip -n "$NS_B" addr add 192.0.2.20/24 dev sdtB
	for ns in "$NS_A" "$NS_B"; do
		ip -n "$ns" link set lo up
	done
	# no IPv6 (no router or neighbour solicitations): the view must show
	# that it waits for the first packet
	for ns in "$NS_A" "$NS_B"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	done
	ip -n "$NS_A" link set sdtA up
	ip -n "$NS_B" link set sdtB up
	# an SSH port that accepts and never says a word, for 20 s at most
	ip netns exec "$NS_B" timeout 20 python3 -c '
import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("192.0.2.20", 22))
s.listen(4)
c, _ = s.accept()
time.sleep(19)
' &
	LISTENER=$!
	# under load Python can take seconds to start: connect only once it listens
	for ((i = 0; i < 100; i++)); do
		ip netns exec "$NS_B" ss -Hltn 'sport = :22' 2>/dev/null | grep -q 192.0.2.20 && break
		sleep 0.1
	done
	PREFIX="ip netns exec $NS_B" start 80 24 -- -i sdtB --ui
	expect "live: header names the interface" "shakedown │ sdtB │ bpf: none"
	expect "live: waiting for the first packet, said in the header" "^ waiting for packets on sdtB │ drops 0"
	expect "live: and in the empty list" "waiting for packets on sdtB: nothing captured yet"
	expect "live: running" "flows 0 now|flows [0-9]+ now"
	sleep 0.5
	# refused: nothing on 2222; stalled: the silent listener on 22
	ip netns exec "$NS_A" timeout 3 bash -c 'exec 3<>/dev/tcp/192.0.2.20/2222' 2>/dev/null
	ip netns exec "$NS_A" timeout 8 bash -c \
		'exec 3<>/dev/tcp/192.0.2.20/22; printf "SSH-2.0-OpenSSH_9.2p1 tui-test\r\n" >&3; sleep 4' 2>/dev/null &
	client=$!
	expect "live: the refusal appears" "FAIL tcp\.refused +tcp 192\.0\.2\.10:[0-9]+ $ARROW 192\.0\.2\.20:2222" 5
	keys Tab
	expect "live: the stalled SSH flow, waiting 2 s and more" "^  tcp +192\.0\.2\.10:[0-9]+ $ARROW 192\.0\.2\.20:22 .*banner.* [23]\.[0-9] s" 5
	save flows-live-capture-80x24
	wait "$client"
	keys Tab
	expect "live: the banner stall once the client gives up" "FAIL ssh\.banner_stall +tcp 192\.0\.2\.10:[0-9]+ $ARROW 192\.0\.2\.20:22" 8
	expect "live: drops shown as 0" "drops 0 │"
	save verdicts-live-capture-80x24
	keys g
	sel=$(grep -n "ssh\.banner_stall" "$tmp/screen" | head -1 | cut -d: -f1)
	for ((i = 5; i < ${sel:-5}; i++)); do keys j; done
	keys Enter
	expect "live: detail ladder with frame numbers" '│─+ SYN ─+▶│  #[0-9]+$'
	expect "live: client ident on the ladder" '│─+ client ident .*▶│  #[0-9]+$'
	keys Escape q
	expect "live: q stops the capture" "^EXIT=1$" 5
	expect_log "live: report after the view" "^FAIL ssh\.banner_stall tcp 192\.0\.2\.10:[0-9]+ -> 192\.0\.2\.20:22"
	restored "live"
else
	echo "SKIP live section: needs root, ip netns and python3"
fi

echo
if [ "$fails" -eq 0 ]; then
	echo "test-tui: all checks passed"
	exit 0
fi
echo "test-tui: $fails check(s) failed"
exit 1
