#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Real-traffic lab, SSH and TCP half.
#
# Builds network namespaces (prefix sdt-), plays one scenario at a time with
# the real OpenSSH client/server, nftables on a router namespace and small
# python actors (tcpssh-helper.py), and records what crossed the router:
#     OUTDIR/ssh/<scenario>.pcap  OUTDIR/ssh/<scenario>.log
#     OUTDIR/tcp/<scenario>.pcap  OUTDIR/tcp/<scenario>.log
#
# Usage: tests/lab/lab-tcp-ssh.sh [--live SHAKEDOWN_BIN] [OUTDIR [scenario...]]
#        tests/lab/lab-tcp-ssh.sh --list
#   OUTDIR defaults to pcaps (relative to the current directory).
#   --live runs SHAKEDOWN_BIN -i <router iface> --json on the router while each
#   scenario plays and compares the verdict ids it prints (and severities, when
#   it prints them) with the scenario's committed pcaps/<proto>/<name>.expect.
#   Exit 77 = skipped (not root, binary missing).
#
# Topology (all addresses from documentation ranges, no route out):
#
#   sdt-cli  c0 192.0.2.10/24 2001:db8:1::10/64
#      |
#   sdt-r1   r1c 192.0.2.1 / 2001:db8:1::1   <- capture point
#            r1s 198.51.100.1 / 2001:db8:2::1    (nftables forward filter)
#      |
#   sdt-srv  s0 198.51.100.20/24 2001:db8:2::20/64
#
#   points-* scenarios capture at three points at once (--points): the
#   client's c0 (cli.pcap), router 1's r1c (lan.pcap) and r1s (wan.pcap),
#   into OUTDIR/points/<scenario>/.
#
#   asymmetric scenarios add sdt-r2: srv s1 203.0.113.20 -- r2s 203.0.113.2,
#   r2c -- cli c1 (no address on c1, r2 reaches 192.0.2.10 on-link), and the
#   server's route to 192.0.2.0/24 goes through r2, so router 1 sees only the
#   client->server half.

set -u -o pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
HELPER=$HERE/tcpssh-helper.py
PY=/usr/bin/python3

# Each run has its own namespace and temporary link names (the process id),
# so two runs on one machine never touch each other's namespaces.
RUN_TAG=${SD_LAB_TAG:-$$}
NS_CLI=sdt$RUN_TAG-cli NS_R1=sdt$RUN_TAG-r1 NS_R2=sdt$RUN_TAG-r2 NS_SRV=sdt$RUN_TAG-srv
TMP_A=st$RUN_TAG-a TMP_B=st$RUN_TAG-b
CAP_IF=r1c
CLI4=192.0.2.10 R1C4=192.0.2.1 R1S4=198.51.100.1 SRV4=198.51.100.20
R2C4=192.0.2.2 R2S4=203.0.113.2 SRV4B=203.0.113.20
CLI6=2001:db8:1::10 R1C6=2001:db8:1::1 R1S6=2001:db8:2::1 SRV6=2001:db8:2::20

SSH_SCENARIOS="ssh-ok ssh-banner-stall ssh-kex-stall ssh-slow-handshake ssh-refused
ssh-filtered ssh-icmp-reject ssh-maxstartups ssh-no-common-kex ssh-auth-fail
ssh-ipv6-ok ssh-port-2222-ok ssh-path-stall ssh-path-stall-ssh2"
TCP_SCENARIOS="tcp-asym-works tcp-asym-stateful-drop tcp-fin-unacked tcp-half-closed
tcp-http-ok tcp-time-wait-reuse tcp-slow-handshake tcp-reset tcp-trickle-ok tcp-stalled
tcp-zero-window tcp-forged-reset"
POINTS_SCENARIOS="points-ok points-drop-c2s points-drop-s2c points-nat-drop points-beyond"
# Made like the others, but left out of --live runs (the CI lab is near its
# time budget): their committed captures are replayed offline by
# `shakedown --check pcaps/<proto>` like every other capture.
OFFLINE_SCENARIOS="ssh-asym-partial ssh-pre-banner-lines ssh-capture-ended-mid-kex tcp-stalled-acks-lost
tcp-capture-ended tcp-refused-forged tcp-refused-own tcp-refused-synproxy tcp-asym-return-only ssh-forged-reset"

LIVE_BIN=""
WORK=""
PIDS=()          # background jobs started by this script (timeout wrappers)
MY_NS=()         # namespaces created by this script
CAP_PID="" LIVE_PID="" LIVE_ARGS="" LOG="" PCAP="" T_START="" BG_PID="" CAP_COUNT="" CAP_NS=""
PT_DIR="" PT_PIDS=()  # points-* scenarios: their directory and tcpdumps
PT_LIVE_WANT=""       # --live points scenario: the place its losses must name
T_DONE=""        # when the last client attempt ended (it gave up or finished)
LIVE_TIMING_FAILED=0
SCENARIO_SKIPPED=0
LIVE_LIMIT=1.0   # seconds a live verdict may come after the client is done

# Copies shakedown's live output through and writes each line, stamped with
# the wall clock it arrived at, to the file named by its argument; it
# ignores SIGINT so that it reads on to the end of shakedown's output.
STAMPER='import signal, sys, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
out = open(sys.argv[1], "w")
for line in sys.stdin:
    sys.stdout.write(line)
    sys.stdout.flush()
    out.write("%.6f %s" % (time.time(), line))
    out.flush()'

# The node ssh2 client: one connection with readyTimeout; prints how it ended.
SSH2_TRY='const { Client } = require("ssh2");
const fs = require("fs");
const [host, port, key, ready] = process.argv.slice(2);
const t0 = Date.now();
const say = (m) => console.log(`[${((Date.now() - t0) / 1000).toFixed(3)} s] ${m}`);
const c = new Client();
c.on("ready", () => { say("ready"); c.end(); });
c.on("error", (e) => say(`error: ${e.message}`));
c.on("close", () => { say("closed"); process.exit(0); });
c.connect({ host, port: Number(port), username: "root", privateKey: fs.readFileSync(key),
            readyTimeout: Number(ready) });'
SSH2_DIR=${SD_LAB_SSH2:-}  # a directory holding node_modules/ssh2 (else npm installs it)

# ---------------------------------------------------------------- plumbing

die() { echo "lab-tcp-ssh: $*" >&2; exit 1; }

now() { date +%s.%N; }

# since T0: seconds elapsed since the timestamp T0 (from now)
since() { awk -v a="$(now)" -v b="$1" 'BEGIN { printf "%.3f", a - b }'; }

# note TEXT: timestamped line (seconds since the scenario started) in the log
note() {
    printf '[%7.3f] %s\n' "$(since "$T_START")" "$*" >>"$LOG"
}

# section TITLE FILE: copy FILE into the log under a header
section() {
    { echo "---- $1"; cat "$2" 2>/dev/null; echo; } >>"$LOG"
}

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# bg NS SECONDS CMD...: run CMD in NS in the background, bounded, remembered
bg() {
    local ns=$1 secs=$2; shift 2
    ip netns exec "$ns" timeout -k 2 "$secs" "$@" &
    PIDS+=("$!")
    BG_PID=$!
}

stop_pid() {
    local pid=$1 sig=${2:-TERM}
    [ -n "$pid" ] || return 0
    kill -s "$sig" "$pid" 2>/dev/null
    timeout 5 tail --pid="$pid" -f /dev/null 2>/dev/null
    kill -s KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}

# wait_port NS PORT [SECONDS]: until something listens on TCP PORT in NS
wait_port() {
    local ns=$1 port=$2 tries=$(( ${3:-5} * 10 ))
    while [ "$tries" -gt 0 ]; do
        in_ns "$ns" ss -Hltn "sport = :$port" 2>/dev/null | grep -q . && return 0
        sleep 0.1; tries=$((tries - 1))
    done
    note "nothing listens on port $port in $ns"
    return 1
}

# wait_for_text FILE TEXT [SECONDS]
wait_for_text() {
    local tries=$(( ${3:-5} * 10 ))
    while [ "$tries" -gt 0 ]; do
        grep -q -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.1; tries=$((tries - 1))
    done
    return 1
}

install_missing() {
    local pkgs=() want
    for want in /usr/sbin/sshd:openssh-server /usr/bin/ssh:openssh-client \
                /usr/sbin/nft:nftables /usr/bin/tcpdump:tcpdump /usr/bin/tshark:tshark \
                /usr/sbin/ip:iproute2 /usr/sbin/ethtool:ethtool \
                "$PY":python3; do
        [ -x "${want%%:*}" ] || pkgs+=("${want##*:}")
    done
    [ "${#pkgs[@]}" -eq 0 ] && return 0
    echo "lab-tcp-ssh: installing ${pkgs[*]}" >&2
    DEBIAN_FRONTEND=noninteractive timeout 600 apt-get -o DPkg::Lock::Timeout=300 install -y "${pkgs[@]}" >&2 \
        || die "apt-get install ${pkgs[*]} failed"
}

# -------------------------------------------------------------- topology

ns_add() {
    ip netns add "$1" || die "cannot create namespace $1"
    MY_NS+=("$1")
    in_ns "$1" ip link set lo up
    in_ns "$1" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
        net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
        net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0 \
        net.ipv6.conf.default.router_solicitations=0
}

# link NS1 IF1 NS2 IF2: veth pair between two namespaces, offloads off so
# that the capture shows wire-sized segments with real checksums
link() {
    ip link add "$TMP_A" type veth peer name "$TMP_B" || die "veth failed"
    ip link set "$TMP_A" netns "$1" name "$2"
    ip link set "$TMP_B" netns "$3" name "$4"
    local pair
    for pair in "$1:$2" "$3:$4"; do
        in_ns "${pair%%:*}" ethtool -K "${pair##*:}" tso off gso off gro off tx off rx off \
            >/dev/null 2>&1
        in_ns "${pair%%:*}" ip link set "${pair##*:}" up
    done
}

topo_up() {
    local asym=${1:-}
    ns_add "$NS_CLI"; ns_add "$NS_R1"; ns_add "$NS_SRV"
    link "$NS_CLI" c0 "$NS_R1" r1c
    link "$NS_R1" r1s "$NS_SRV" s0
    in_ns "$NS_R1" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
    in_ns "$NS_CLI" ip addr add "$CLI4/24" dev c0
    in_ns "$NS_CLI" ip addr add "$CLI6/64" dev c0 nodad
    in_ns "$NS_R1" ip addr add "$R1C4/24" dev r1c
    in_ns "$NS_R1" ip addr add "$R1C6/64" dev r1c nodad
    in_ns "$NS_R1" ip addr add "$R1S4/24" dev r1s
    in_ns "$NS_R1" ip addr add "$R1S6/64" dev r1s nodad
    in_ns "$NS_SRV" ip addr add "$SRV4/24" dev s0
    in_ns "$NS_SRV" ip addr add "$SRV6/64" dev s0 nodad
    in_ns "$NS_CLI" ip route add 198.51.100.0/24 via "$R1C4"
    in_ns "$NS_CLI" ip -6 route add 2001:db8:2::/64 via "$R1C6"
    in_ns "$NS_SRV" ip route add 192.0.2.0/24 via "$R1S4"
    in_ns "$NS_SRV" ip -6 route add 2001:db8:1::/64 via "$R1S6"
    if [ "$asym" = asym ]; then
        ns_add "$NS_R2"
        link "$NS_CLI" c1 "$NS_R2" r2c
        link "$NS_R2" r2s "$NS_SRV" s1
        in_ns "$NS_R2" sysctl -qw net.ipv4.ip_forward=1
        in_ns "$NS_R2" ip addr add "$R2C4/32" dev r2c
        in_ns "$NS_R2" ip addr add "$R2S4/24" dev r2s
        in_ns "$NS_R2" ip route add "$CLI4/32" dev r2c
        in_ns "$NS_R2" ip route add 198.51.100.0/24 via "$SRV4B"
        in_ns "$NS_SRV" ip addr add "$SRV4B/24" dev s1
        in_ns "$NS_SRV" ip route replace 192.0.2.0/24 via "$R2S4" dev s1
    fi
    # resolve neighbours before capturing so the first SYN is not delayed
    in_ns "$NS_CLI" ping -c1 -W1 "$R1C4" >/dev/null 2>&1
    in_ns "$NS_SRV" ping -c1 -W1 "$R1S4" >/dev/null 2>&1
    [ "$asym" = asym ] && in_ns "$NS_SRV" ping -c1 -W1 "$R2S4" >/dev/null 2>&1
    return 0
}

# kill what runs inside our namespaces (only processes this script started
# live there), then remove the namespaces
topo_down() {
    local ns pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for ns in "${MY_NS[@]}"; do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -TERM "$pid" 2>/dev/null; done
    done
    sleep 0.3
    for ns in "${MY_NS[@]}"; do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
    done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
    for ns in "${MY_NS[@]}"; do ip netns del "$ns" 2>/dev/null; done
    # a veth pair caught between creation and its move into the namespaces
    ip link del "$TMP_A" 2>/dev/null
    PIDS=() MY_NS=() CAP_PID="" LIVE_PID=""
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    topo_down
    [ -n "$WORK" ] && rm -rf "$WORK"
    exit "$rc"
}

# nft_load RULES [TABLES]: a forward filter on router 1 (rules one per line, given
# without the table/chain wrapper); the ruleset goes into the log
nft_load() {
    {
        echo "table inet sdt_lab {"
        echo "  chain forward {"
        echo "    type filter hook forward priority 0; policy accept;"
        printf '%s\n' "$1" | sed 's/^/    /'
        echo "  }"
        echo "}"
        [ -n "${2:-}" ] && printf '%s\n' "$2"
    } >"$WORK/rules.nft"
    in_ns "$NS_R1" timeout 10 nft -f "$WORK/rules.nft" || die "nft rejected the rules"
    note "router 1 nftables ruleset loaded (listing with counters at the end)"
}

nft_report() {
    in_ns "$NS_R1" timeout 10 nft list ruleset >"$WORK/ruleset.txt" 2>&1
    [ -s "$WORK/ruleset.txt" ] && section "nft list ruleset (router 1, after the scenario)" \
        "$WORK/ruleset.txt"
    return 0
}

# ---------------------------------------------------------------- capture

# capture_start FILTER: tcpdump (and shakedown in --live mode, with the
# arguments of the .expect's "# args:" line) on the router's client-side
# interface
capture_start() {
    : >"$WORK/tcpdump.err"
    bg "${CAP_NS:-$NS_R1}" 120 tcpdump -i "$CAP_IF" --immediate-mode -U -Z root ${CAP_COUNT:+-c "$CAP_COUNT"} \
        -w "$PCAP" "$1" 2>"$WORK/tcpdump.err"
    CAP_PID=$BG_PID
    wait_for_text "$WORK/tcpdump.err" "listening on" 5 || die "tcpdump did not start"
    note "tcpdump -i $CAP_IF filter: $1"
    [ -n "$LIVE_BIN" ] && live_start "-i $CAP_IF" "$LIVE_ARGS"
    return 0
}

# live_start INPUT ARGS: SHAKEDOWN_BIN INPUT --json ARGS on router 1 (words
# split on purpose), each output line stamped as it arrives
live_start() {
    : >"$WORK/live.times"
    # shellcheck disable=SC2016 # expanded by the inner shell
    bg "$NS_R1" 120 sh -c '"$0" $1 --json $2 | "$3" -u -c "$4" "$5"' \
        "$LIVE_BIN" "$1" "$2" "$PY" "$STAMPER" "$WORK/live.times" \
        >"$WORK/live.json" 2>"$WORK/live.err"
    LIVE_PID=$BG_PID
    sleep 1
    note "live: $LIVE_BIN $1 --json $2"
}

live_stop() {
    [ -n "$LIVE_PID" ] || return 0
    stop_pid "$LIVE_PID" INT
    LIVE_PID=""
    wait_for_text "$WORK/live.json" '"type":"summary"' 5 || note "live: no summary line"
}

capture_stop() {
    sleep "${1:-1}"
    note "stopping the capture"
    stop_pid "$CAP_PID" INT
    CAP_PID=""
    live_stop
    grep -E 'packets (captured|received|dropped)' "$WORK/tcpdump.err" >>"$LOG"
}

# ------------------------------------------------------------------- ssh

ssh_prepare() {
    mkdir -p "$WORK/ssh" /run/sshd
    chmod 0755 /run/sshd
    ssh-keygen -q -t ed25519 -N '' -C sdt-lab-host -f "$WORK/ssh/host_ed25519" || die keygen
    ssh-keygen -q -t ed25519 -N '' -C sdt-lab-good -f "$WORK/ssh/good" || die keygen
    ssh-keygen -q -t ed25519 -N '' -C sdt-lab-wrong -f "$WORK/ssh/wrong" || die keygen
    cp "$WORK/ssh/good.pub" "$WORK/ssh/authorized_keys"
}

# sshd_start ADDR PORT [EXTRA CONFIG LINE...]: our own sshd in the server
# namespace.  Extra lines come first because sshd keeps the first value.
sshd_start() {
    local addr=$1 port=$2; shift 2
    {
        [ "$#" -gt 0 ] && printf '%s\n' "$@"
        cat <<EOF
ListenAddress $addr
Port $port
HostKey $WORK/ssh/host_ed25519
PidFile none
AuthorizedKeysFile $WORK/ssh/authorized_keys
StrictModes no
UsePAM no
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
LoginGraceTime 60
LogLevel VERBOSE
EOF
    } >"$WORK/sshd.conf"
    section "sshd config" "$WORK/sshd.conf"
    : >"$WORK/sshd.log"
    bg "$NS_SRV" 90 /usr/sbin/sshd -D -e -f "$WORK/sshd.conf" 2>"$WORK/sshd.log"
    wait_port "$NS_SRV" "$port" 5
}

# ssh_try WALL TARGET PORT KEY [ssh options...]: one ssh -vvv attempt from
# the client namespace, bounded by WALL seconds; its output goes to the log
ssh_try() {
    local wall=$1 target=$2 port=$3 key=$4; shift 4
    local t0 rc
    note "ssh to $target port $port (key $(basename "$key"), wall clock limit ${wall}s) $*"
    t0=$(now)
    in_ns "$NS_CLI" timeout -k 2 "$wall" ssh -vvv -F /dev/null -i "$key" \
        -o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes \
        -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
        -o ConnectionAttempts=1 -p "$port" "$@" "root@$target" true \
        >"$WORK/ssh.out" 2>&1
    rc=$?
    T_DONE=$(now)
    note "ssh exit status $rc after $(since "$t0") s" \
        "$([ "$rc" = 124 ] && echo '(killed by timeout)')"
    section "ssh -vvv client output" "$WORK/ssh.out"
    return 0
}

sshd_report() {
    sleep 0.5
    section "sshd -D -e log" "$WORK/sshd.log"
}

# helper_bg NS SECONDS NAME ARGS...: run a tcpssh-helper actor, output kept
helper_bg() {
    local ns=$1 secs=$2 name=$3; shift 3
    bg "$ns" "$secs" "$PY" -u "$HELPER" "$@" >"$WORK/$name.out" 2>&1
}

helper_report() { section "$1 ($2)" "$WORK/$1.out"; }

SSH_FILTER4="tcp port 22 and host $SRV4"
OK_OPTS=(-o ConnectTimeout=10)

# live_timing ID CAUSE: with --live, the first verdict ID must have been
# printed at most LIVE_LIMIT seconds after the client was done (T_DONE;
# earlier is fine), with details.stall_cause CAUSE ("" = not checked); no
# verdict worse than ID's severity may appear. The numbers go to the log.
live_timing() {
    [ -n "$LIVE_BIN" ] || return 0
    "$PY" - "$WORK/live.times" "$1" "$2" "$T_DONE" "$LIVE_LIMIT" >>"$LOG" 2>&1 <<'EOF'
import json, sys
path, vid, cause, done, limit = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
rank = {"ok": 0, "info": 1, "warn": 2, "fail": 3}
first, worst = None, None
for line in open(path, errors="replace"):
    stamp, _, text = line.partition(" ")
    try:
        rec = json.loads(text)
    except ValueError:
        continue
    if rec.get("type") != "verdict":
        continue
    if rec.get("id") == vid and first is None:
        first = (float(stamp), rec)
    elif worst is None or rank.get(rec.get("severity"), 0) > rank.get(worst.get("severity"), 0):
        worst = rec
if first is None:
    print("live timing: %s never printed" % vid)
    sys.exit(1)
t, rec = first
delay = t - done
print("live timing: %s printed %.3f s %s the client was done (limit %.1f s after)" %
      (vid, abs(delay), "after" if delay >= 0 else "before", limit))
print("live timing: summary: %s" % rec.get("summary"))
ok = delay <= limit
got = rec.get("details", {}).get("stall_cause", "")
if cause and got != cause:
    print("live timing: stall_cause %r, want %r" % (got, cause))
    ok = False
if worst is not None and rank.get(worst.get("severity"), 0) > rank.get(rec.get("severity"), 0):
    print("live timing: also printed %s %s" % (worst.get("severity"), worst.get("id")))
    ok = False
sys.exit(0 if ok else 1)
EOF
    local rc=$?
    echo "lab-tcp-ssh: live timing of $1: $(grep '^live timing: [a-z._]* printed' "$LOG" | tail -n 1 | cut -d' ' -f4-)" >&2
    [ "$rc" = 0 ] || LIVE_TIMING_FAILED=1
    return 0
}

sc_ssh_ok() {
    sshd_start "$SRV4" 22
    capture_start "$SSH_FILTER4"
    ssh_try 20 "$SRV4" 22 "$WORK/ssh/good" "${OK_OPTS[@]}"
    capture_stop 1
    sshd_report
    live_timing ssh.ok ""
}

# The server's packets are dropped after the TCP handshake (replies lost
# on the way back, or a firewall without state for them): the client's
# identification is re-sent and never acknowledged, and the client gives
# up at its timeout without a FIN (Linux holds it behind the data).
PATH_DROP="ip saddr $SRV4 tcp sport 22 tcp flags & syn == 0 counter drop"
sc_ssh_path_stall() {
    sshd_start "$SRV4" 22
    nft_load "$PATH_DROP"
    note "router 1 drops every server->client packet after the SYN-ACK"
    capture_start "$SSH_FILTER4"
    ssh_try 15 "$SRV4" 22 "$WORK/ssh/good" -o ConnectTimeout=5
    capture_stop 2
    nft_report
    sshd_report
    live_timing ssh.banner_stall path_or_state
}

ssh2_prepare() {
    [ -n "$SSH2_DIR" ] && [ -d "$SSH2_DIR/node_modules/ssh2" ] && return 0
    command -v node >/dev/null && command -v npm >/dev/null || { note "node or npm missing"; return 1; }
    SSH2_DIR=$WORK/npm
    mkdir -p "$SSH2_DIR"
    note "npm install ssh2 into $SSH2_DIR"
    (cd "$SSH2_DIR" && timeout 300 npm install --no-audit --no-fund --ignore-scripts --omit=optional ssh2) \
        >>"$LOG" 2>&1 || { note "npm install ssh2 failed"; return 1; }
}

# The same drop, with node's ssh2 as the client (readyTimeout 5 s: the
# "Timed out while waiting for handshake" of inspection agents).
sc_ssh_path_stall_ssh2() {
    if ! ssh2_prepare; then
        SCENARIO_SKIPPED=1 # no ssh2 without the npm registry: not a failure of shakedown
        return 0
    fi
    printf '%s\n' "$SSH2_TRY" >"$WORK/ssh2-try.js"
    sshd_start "$SRV4" 22
    nft_load "$PATH_DROP"
    note "router 1 drops every server->client packet after the SYN-ACK"
    capture_start "$SSH_FILTER4"
    note "node ssh2 to $SRV4 port 22, readyTimeout 5000 ms"
    in_ns "$NS_CLI" env NODE_PATH="$SSH2_DIR/node_modules" timeout -k 2 20 node "$WORK/ssh2-try.js" \
        "$SRV4" 22 "$WORK/ssh/good" 5000 >"$WORK/ssh2.out" 2>&1
    local rc=$?
    T_DONE=$(now)
    note "node exit status $rc"
    section "node ssh2 output" "$WORK/ssh2.out"
    capture_stop 2
    nft_report
    sshd_report
    live_timing ssh.banner_stall path_or_state
}

sc_ssh_banner_stall() {
    note "server side: a listener on $SRV4:22 that accepts and never sends a byte"
    helper_bg "$NS_SRV" 40 silent silent "$SRV4" 22 30
    wait_port "$NS_SRV" 22
    capture_start "$SSH_FILTER4"
    # ConnectTimeout also bounds the wait for the server identification
    ssh_try 20 "$SRV4" 22 "$WORK/ssh/good" -o ConnectTimeout=6
    capture_stop 2
    helper_report silent "tcpssh-helper.py silent on the server"
    live_timing ssh.banner_stall server
}

KEX_CUT=1400
sc_ssh_kex_stall() {
    sshd_start "$SRV4" 22
    nft_load "ip saddr $SRV4 tcp sport 22 meta length > $KEX_CUT counter drop"
    note "router 1 drops server->client packets longer than $KEX_CUT bytes (MTU black hole)"
    capture_start "$SSH_FILTER4"
    ssh_try 8 "$SRV4" 22 "$WORK/ssh/good" -o ConnectTimeout=10
    capture_stop 1
    nft_report
    sshd_report
}

SLOW_DELAY=6
sc_ssh_slow_handshake() {
    sshd_start 127.0.0.1 2022
    note "server side: relay $SRV4:22 -> 127.0.0.1:2022 holding the server's first bytes ${SLOW_DELAY}s"
    helper_bg "$NS_SRV" 40 relay relay "$SRV4" 22 127.0.0.1 2022 "$SLOW_DELAY" 30
    wait_port "$NS_SRV" 22
    capture_start "$SSH_FILTER4"
    ssh_try 25 "$SRV4" 22 "$WORK/ssh/good" -o ConnectTimeout=15
    capture_stop 1
    helper_report relay "tcpssh-helper.py relay on the server"
    sshd_report
}

sc_ssh_refused() {
    note "nothing listens on $SRV4:22"
    capture_start "$SSH_FILTER4"
    ssh_try 10 "$SRV4" 22 "$WORK/ssh/good" -o ConnectTimeout=5
    capture_stop 1
}

sc_ssh_filtered() {
    sshd_start "$SRV4" 22
    nft_load "ip daddr $SRV4 tcp dport 22 counter drop"
    capture_start "$SSH_FILTER4"
    ssh_try 15 "$SRV4" 22 "$WORK/ssh/good" -o ConnectTimeout=7
    capture_stop 1
    nft_report
    sshd_report
}

sc_ssh_icmp_reject() {
    sshd_start "$SRV4" 22
    nft_load "ip daddr $SRV4 tcp dport 22 counter reject with icmp type admin-prohibited"
    capture_start "($SSH_FILTER4) or (icmp and host $CLI4)"
    ssh_try 10 "$SRV4" 22 "$WORK/ssh/good" -o ConnectTimeout=5
    capture_stop 1
    nft_report
    sshd_report
}

sc_ssh_maxstartups() {
    sshd_start "$SRV4" 22 "MaxStartups 1:100:1"
    # the holder sits on router 1's server side, so its connection never
    # crosses the capture interface (nor a live shakedown run there)
    note "holding one unauthenticated connection open from $R1S4 (not on the capture interface)"
    helper_bg "$NS_R1" 40 hold hold "$R1S4" "$SRV4" 22 25
    wait_for_text "$WORK/hold.out" "server said" 5 || note "the holding connection got no banner"
    capture_start "$SSH_FILTER4 and host $CLI4"
    ssh_try 10 "$SRV4" 22 "$WORK/ssh/good" -o ConnectTimeout=6
    capture_stop 1
    helper_report hold "tcpssh-helper.py hold from $R1S4"
    sshd_report
}

sc_ssh_no_common_kex() {
    sshd_start "$SRV4" 22 "KexAlgorithms curve25519-sha256"
    capture_start "$SSH_FILTER4"
    ssh_try 15 "$SRV4" 22 "$WORK/ssh/good" "${OK_OPTS[@]}" \
        -o KexAlgorithms=diffie-hellman-group14-sha256
    capture_stop 1
    sshd_report
}

sc_ssh_auth_fail() {
    # one failed attempt is enough for sshd to disconnect: the server closes
    sshd_start "$SRV4" 22 "MaxAuthTries 1"
    note "client offers a key that is not in authorized_keys"
    capture_start "$SSH_FILTER4"
    ssh_try 15 "$SRV4" 22 "$WORK/ssh/wrong" "${OK_OPTS[@]}"
    capture_stop 1
    sshd_report
}

sc_ssh_ipv6_ok() {
    sshd_start "$SRV6" 22
    capture_start "ip6 and tcp port 22 and host $SRV6"
    ssh_try 20 "$SRV6" 22 "$WORK/ssh/good" "${OK_OPTS[@]}"
    capture_stop 1
    sshd_report
}

sc_ssh_port_2222_ok() {
    sshd_start "$SRV4" 2222
    capture_start "tcp port 2222 and host $SRV4"
    ssh_try 20 "$SRV4" 2222 "$WORK/ssh/good" "${OK_OPTS[@]}"
    capture_stop 1
    sshd_report
}

# ------------------------------------------------------------------- tcp

HTTP_FILTER4="tcp port 80 and host $SRV4"

# serve MODE COUNT LIFE: the HTTP-like server on $SRV4:80
serve() {
    helper_bg "$NS_SRV" "$(( $3 + 5 ))" server serve "$SRV4" 80 "$1" "$2" "$3"
    wait_port "$NS_SRV" 80
}

# fetch NAME SPORT MODE WAIT: one client exchange, in the foreground
fetch() {
    note "client: fetch from $CLI4:$2 mode $3 (waits at most ${4}s for the answer)"
    in_ns "$NS_CLI" timeout -k 2 "$(( $4 + 10 ))" "$PY" -u "$HELPER" fetch "$CLI4" "$2" \
        "$SRV4" 80 "$3" "$4" >"$WORK/$1.out" 2>&1
    note "client exit status $?"
    helper_report "$1" "tcpssh-helper.py fetch on the client"
}

sc_tcp_http_ok() {
    serve close 1 20
    capture_start "$HTTP_FILTER4"
    fetch client 0 normal 5
    capture_stop 1
    helper_report server "tcpssh-helper.py serve on the server"
}

sc_tcp_slow_handshake() {
    note "router 1 drops the client's first SYN only (an nft quota of 100 bytes)"
    serve close 1 20
    nft_load "ip daddr $SRV4 tcp dport 80 tcp flags & (syn | ack) == syn quota until 100 bytes counter drop"
    capture_start "$HTTP_FILTER4"
    fetch client 0 normal 8
    capture_stop 1
    nft_report
    helper_report server "tcpssh-helper.py serve on the server"
}

sc_tcp_reset() {
    note "server answers, then aborts the connection (SO_LINGER 0: RST instead of FIN)"
    serve abort 1 20
    capture_start "$HTTP_FILTER4"
    fetch client 0 normal 5
    capture_stop 1
    helper_report server "tcpssh-helper.py serve on the server"
}

sc_tcp_asym_works() {
    note "server replies to 192.0.2.0/24 through router 2; router 1 forwards statelessly"
    serve close 1 20
    capture_start "$HTTP_FILTER4"
    fetch client 0 normal 5
    capture_stop 1
    helper_report server "tcpssh-helper.py serve on the server"
}

sc_tcp_asym_stateful_drop() {
    note "server replies through router 2; router 1 keeps state and drops what it did not see open"
    nft_load "ct state established,related counter accept
ct state new tcp flags syn counter accept
counter drop"
    serve close 1 30
    capture_start "$HTTP_FILTER4"
    fetch client 0 normal 8
    capture_stop 2
    nft_report
    helper_report server "tcpssh-helper.py serve on the server"
}

sc_tcp_fin_unacked() {
    nft_load "ip saddr $CLI4 tcp dport 80 tcp flags & fin == fin counter drop"
    note "router 1 drops every client->server segment carrying FIN"
    serve close 1 30
    capture_start "$HTTP_FILTER4"
    fetch client 0 normal 5
    note "letting the client retransmit its FIN for 8 s"
    capture_stop 8
    nft_report
    helper_report server "tcpssh-helper.py serve on the server"
}

sc_tcp_half_closed() {
    # The capture must itself show the time the server sat in CLOSE_WAIT:
    # a capture file does not record how long it ran after its last packet.
    note "server answers but keeps its socket open for 8 s before closing"
    serve hold 1 8
    capture_start "$HTTP_FILTER4"
    helper_bg "$NS_CLI" 30 client fetch "$CLI4" 0 "$SRV4" 80 shutwr 20
    wait_for_text "$WORK/client.out" "received\|shut our write" 5
    note "client sent its request and shut its write side; waiting 10 s"
    capture_stop 10
    helper_report client "tcpssh-helper.py fetch on the client (cut by the end of the scenario)"
    helper_report server "tcpssh-helper.py serve on the server (cut by the end of the scenario)"
}

sc_tcp_time_wait_reuse() {
    note "the server closes first (it holds TIME_WAIT); the client reuses port 40000 2 s later"
    serve close 2 30
    capture_start "$HTTP_FILTER4"
    fetch client1 40000 normal 5
    sleep 2
    fetch client2 40000 normal 5
    capture_stop 1
    helper_report server "tcpssh-helper.py serve on the server"
}

# --------------------------------------------------------------- points

PT_NAMES="cli lan wan"

# points_start FILTER: tcpdump at three points at once, started together:
# the client's own interface (cli), router 1's client side (lan) and its
# server side (wan)
points_start() {
    local spec ns ifc name
    PT_PIDS=()
    for spec in "$NS_CLI:c0:cli" "$NS_R1:r1c:lan" "$NS_R1:r1s:wan"; do
        IFS=: read -r ns ifc name <<<"$spec"
        : >"$WORK/tcpdump-$name.err"
        bg "$ns" 120 tcpdump -i "$ifc" --immediate-mode -U -Z root -w "$PT_DIR/$name.pcap" "$1" \
            2>"$WORK/tcpdump-$name.err"
        PT_PIDS+=("$BG_PID")
    done
    for name in $PT_NAMES; do
        wait_for_text "$WORK/tcpdump-$name.err" "listening on" 5 || die "tcpdump ($name) did not start"
    done
    note "tcpdump at cli (c0), lan (r1c) and wan (r1s), filter: $1"
    # --live: shakedown on router 1 watches both of its interfaces at once
    [ -n "$LIVE_BIN" ] && live_start "--points -i lan=r1c -i wan=r1s" "$1"
    return 0
}

points_stop() {
    local pid name
    sleep "${1:-1}"
    note "stopping the three captures"
    for pid in "${PT_PIDS[@]}"; do stop_pid "$pid" INT; done
    PT_PIDS=()
    live_stop
    for name in $PT_NAMES; do
        echo "$name: $(grep -E 'packets captured' "$WORK/tcpdump-$name.err")" >>"$LOG"
    done
}

# Each scenario lets a handshake cross router 1: the TTL step it shows
# between lan and wan is how shakedown knows where the firewall is.
PT_FILTER="tcp port 22"
PT_SSH_OPTS=(-o ConnectTimeout=6)

sc_points_ok() {
    sshd_start "$SRV4" 22
    points_start "$PT_FILTER"
    ssh_try 20 "$SRV4" 22 "$WORK/ssh/good" "${OK_OPTS[@]}"
    points_stop 1
    sshd_report
}

# points_ssh_blocked NOTE [RULES [TABLES]]: an ssh attempt through router 1
# loaded with RULES (nft_load), captured at the three points
points_ssh_blocked() {
    sshd_start "$SRV4" 22
    [ "$#" -gt 1 ] && nft_load "$2" "${3:-}"
    note "$1"
    points_start "$PT_FILTER"
    ssh_try 8 "$SRV4" 22 "$WORK/ssh/good" "${PT_SSH_OPTS[@]}"
    points_stop 1
    nft_report
    sshd_report
}

sc_points_drop_c2s() {
    points_ssh_blocked "router 1 drops the client's segments that carry data (its banner, its KEXINIT): lan->wan" \
        "ip saddr $CLI4 tcp dport 22 meta length > 80 counter drop"
}

sc_points_drop_s2c() {
    PT_LIVE_WANT="inside wan->lan"
    points_ssh_blocked "router 1 drops the server's segments that carry data (its banner first): wan->lan" \
        "ip saddr $SRV4 tcp sport 22 meta length > 80 counter drop"
}

sc_points_nat_drop() {
    # the filter at postrouting priority 200 runs after the source NAT
    # (100): it sees the translated address
    points_ssh_blocked "router 1 masquerades lan->wan as $R1S4 and, after the NAT, drops the client's data segments" \
        "" "table ip sdt_nat {
  chain post {
    type nat hook postrouting priority srcnat; policy accept;
    oifname \"r1s\" counter masquerade
  }
}
table ip sdt_after_nat {
  chain post {
    type filter hook postrouting priority 200; policy accept;
    ip saddr $R1S4 tcp dport 22 meta length > 80 counter drop
  }
}"
}

sc_points_beyond() {
    sshd_start "$SRV4" 22
    printf '%s\n' "table inet sdt_srv {" "  chain input {" \
        "    type filter hook input priority 0; policy accept;" "    tcp dport 22 counter drop" "  }" "}" \
        >"$WORK/srv.nft"
    in_ns "$NS_SRV" timeout 10 nft -f "$WORK/srv.nft" || die "nft rejected the server's rules"
    note "the server's own nftables drops every SYN to port 22 (router 1 passes everything)"
    points_start "$PT_FILTER"
    ssh_try 10 "$SRV4" 22 "$WORK/ssh/good" "${PT_SSH_OPTS[@]}"
    points_stop 1
    in_ns "$NS_SRV" timeout 10 nft list ruleset >"$WORK/srv-ruleset.txt" 2>&1
    section "nft list ruleset (server, after the scenario)" "$WORK/srv-ruleset.txt"
    sshd_report
}

# nft_add RULE: one more rule at the head of router 1's forward chain
# (before the accept rules), mid-scenario
nft_add() {
    # shellcheck disable=SC2086 # the rule is words on purpose
    in_ns "$NS_R1" timeout 10 nft insert rule inet sdt_lab forward $1 || die "nft rejected: $1"
    note "router 1: nft insert rule inet sdt_lab forward $1"
}

sc_tcp_trickle_ok() {
    note "control: the client sends a line every 0.5 s for 4 s, then closes; nothing interferes"
    nft_load "counter accept"
    serve drain 1 20
    capture_start "$HTTP_FILTER4"
    fetch client 0 trickle 4
    capture_stop 1
    nft_report
    helper_report server "tcpssh-helper.py serve on the server"
}

sc_tcp_stalled() {
    note "the client sends a line every 0.5 s; after 2 s router 1 starts dropping client->server"
    note "packets (as a firewall does once it lost the connection's state)"
    nft_load "counter accept"
    serve drain 1 30
    capture_start "$HTTP_FILTER4"
    helper_bg "$NS_CLI" 30 client fetch "$CLI4" 0 "$SRV4" 80 trickle 12
    wait_for_text "$WORK/client.out" "connected" 10
    sleep 1
    nft_add "ip saddr $CLI4 tcp dport 80 counter drop"
    note "letting the client retransmit for 10 s"
    capture_stop 10
    nft_report
    helper_report client "tcpssh-helper.py fetch on the client (cut by the end of the scenario)"
    helper_report server "tcpssh-helper.py serve on the server (cut by the end of the scenario)"
}

sc_tcp_zero_window() {
    note "the server accepts but never reads (4 KiB receive buffer); the client sends 4 MiB"
    serve noread 1 20
    capture_start "$HTTP_FILTER4"
    fetch client 0 flood 8
    capture_stop 1
    helper_report server "tcpssh-helper.py serve on the server"
}

sc_tcp_forged_reset() {
    note "the client sends a line every 0.5 s; after 2 s router 1 answers its next segment with"
    note "a reset in the server's name (nft reject with tcp reset)"
    nft_load "counter accept"
    serve drain 1 20
    capture_start "$HTTP_FILTER4"
    helper_bg "$NS_CLI" 20 client fetch "$CLI4" 0 "$SRV4" 80 trickle 6
    wait_for_text "$WORK/client.out" "connected" 10
    sleep 2
    nft_add "ip saddr $CLI4 tcp dport 80 tcp flags & (syn | rst) == 0 counter reject with tcp reset"
    capture_stop 3
    nft_report
    helper_report client "tcpssh-helper.py fetch on the client"
    helper_report server "tcpssh-helper.py serve on the server (cut by the end of the scenario)"
}

# ------------------------------------------------- far side (issue 11)

sc_ssh_asym_partial() {
    note "replies go through router 2, except the server's SYN-ACK and its identification line:"
    note "the server routes packets it marks (nft route hook) through router 1 (ip rule fwmark 1)"
    in_ns "$NS_SRV" ip rule add fwmark 1 lookup 100
    in_ns "$NS_SRV" ip route add 192.0.2.0/24 via "$R1S4" dev s0 table 100
    printf '%s\n' "table ip sdt_srv {" "  chain out {" \
        "    type route hook output priority 0; policy accept;" \
        "    tcp sport 22 tcp flags & (syn | ack) == (syn | ack) counter meta mark set 1" \
        "    tcp sport 22 @ih,0,32 0x5353482d counter meta mark set 1" "  }" "}" >"$WORK/srv.nft"
    in_ns "$NS_SRV" timeout 10 nft -f "$WORK/srv.nft" || die "nft rejected the server's rules"
    sshd_start "$SRV4" 22
    capture_start "$SSH_FILTER4"
    ssh_try 20 "$SRV4" 22 "$WORK/ssh/good" "${OK_OPTS[@]}"
    capture_stop 1
    in_ns "$NS_SRV" timeout 10 nft list ruleset >"$WORK/srv-ruleset.txt" 2>&1
    section "nft list ruleset (server, after the scenario)" "$WORK/srv-ruleset.txt"
    sshd_report
}

sc_ssh_pre_banner_lines() {
    sshd_start 127.0.0.1 2022
    note "server side: relay $SRV4:22 -> 127.0.0.1:2022 that sends two text lines before the server's"
    note "identification (RFC 4253 4.2 allows them; TCP wrappers and login notices do this)"
    helper_bg "$NS_SRV" 30 relay relay "$SRV4" 22 127.0.0.1 2022 0 20 \
        'Welcome to the lab\nAuthorised use only\n'
    wait_port "$NS_SRV" 22
    capture_start "$SSH_FILTER4"
    ssh_try 20 "$SRV4" 22 "$WORK/ssh/good" "${OK_OPTS[@]}"
    capture_stop 1
    helper_report relay "tcpssh-helper.py relay on the server"
    sshd_report
}

sc_ssh_capture_ended_mid_kex() {
    note "a working ssh session, but tcpdump stops by itself after 13 packets (-c 13): the"
    note "capture ends right after the client's key exchange init, before the server's reply"
    sshd_start "$SRV4" 22
    CAP_COUNT=13
    capture_start "$SSH_FILTER4"
    ssh_try 20 "$SRV4" 22 "$WORK/ssh/good" "${OK_OPTS[@]}"
    capture_stop 1
    sshd_report
}

sc_ssh_forged_reset() {
    note "a working ssh session that runs 'sleep 6' with a keepalive every second; after 3 s"
    note "router 1 answers the client's next segment with a reset in the server's name"
    nft_load "counter accept"
    sshd_start "$SRV4" 22
    capture_start "$SSH_FILTER4"
    ( sleep 3; nft_add "ip saddr $CLI4 tcp dport 22 tcp flags & (syn | rst) == 0 counter reject with tcp reset" ) &
    local adder=$!
    in_ns "$NS_CLI" timeout -k 2 15 ssh -vvv -F /dev/null -i "$WORK/ssh/good" \
        -o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes \
        -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=10 \
        -o ServerAliveInterval=1 "root@$SRV4" sleep 6 >"$WORK/ssh.out" 2>&1
    note "ssh exit status $?"
    wait "$adder"
    section "ssh -vvv client output" "$WORK/ssh.out"
    capture_stop 1
    nft_report
    sshd_report
}

sc_tcp_stalled_acks_lost() {
    CAP_IF=r1s
    note "captured on router 1's SERVER side (r1s); the client sends a line every 0.5 s; after 1 s"
    note "router 1 drops server->client packets: the server's ACKs pass the capture point, then vanish"
    nft_load "counter accept"
    serve drain 1 20
    capture_start "$HTTP_FILTER4"
    helper_bg "$NS_CLI" 20 client fetch "$CLI4" 0 "$SRV4" 80 trickle 8
    wait_for_text "$WORK/client.out" "connected" 10
    sleep 1
    nft_add "ip saddr $SRV4 tcp sport 80 counter drop"
    note "letting the client retransmit for 5 s"
    capture_stop 5
    nft_report
    helper_report client "tcpssh-helper.py fetch on the client (cut by the end of the scenario)"
    helper_report server "tcpssh-helper.py serve on the server (cut by the end of the scenario)"
}

sc_tcp_asym_return_only() {
    CAP_NS=$NS_R2 CAP_IF=r2c
    note "tcp-asym-works seen from the other router: captured on router 2's client side (r2c),"
    note "which carries only the server's replies"
    serve close 1 20
    capture_start "$HTTP_FILTER4"
    fetch client 0 normal 5
    capture_stop 1
    helper_report server "tcpssh-helper.py serve on the server"
}

sc_tcp_capture_ended() {
    note "router 1 drops what the client sends to port 80; the capture stops 0.4 s after the client's first SYN"
    nft_load "ip daddr $SRV4 tcp dport 80 counter drop"
    capture_start "$HTTP_FILTER4"
    helper_bg "$NS_CLI" 10 client fetch "$CLI4" 0 "$SRV4" 80 normal 1
    # the first SYN is in the file once it grows past the 24-byte header
    local tries=50
    while [ "$(stat -c %s "$PCAP" 2>/dev/null || echo 0)" -le 24 ] && [ "$tries" -gt 0 ]; do
        sleep 0.05; tries=$((tries - 1))
    done
    note "the SYN is in the capture"
    capture_stop 0.4
    nft_report
    helper_report client "tcpssh-helper.py fetch on the client (cut by the end of the scenario)"
}

# refused_after_ok NOTE [RULE [TABLES]]: a fetch on port 80 that works, then
# a connection to port 22 where nothing listens, with router 1's RULE added
# between the two (and its TABLES loaded from the start)
refused_after_ok() {
    note "$1"
    nft_load "counter accept" "${3:-}"
    serve close 1 20
    capture_start "host $SRV4 and (tcp port 80 or tcp port 22)"
    fetch client 0 normal 5
    [ -n "${2:-}" ] && nft_add "$2"
    note "client: connect to $SRV4 port 22"
    in_ns "$NS_CLI" timeout -k 2 10 "$PY" -u "$HELPER" fetch "$CLI4" 0 "$SRV4" 22 normal 1 \
        >"$WORK/client22.out" 2>&1
    capture_stop 1
    nft_report
    helper_report client "tcpssh-helper.py fetch on the client (port 80)"
    helper_report client22 "tcpssh-helper.py fetch on the client (port 22)"
    helper_report server "tcpssh-helper.py serve on the server"
}

sc_tcp_refused_forged() {
    refused_after_ok "port 80 works; then router 1 answers SYNs to port 22 with a reset in the server's name" \
        "ip daddr $SRV4 tcp dport 22 counter reject with tcp reset"
}

sc_tcp_refused_synproxy() {
    in_ns "$NS_R1" sysctl -qw net.ipv4.tcp_syncookies=2 net.netfilter.nf_conntrack_tcp_loose=0
    refused_after_ok "control: router 1 answers port 80's handshake itself (nftables synproxy: its own
SYN-ACK, TTL 64); nothing listens on port 22, the server's own stack resets (TTL 63)" "" \
        "table ip sdt_syn {
  chain pre {
    type filter hook prerouting priority raw; policy accept;
    ip daddr $SRV4 tcp dport 80 tcp flags syn counter notrack
  }
  chain forward {
    type filter hook forward priority filter; policy accept;
    ip daddr $SRV4 tcp dport 80 ct state invalid,untracked counter synproxy mss 1460 wscale 7 timestamp sack-perm
    ct state invalid counter drop
  }
}"
}

sc_tcp_refused_own() {
    refused_after_ok "control: port 80 works; nothing listens on port 22, the server's own stack resets"
}

# ------------------------------------------------------------------ runner

summarise_capture() {
    local f=${1:-$PCAP}
    timeout 30 tshark -r "$f" -T fields -E separator=' ' -e frame.number \
        -e frame.time_relative -e ip.src -e ipv6.src -e tcp.srcport -e ip.dst -e ipv6.dst \
        -e tcp.dstport -e tcp.flags.str -e tcp.len -e icmp.type -e icmp.code \
        >"$WORK/summary.txt" 2>/dev/null
    section "tshark summary of $(basename "$f") (frame, time, src, sport, dst, dport, flags, tcp.len, icmp)" \
        "$WORK/summary.txt"
    wc -l <"$WORK/summary.txt"
}

# live_check NAME PROTO: the verdicts SHAKEDOWN_BIN printed live must be
# those it gives offline on this run's own capture ($PCAP, same arguments):
# real traffic differs from run to run (which of two racing packets comes
# first), so a fresh run is compared with itself, not with the committed
# capture's .expect (that comparison is logged as a note). A live socket may
# see a few packets out of time order that tcpdump's file has in order:
# capture.time_disorder (info) is left out on both sides.
#
# A points-* scenario ran live on router 1's two interfaces (--points -i
# lan=r1c -i wan=r1s): it is compared with --points -r on this run's lan and
# wan captures, verdict by verdict with where each says the packet was lost,
# and the verdicts with a loss must name PT_LIVE_WANT ("PLACE FROM->TO").
live_check() {
    local exp="$REPO/pcaps/$2/$1.expect"
    section "live: $LIVE_BIN stderr" "$WORK/live.err"
    if [ "$2" = points ]; then
        # shellcheck disable=SC2086 # the filter is words on purpose
        "$LIVE_BIN" --json --points -r "lan=$PT_DIR/lan.pcap" -r "wan=$PT_DIR/wan.pcap" $PT_FILTER \
            >"$WORK/offline.json" 2>>"$WORK/live.err"
        exp="$REPO/pcaps/points/$1/lan.expect"
    else
        # shellcheck disable=SC2086 # the arguments are words on purpose
        "$LIVE_BIN" --json -r "$PCAP" $LIVE_ARGS >"$WORK/offline.json" 2>>"$WORK/live.err"
    fi
    PT_LIVE_WANT=${PT_LIVE_WANT:-} "$PY" - "$WORK/live.json" "$WORK/offline.json" "$exp" >>"$LOG" 2>&1 <<'EOF'
import json, os, sys
def verdicts(path):
    got = set()
    for line in open(path, errors="replace"):
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if rec.get("type") == "verdict" and rec.get("id") != "capture.time_disorder":
            pt = rec.get("points")
            where = "" if pt is None else " %s %s" % (pt["place"], pt["direction"] or "-")
            got.add((rec.get("severity", "?"), rec["id"] + where))
    return got
got, want = verdicts(sys.argv[1]), verdicts(sys.argv[2])
place = os.environ.get("PT_LIVE_WANT")
for line in open(sys.argv[1], errors="replace"):
    if '"points"' in line and line.startswith("{"):
        rec = json.loads(line)
        if rec.get("type") == "verdict" and rec.get("points"):
            print("live: points: %s: %s" % (rec["id"], rec["points"]["conclusion"]))
if place:
    lost = [v for s, v in got if len(v.split()) == 3 and v.split()[1] != "none"]
    print("live: points: verdicts with a place", lost, "want", place)
    if not lost or any(not v.endswith(" " + place) for v in lost):
        sys.exit(1)
print("live: offline on this capture", " ".join(sorted(s + " " + v for s, v in want)))
print("live: printed live           ", " ".join(sorted(s + " " + v for s, v in got)))
if os.path.exists(sys.argv[3]):
    committed = set()
    for line in open(sys.argv[3]):
        words = line.split()
        if len(words) >= 2 and not words[0].startswith("#"):
            committed.add((words[0], words[1]))
    print("live: note: the committed capture's .expect has", " ".join(sorted(s + " " + v for s, v in committed)))
sys.exit(0 if got == want and got else 1)
EOF
}

# expect_args NAME PROTO: the "# args:" line of the committed .expect
expect_args() {
    sed -n 's/^# *args: *//p' "$REPO/pcaps/$2/$1.expect" 2>/dev/null | head -n 1
}

run_scenario() {
    local name=$1 proto=${1%%-*} fn="sc_${1//-/_}" asym="" rc=0 frames
    declare -F "$fn" >/dev/null || { echo "unknown scenario $name" >&2; return 2; }
    mkdir -p "$OUTDIR/$proto"
    PCAP="$OUTDIR/$proto/$name.pcap" LOG="$OUTDIR/$proto/$name.log"
    if [ "$proto" = points ]; then
        PT_DIR="$OUTDIR/points/$name"
        mkdir -p "$PT_DIR"
        rm -f "$PT_DIR"/*.pcap
        PCAP="$PT_DIR/cli.pcap" LOG="$PT_DIR/$name.log"
    fi
    rm -f "$PCAP"
    T_START=$(now)
    {
        echo "# $name: made by tests/lab/lab-tcp-ssh.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ)"
        echo "# $(uname -sr); $(ssh -V 2>&1); $(tcpdump --version 2>&1 | head -n 1)"
    } >"$LOG"
    case $name in *-asym-*) asym=asym ;; esac
    CAP_IF=r1c CAP_COUNT="" CAP_NS=""
    topo_up "$asym"
    note "topology up${asym:+ (asymmetric: replies via router 2)}"
    LIVE_ARGS=""
    [ -n "$LIVE_BIN" ] && LIVE_ARGS=$(expect_args "$name" "$proto")
    LIVE_TIMING_FAILED=0 SCENARIO_SKIPPED=0 PT_LIVE_WANT=""
    "$fn"
    topo_down
    if [ "$SCENARIO_SKIPPED" = 1 ]; then
        echo "lab-tcp-ssh: $name: skipped (see $LOG)" >&2
        return 0
    fi
    frames=$(summarise_capture)
    if [ "$proto" = points ]; then
        summarise_capture "$PT_DIR/lan.pcap" >/dev/null
        summarise_capture "$PT_DIR/wan.pcap" >/dev/null
    fi
    echo "lab-tcp-ssh: $name: $frames frames -> $PCAP" >&2
    [ "$frames" -gt 0 ] 2>/dev/null || rc=1
    if [ -n "$LIVE_BIN" ] && [ "$rc" = 0 ]; then
        if [ "$LIVE_TIMING_FAILED" != 0 ]; then
            echo "lab-tcp-ssh: $name: live verdict too late or wrong (see $LOG)" >&2
            rc=1
        elif live_check "$name" "$proto"; then
            echo "lab-tcp-ssh: $name: live verdicts match" >&2
        else
            echo "lab-tcp-ssh: $name: live verdicts DIFFER (see $LOG)" >&2
            rc=1
        fi
    fi
    return "$rc"
}

main() {
    if [ "${1:-}" = "--list" ]; then
        echo $SSH_SCENARIOS $TCP_SCENARIOS $POINTS_SCENARIOS $OFFLINE_SCENARIOS | tr ' ' '\n'
        exit 0
    fi
    if [ "${1:-}" = "--live" ]; then
        LIVE_BIN=${2:-}
        shift 2 || true
        [ "$(id -u)" = 0 ] || { echo "lab-tcp-ssh: --live needs root, skipping" >&2; exit 77; }
        [ -n "$LIVE_BIN" ] && [ -x "$LIVE_BIN" ] \
            || { echo "lab-tcp-ssh: no shakedown binary '$LIVE_BIN', skipping" >&2; exit 77; }
        LIVE_BIN=$(cd "$(dirname "$LIVE_BIN")" && pwd)/$(basename "$LIVE_BIN")
    fi
    [ "$(id -u)" = 0 ] || die "must run as root (network namespaces)"
    OUTDIR=${1:-pcaps}
    shift || true
    local list=("$@") name failed=()
    # the points-* scenarios capture at three points; --live watches one
    # interface, or router 1's two at once (--points) in points-drop-s2c
    local all="$SSH_SCENARIOS $TCP_SCENARIOS"
    if [ -n "$LIVE_BIN" ]; then all="$all points-drop-s2c"; else all="$all $POINTS_SCENARIOS $OFFLINE_SCENARIOS"; fi
    [ "${#list[@]}" -gt 0 ] || read -r -a list <<<"$(echo $all)"
    # SD_LAB_SHARD=K/N (tests/scripts/lab-shards.sh): every N-th scenario
    # from the K-th (0-based), so that N runs side by side share the list
    if [ -n "${SD_LAB_SHARD:-}" ]; then
        local k=${SD_LAB_SHARD%/*} n=${SD_LAB_SHARD#*/} i mine=()
        for ((i = k; i < ${#list[@]}; i += n)); do mine+=("${list[i]}"); done
        list=("${mine[@]}")
    fi
    if ip netns list | grep -qE "^($NS_CLI|$NS_R1|$NS_R2|$NS_SRV)( |\$)"; then
        die "namespaces $NS_CLI... already exist; not touching them"
    fi
    install_missing
    mkdir -p "$OUTDIR" || die "cannot create $OUTDIR"
    OUTDIR=$(cd "$OUTDIR" && pwd)
    WORK=$(mktemp -d /tmp/sdt-lab.XXXXXX)
    trap cleanup EXIT
    trap 'exit 130' INT TERM
    ssh_prepare
    for name in "${list[@]}"; do
        run_scenario "$name" || failed+=("$name")
    done
    if [ "${#failed[@]}" -gt 0 ]; then
        echo "lab-tcp-ssh: failed: ${failed[*]}" >&2
        exit 1
    fi
    echo "lab-tcp-ssh: all ${#list[@]} scenario(s) done" >&2
}

main "$@"
