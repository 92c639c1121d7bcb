#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# lab-ipsec.sh: play IPsec (IKE/ESP) scenarios between two strongSwan
# gateways in network namespaces and record what the firewall in the middle
# sees on the wire.
#
#   tests/lab/lab-ipsec.sh [--live SHAKEDOWN_BIN] [OUTDIR] [scenario...]
#
# Root only. For each scenario writes OUTDIR/ike/<scenario>.pcap (captured on
# the router interface that faces gateway A, the initiator; the two IP
# fragment scenarios capture on the B side instead) and
# OUTDIR/ike/<scenario>.log (swanctl output and the charon log of both
# gateways). OUTDIR defaults to "pcaps", the scenario list to all scenarios.
# With --live, SHAKEDOWN_BIN -i <capture iface> --json runs in the router namespace while
# each scenario plays; the verdict ids it prints are compared with the stored
# pcaps/ike/<scenario>.expect of this checkout (captures then go to a
# temporary OUTDIR unless one is given); the live-only scenarios
# (LIVE_SCENARIOS) then also time the verdict: each line shakedown prints
# is stamped with the wall clock it arrived at. Exit 77 means "skipped"
# (not root, or the binary is missing).
#
# Topology (documentation addresses only, no route leaves the lab):
#
#  [sdi-a] a0 192.0.2.1/26 --- ra 192.0.2.2/26 [sdi-r] rb 198.51.100.2/26 --- b0 198.51.100.1/26 [sdi-b]
#          lo 192.0.2.129/32       nftables, tcpdump on ra                        lo 198.51.100.129/32
#          protects 192.0.2.128/25                                                protects 198.51.100.128/25
#
# The NAT scenario moves gateway A to 203.0.113.1/26 (router side
# 203.0.113.2) and the router masquerades it behind 198.51.100.2.
#
# strongSwan runs with the kernel-libipsec plugin (ESP in userland over a TUN
# device) because this kernel has no XFRM ESP. That plugin only does
# ESP-in-UDP, so ESP always travels as UDP 4500 datagrams here and IKE moves
# to port 4500 after IKE_SA_INIT even without a NAT.
set -Eeuo pipefail

# Namespace names carry the process id: two runs never share a namespace.
RUN_TAG=${SD_LAB_TAG:-$$}
NS_A=sdi$RUN_TAG-a
NS_R=sdi$RUN_TAG-r
NS_B=sdi$RUN_TAG-b
CAP_IF=ra

ALL_SCENARIOS=(
	ike-ok ike-udp500-blocked ike-natt-4500-blocked ike-no-proposal
	ike-dh-mismatch ike-dh-retry-ok ike-dh-unsupported-loop ike-psk-mismatch ike-ts-mismatch
	ikev1-main-ok ikev1-no-proposal ike-dpd-timeout ike-esp-blocked
	ike-port-unreachable ike-version-mismatch ike-rekey-timeout
	ike-ip-frag-lost ike-ikefrag-ok ikev1-psk-mismatch ikev1-ts-mismatch
	ike-dpd-responses-lost ike-rekey-responses-lost ike-auth-responses-lost
	ike-natt-4500-blocked-responder ike-esp-one-way-stop ike-rekey-pfs-mismatch
	ike-rekey-ok ike-dpd-ok ikev1-aggressive-ok ikev1-aggressive-psk-mismatch
	ike-no-proposal-recovered
)
# Made like the others, but left out of --live runs (the CI lab is near its
# time budget): their committed captures are replayed offline by
# `shakedown --check pcaps/ike` like every other capture.
OFFLINE_SCENARIOS=(
	ikev1-aggressive-dh-mismatch
)
# Played only with --live (no committed capture): how fast a verdict streams
# out, measured against the wall clock.
LIVE_SCENARIOS=(ike-no-response-live-timing)
LIVE_LIMIT=2.0 # seconds a live verdict may come after the initiator's last copy

WORK=""
LIVE_BIN=""
LIVE_TMP_OUT=""
# the stored expectations that live runs are compared with
EXPECT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/pcaps/ike
OUTDIR=pcaps
declare -a BG_PIDS=()

log() { printf '[lab-ipsec] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---------------------------------------------------------------- cleanup

stop_pid() {
	local pid=$1 sig=${2:-TERM} i
	kill -0 "$pid" 2>/dev/null || return 0
	kill -s "$sig" "$pid" 2>/dev/null || true
	for i in $(seq 1 30); do
		kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
		sleep 0.1
	done
	kill -s KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

lab_down() {
	local pid ns
	for pid in "${BG_PIDS[@]}"; do
		stop_pid "$pid"
	done
	BG_PIDS=()
	for ns in "$NS_A" "$NS_R" "$NS_B"; do
		if ip netns list | grep -qw "^$ns"; then
			# anything still running inside (it should not) goes too
			for pid in $(ip netns pids "$ns" 2>/dev/null); do
				kill -s KILL "$pid" 2>/dev/null || true
			done
			ip netns delete "$ns" 2>/dev/null || true
		fi
	done
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM ERR
	lab_down
	if [[ -n "$WORK" && -d "$WORK" && -z "${SDI_KEEP_WORK:-}" ]]; then
		rm -rf "$WORK"
	fi
	if [[ -n "$LIVE_TMP_OUT" && $rc -eq 0 ]]; then
		rm -rf "$LIVE_TMP_OUT"
	fi
	exit "$rc"
}

# ---------------------------------------------------------------- setup

ensure_tools() {
	local need=() pkg
	command -v nft >/dev/null || need+=(nftables)
	command -v tcpdump >/dev/null || need+=(tcpdump)
	command -v ip >/dev/null || need+=(iproute2)
	command -v tshark >/dev/null || need+=(tshark)
	command -v ping >/dev/null || need+=(iputils-ping)
	command -v ethtool >/dev/null || need+=(ethtool)
	command -v pki >/dev/null || need+=(strongswan-pki)
	command -v swanctl >/dev/null || need+=(strongswan-swanctl)
	[[ -x /usr/lib/ipsec/charon ]] || need+=(strongswan-charon)
	[[ -e /usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so ]] ||
		need+=(libcharon-extra-plugins)
	[[ -e /usr/lib/ipsec/plugins/libstrongswan-openssl.so ]] ||
		need+=(libstrongswan-standard-plugins)
	if ((${#need[@]})); then
		log "installing: ${need[*]}"
		DEBIAN_FRONTEND=noninteractive timeout 600 apt-get -o DPkg::Lock::Timeout=300 install -y "${need[@]}" >&2 ||
			die "apt-get install ${need[*]} failed"
	fi
	for pkg in nft tcpdump ip tshark swanctl ping ethtool pki; do
		command -v "$pkg" >/dev/null || die "$pkg still missing"
	done
	[[ -e /dev/net/tun ]] || die "/dev/net/tun missing (kernel-libipsec needs TUN)"
}

nsx() { local ns=$1; shift; timeout 30 ip netns exec "$ns" "$@"; }

# bounded SECS OUTFILE CMD...: run CMD with a time limit, output to OUTFILE.
# It runs in the background and is waited for, so that a SIGINT/SIGTERM to
# this script is handled at once instead of after CMD returns.
bounded() {
	local secs=$1 outfile=$2 rc=0
	shift 2
	timeout "$secs" "$@" >"$outfile" 2>&1 &
	wait $! || rc=$?
	return "$rc"
}

# Scenario parameters; every scenario starts from these and overrides some.
reset_params() {
	A_ADDR=192.0.2.1 A_PEER=192.0.2.2 A_NET=192.0.2.0/26
	B_ADDR=198.51.100.1 B_PEER=198.51.100.2 B_NET=198.51.100.0/26
	A_INNER=192.0.2.129 B_INNER=198.51.100.129
	NAT=0
	CAP_IF=ra
	AUTH=psk
	FRAGMENTATION=yes
	A_VERSION=2 B_VERSION=2
	B_CHARON=1
	A_CHILD_REKEY=0 A_CHILD_LIFE=60s
	AGGRESSIVE=no
	A_PROPOSALS=aes128-sha256-ecp256 B_PROPOSALS=aes128-sha256-ecp256
	A_ESP=aes128-sha256 B_ESP=aes128-sha256
	A_PSK=lab-secret-7f3a91 B_PSK=lab-secret-7f3a91
	A_LTS=192.0.2.128/25 A_RTS=198.51.100.128/25
	B_LTS=198.51.100.128/25 B_RTS=192.0.2.128/25
	A_DPD=0s
	# crypto plugins per gateway (openssl brings every cipher, hash and DH
	# group used here; kdf derives keys from the PRF since strongSwan 5.9.8)
	A_CRYPTO="openssl kdf" B_CRYPTO="openssl kdf"
	RETRY_TRIES=4 RETRY_TIMEOUT=1.0 RETRY_BASE=1.5
}

lab_up() {
	local ns
	lab_down
	for ns in "$NS_A" "$NS_R" "$NS_B"; do
		ip netns add "$ns"
		nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
		nsx "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
		nsx "$ns" ip link set lo up
	done
	# veth pairs are created inside the namespaces, never in the root one
	ip -n "$NS_A" link add a0 type veth peer name ra netns "$NS_R"
	ip -n "$NS_B" link add b0 type veth peer name rb netns "$NS_R"

	if ((NAT)); then
		A_ADDR=203.0.113.1 A_PEER=203.0.113.2 A_NET=203.0.113.0/26
	fi
	ip -n "$NS_A" addr add "$A_ADDR/26" dev a0
	ip -n "$NS_R" addr add "$A_PEER/26" dev ra
	ip -n "$NS_R" addr add "$B_PEER/26" dev rb
	ip -n "$NS_B" addr add "$B_ADDR/26" dev b0
	ip -n "$NS_A" addr add "$A_INNER/32" dev lo
	ip -n "$NS_B" addr add "$B_INNER/32" dev lo
	# veth hands packets over with checksums left to an offload that never
	# happens, so a capture would show bad UDP checksums: compute them in
	# software instead
	nsx "$NS_A" ethtool -K a0 tx off gso off tso off >/dev/null
	nsx "$NS_B" ethtool -K b0 tx off gso off tso off >/dev/null
	nsx "$NS_R" ethtool -K ra tx off gso off tso off >/dev/null
	nsx "$NS_R" ethtool -K rb tx off gso off tso off >/dev/null
	ip -n "$NS_A" link set a0 up
	ip -n "$NS_B" link set b0 up
	ip -n "$NS_R" link set ra up
	ip -n "$NS_R" link set rb up
	# only the peer's outer network is routed; the protected networks are
	# reachable through the tunnel alone
	ip -n "$NS_A" route add 198.51.100.0/26 via "$A_PEER"
	if ((!NAT)); then
		ip -n "$NS_B" route add "$A_NET" via "$B_PEER"
	fi
	nsx "$NS_R" sysctl -qw net.ipv4.ip_forward=1

	nsx "$NS_R" nft -f - <<-NFT
	table inet sdi_fw {
		chain forward {
			type filter hook forward priority 0; policy accept;
		}
	}
	NFT
	if ((NAT)); then
		nsx "$NS_R" nft -f - <<-NFT
		table ip sdi_nat {
			chain postrouting {
				type nat hook postrouting priority 100; policy accept;
				oifname "rb" ip saddr $A_NET masquerade
			}
		}
		NFT
	fi
}

# fw_rule RULE...: add one rule to the router's forward chain
fw_rule() {
	nsx "$NS_R" nft add rule inet sdi_fw forward "$@"
	note "router nft: add rule inet sdi_fw forward $*"
}

# ---------------------------------------------------------------- charon

# write_gw NODE: strongswan.conf + swanctl.conf for gateway a or b
write_gw() {
	local node=$1 dir=$WORK/$1
	local me peer_id my_id proposals esp psk lts rts dpd remote_addrs local_addr crypto
	local version child_rekey=0 child_life=0 auth_local auth_remote
	mkdir -p "$dir"
	if [[ $node == a ]]; then
		local_addr=$A_ADDR remote_addrs=$B_ADDR my_id=gw-a.example peer_id=gw-b.example
		proposals=$A_PROPOSALS esp=$A_ESP psk=$A_PSK lts=$A_LTS rts=$A_RTS dpd=$A_DPD
		crypto=$A_CRYPTO version=$A_VERSION child_rekey=$A_CHILD_REKEY
		if [[ $child_rekey != 0 ]]; then child_life=$A_CHILD_LIFE; fi
	else
		local_addr=$B_ADDR remote_addrs=%any my_id=gw-b.example peer_id=gw-a.example
		proposals=$B_PROPOSALS esp=$B_ESP psk=$B_PSK lts=$B_LTS rts=$B_RTS dpd=0s
		crypto=$B_CRYPTO version=$B_VERSION
	fi
	me=$node
	if [[ $AUTH == cert ]]; then
		make_cert "$node" "$my_id"
		auth_local="auth = pubkey
				certs = $node.crt"
		auth_remote="auth = pubkey"
	else
		auth_local="auth = psk" auth_remote="auth = psk"
	fi
	cat >"$dir/strongswan.conf" <<-EOF
	# gateway $me, generated by lab-ipsec.sh
	charon {
		load = random nonce $crypto pem pkcs1 pkcs8 x509 pubkey constraints kernel-libipsec kernel-netlink socket-default vici
		retransmit_tries = $RETRY_TRIES
		retransmit_timeout = $RETRY_TIMEOUT
		retransmit_base = $RETRY_BASE
		# a responder refuses IKEv1 aggressive mode with a PSK unless told
		i_dont_care_about_security_and_use_aggressive_mode_psk = $AGGRESSIVE
		half_open_timeout = 20
		filelog {
			lab {
				path = $dir/charon.log
				time_format = %H:%M:%S
				ike_name = yes
				flush_line = yes
				default = 1
				enc = 1
				net = 1
				knl = 0
				lib = 0
				job = 0
				mgr = 0
				esp = 0
			}
		}
		syslog {
		}
		plugins {
			vici {
				socket = unix://$dir/charon.vici
			}
		}
	}
	swanctl {
		load = random nonce openssl pem pkcs1 x509 pubkey
	}
	EOF
	cat >"$dir/swanctl.conf" <<-EOF
	connections {
		lab {
			version = $version
			local_addrs = $local_addr
			remote_addrs = $remote_addrs
			proposals = $proposals
			aggressive = $AGGRESSIVE
			dpd_delay = $dpd
			rekey_time = 0
			fragmentation = $FRAGMENTATION
			local {
				$auth_local
				id = $my_id
			}
			remote {
				$auth_remote
				id = $peer_id
			}
			children {
				net {
					local_ts = $lts
					remote_ts = $rts
					esp_proposals = $esp
					rekey_time = $child_rekey
					life_time = $child_life
					rand_time = 0
					dpd_action = clear
					start_action = none
				}
			}
		}
	}
	secrets {
		ike-lab {
			id-a = gw-a.example
			id-b = gw-b.example
			secret = "$psk"
		}
	}
	EOF
}

# make_cert NODE ID: RSA key and certificate for gateway NODE, issued by a
# throw-away lab CA (made once per run), put where swanctl looks for them
make_cert() {
	local node=$1 id=$2 dir=$WORK/$1 ca=$WORK/ca
	# pki with only the plugins it needs, and its chatter in a file
	export STRONGSWAN_CONF=$ca/pki.conf
	mkdir -p "$ca"
	echo 'pki { load = random openssl pem pkcs1 pkcs8 x509 pubkey }' >"$ca/pki.conf"
	exec 3>&2 2>>"$ca/pki.err"
	if [[ ! -f $ca/ca.crt ]]; then
		timeout 120 pki --gen --type rsa --size 3072 --outform pem >"$ca/ca.key"
		timeout 60 pki --self --ca --lifetime 30 --in "$ca/ca.key" \
			--dn "C=ZZ, O=shakedown lab, CN=sdi lab CA" --outform pem >"$ca/ca.crt"
	fi
	mkdir -p "$dir/x509" "$dir/x509ca" "$dir/private"
	cp "$ca/ca.crt" "$dir/x509ca/ca.crt"
	if [[ ! -f $ca/$node.key ]]; then
		timeout 120 pki --gen --type rsa --size 3072 --outform pem >"$ca/$node.key"
		timeout 60 pki --pub --in "$ca/$node.key" |
			timeout 60 pki --issue --cacert "$ca/ca.crt" --cakey "$ca/ca.key" --lifetime 30 \
				--dn "C=ZZ, O=shakedown lab, CN=$id" --san "$id" --outform pem >"$ca/$node.crt"
	fi
	exec 2>&3 3>&-
	unset STRONGSWAN_CONF
	cp "$ca/$node.key" "$dir/private/$node.key"
	cp "$ca/$node.crt" "$dir/x509/$node.crt"
}

# start_gw NODE NS: start charon in NS with a private /run, load its config
start_gw() {
	local node=$1 ns=$2 dir=$WORK/$1 i
	write_gw "$node"
	: >"$dir/charon.log"
	timeout 300 ip netns exec "$ns" unshare -m sh -c \
		"mount -t tmpfs tmpfs /run && exec env STRONGSWAN_CONF=$dir/strongswan.conf /usr/lib/ipsec/charon" \
		>"$dir/charon.out" 2>&1 &
	BG_PIDS+=($!)
	for i in $(seq 1 100); do
		[[ -S $dir/charon.vici ]] && break
		sleep 0.1
	done
	[[ -S $dir/charon.vici ]] || { cat "$dir/charon.out" >&2; die "charon $node did not start"; }
	sw "$node" --load-all --file "$dir/swanctl.conf" >/dev/null
}

# sw NODE ARGS...: swanctl against the charon of NODE; output goes to the
# scenario log and to stdout
sw() {
	local node=$1; shift
	local rc=0 out
	STRONGSWAN_CONF=$WORK/$node/strongswan.conf bounded 60 "$WORK/swanctl.out" \
		swanctl "$@" --uri "unix://$WORK/$node/charon.vici" || rc=$?
	out=$(cat "$WORK/swanctl.out")
	{
		printf '$ [gateway %s] swanctl %s   (exit %d)\n' "$node" "$*" "$rc"
		# swanctl complains about every credential folder we do not use
		[[ -n $out ]] && printf '%s\n' "$out" | grep -v "^opening directory '" || true
	} >>"$SC_LOG"
	printf '%s\n' "$out"
	return "$rc"
}

# wait_log NODE REGEX SECONDS: wait until the charon log of NODE matches
wait_log() {
	local node=$1 re=$2 secs=$3 i
	for i in $(seq 1 $((secs * 10))); do
		grep -Eq -- "$re" "$WORK/$node/charon.log" && return 0
		sleep 0.1
	done
	note "timed out after ${secs}s waiting for /$re/ in the log of gateway $node"
	return 1
}

note() { printf '# %s %s\n' "$(date +%H:%M:%S.%N | cut -c1-12)" "$*" >>"$SC_LOG"; }

# initiate: A brings up child "net" (and so IKE SA "lab"); returns swanctl's code
initiate() {
	local rc=0
	sw a --initiate --child net --ike lab --timeout "${1:-30}" >/dev/null || rc=$?
	return "$rc"
}

# ping_inner FROM COUNT: ping across the tunnel between the protected addresses
ping_inner() {
	local from=$1 count=$2 ns src dst rc=0 out
	if [[ $from == a ]]; then ns=$NS_A src=$A_INNER dst=$B_INNER; else ns=$NS_B src=$B_INNER dst=$A_INNER; fi
	bounded 30 "$WORK/ping.out" ip netns exec "$ns" ping -n -c "$count" -i 0.3 -W 1 -I "$src" "$dst" || rc=$?
	out=$(cat "$WORK/ping.out")
	{
		printf '$ [gateway %s] ping -c %s -I %s %s   (exit %d)\n' "$from" "$count" "$src" "$dst" "$rc"
		printf '%s\n' "$out" | tail -n 3
	} >>"$SC_LOG"
	return "$rc"
}

# ---------------------------------------------------------------- capture

capture_start() {
	local pcap=$1 i
	: >"$WORK/tcpdump.err"
	timeout 300 ip netns exec "$NS_R" tcpdump -i "$CAP_IF" -n -s 0 -U --immediate-mode \
		-w "$pcap" >/dev/null 2>"$WORK/tcpdump.err" &
	CAP_PID=$!
	BG_PIDS+=("$CAP_PID")
	for i in $(seq 1 50); do
		grep -q 'listening on' "$WORK/tcpdump.err" && break
		sleep 0.1
	done
	grep -q 'listening on' "$WORK/tcpdump.err" || die "tcpdump did not start: $(cat "$WORK/tcpdump.err")"
	if [[ -n $LIVE_BIN ]]; then
		# shakedown's lines go through a FIFO to a stamper that copies
		# them to live.jsonl and, with the wall-clock time each arrived
		# at, to live.times; it ends when shakedown closes its output
		rm -f "$WORK/live.fifo"
		mkfifo "$WORK/live.fifo"
		timeout 310 python3 -u -c "$STAMPER" "$WORK/live.times" <"$WORK/live.fifo" >"$WORK/live.jsonl" &
		STAMP_PID=$!
		BG_PIDS+=("$STAMP_PID")
		timeout 300 ip netns exec "$NS_R" "$LIVE_BIN" -i "$CAP_IF" --json \
			>"$WORK/live.fifo" 2>"$WORK/live.err" &
		LIVE_PID=$!
		BG_PIDS+=("$LIVE_PID")
	fi
	sleep 0.5
	note "capture started on $NS_R/$CAP_IF"
}

capture_stop() {
	sleep 1
	stop_pid "$CAP_PID" INT
	[[ -n ${LIVE_PID:-} ]] && stop_pid "$LIVE_PID" TERM
	[[ -n ${STAMP_PID:-} ]] && stop_pid "$STAMP_PID" TERM
	LIVE_PID="" STAMP_PID=""
	note "capture stopped"
}

# The stamper: copies its stdin to stdout and writes each line, prefixed
# with the wall clock (time.time()) it arrived at, to the file it is given.
STAMPER='import sys, time
out = open(sys.argv[1], "w")
for line in sys.stdin:
    sys.stdout.write(line)
    out.write("%.6f %s" % (time.time(), line))
    out.flush()'

# ---------------------------------------------------------------- scenarios
# Each sc_* function sets its parameters, brings the lab up, and plays.

play_start() {
	lab_up
	((B_CHARON)) && start_gw b "$NS_B"
	start_gw a "$NS_A"
	capture_start "$1"
}

# a working tunnel: traffic both ways, then A deletes the IKE SA
tunnel_up_and_ping() {
	initiate || note "initiate failed"
	sw a --list-sas >/dev/null || true
	ping_inner a 3 || true
	ping_inner b 3 || true
}

terminate_clean() {
	sw a --terminate --ike lab --timeout 15 >/dev/null || true
	sw b --list-sas >/dev/null || true
}

sc_ike_ok() {
	play_start "$1"
	tunnel_up_and_ping
	terminate_clean
}

sc_ike_udp500_blocked() {
	play_start "$1"
	fw_rule ip daddr "$B_ADDR" udp dport 500 drop
	initiate 40 || true
	wait_log a 'giving up after|establishing IKE_SA failed' 40 || true
}

# Live timing: UDP 500 dropped, and strongSwan's retransmissions made
# short (0.4 s, base 1.2, three retransmissions: copies at 0, 0.4, 0.88,
# 1.46 s, giving up at about 2.2 s) so the scenario takes seconds. The
# ike.no_response verdict must stream out at most LIVE_LIMIT seconds after
# the initiator's last copy (its time taken from the capture; the same
# clock). Checked by live_timing in run_scenario.
sc_ike_no_response_live_timing() {
	RETRY_TRIES=3 RETRY_TIMEOUT=0.3 RETRY_BASE=1.2
	play_start "$1"
	fw_rule ip daddr "$B_ADDR" udp dport 500 drop
	initiate 20 || true
	wait_log a 'giving up after|establishing IKE_SA failed' 20 || true
	# the verdict is due 2.5 last intervals after the last copy: let it
	# stream before the capture stops (stopping would force it out)
	sleep 3
	TIMING_CHECK=("ike.no_response" "udp dst port 500 and src host $A_ADDR")
}

# live_timing PCAP ID FILTER: with --live, the first verdict ID must have
# been printed at most LIVE_LIMIT s after the last packet matching FILTER
# in PCAP (the initiator's last copy).
live_timing() {
	local pcap=$1 vid=$2 filter=$3 last
	last=$(tcpdump -tt -n -r "$pcap" "$filter" 2>/dev/null | tail -n 1 | awk '{print $1}')
	[[ -n $last ]] || { log "live timing: no packet matches '$filter' in the capture"; return 1; }
	python3 - "$WORK/live.times" "$vid" "$last" "$LIVE_LIMIT" <<-'EOF'
	import json, sys
	path, vid, last, limit = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
	# each line: the wall clock it arrived at, a space, shakedown's JSON
	key = '"type":"verdict","id":"%s"' % vid
	hits = [line.split(" ", 1) for line in open(path, errors="replace") if key in line]
	if not hits:
	    print("[lab-ipsec] live timing: %s never printed" % vid, file=sys.stderr)
	    sys.exit(1)
	delay = float(hits[0][0]) - last
	print("[lab-ipsec] live timing: %s printed %.3f s %s the initiator's last copy (limit %.1f s after): %s"
	      % (vid, abs(delay), "after" if delay >= 0 else "before", limit, json.loads(hits[0][1]).get("summary")),
	      file=sys.stderr)
	sys.exit(0 if delay <= limit else 1)
	EOF
}

sc_ike_natt_4500_blocked() {
	NAT=1
	play_start "$1"
	fw_rule udp dport 4500 drop
	initiate 40 || true
	wait_log a 'giving up after|establishing IKE_SA failed' 40 || true
}

sc_ike_no_proposal() {
	A_PROPOSALS=aes128-sha256-ecp256
	B_PROPOSALS=aes256gcm16-prfsha384-ecp384
	play_start "$1"
	initiate || true
}

sc_ike_dh_mismatch() {
	# same cipher/integrity/PRF on both sides, no DH group in common
	A_PROPOSALS=aes128-sha256-ecp256
	B_PROPOSALS=aes128-sha256-modp3072
	play_start "$1"
	initiate || true
}

sc_ike_dh_retry_ok() {
	# A offers ecp256 first (its KE payload) and modp2048 as an alternative;
	# B only takes modp2048, answers INVALID_KE_PAYLOAD, A retries with it
	A_PROPOSALS=aes128-sha256-ecp256-modp2048
	B_PROPOSALS=aes128-sha256-modp2048
	play_start "$1"
	tunnel_up_and_ping
	terminate_clean
}

sc_ike_dh_unsupported_loop() {
	# Both sides configure ecp256, but B's charon lacks the plugin that
	# computes it (gmp only does MODP groups). B picks the proposal, cannot
	# build the key exchange, and asks for ECP_256 again with
	# INVALID_KE_PAYLOAD; A retries with the very group it already sent
	# until strongSwan's retry limit (5) ends it.
	A_PROPOSALS=aes128-sha256-ecp256
	B_PROPOSALS=aes128-sha256-ecp256
	B_CRYPTO="aes sha1 sha2 hmac gmp kdf"
	play_start "$1"
	initiate || true
	wait_log a 'giving up after|establishing IKE_SA failed' 20 || true
}

sc_ike_psk_mismatch() {
	B_PSK=some-other-secret-0c42
	play_start "$1"
	initiate || true
	sleep 1
}

sc_ike_ts_mismatch() {
	# A asks for 198.51.100.128/25 behind B; B only serves 198.51.100.64/26
	B_LTS=198.51.100.64/26
	play_start "$1"
	initiate || true
	sw a --list-sas >/dev/null || true
	ping_inner a 2 || true
	terminate_clean
}

sc_ikev1_main_ok() {
	A_VERSION=1 B_VERSION=1
	A_PROPOSALS=aes128-sha256-modp2048 B_PROPOSALS=aes128-sha256-modp2048
	play_start "$1"
	tunnel_up_and_ping
	terminate_clean
}

sc_ikev1_no_proposal() {
	A_VERSION=1 B_VERSION=1
	A_PROPOSALS=aes128-sha256-modp2048
	B_PROPOSALS=aes256-sha384-modp3072
	play_start "$1"
	initiate 20 || true
}

sc_ikev1_psk_mismatch() {
	A_VERSION=1 B_VERSION=1
	A_PROPOSALS=aes128-sha256-modp2048 B_PROPOSALS=aes128-sha256-modp2048
	B_PSK=some-other-secret-0c42
	play_start "$1"
	initiate 20 || true
	sleep 2
}

sc_ikev1_ts_mismatch() {
	A_VERSION=1 B_VERSION=1
	A_PROPOSALS=aes128-sha256-modp2048 B_PROPOSALS=aes128-sha256-modp2048
	B_LTS=198.51.100.64/26
	play_start "$1"
	initiate 20 || true
	sw a --list-sas >/dev/null || true
	terminate_clean
}

sc_ike_dpd_timeout() {
	A_DPD=2s
	play_start "$1"
	tunnel_up_and_ping
	# B goes silent: whatever it sends dies in the router
	fw_rule ip saddr "$B_ADDR" drop
	wait_log a 'giving up after .* retransmits' 40 || true
	sleep 1
	sw a --list-sas >/dev/null || true
}

sc_ike_esp_blocked() {
	play_start "$1"
	# ESP-in-UDP (non-zero first 4 payload bytes = SPI) from A towards B dies;
	# IKE on 4500 (zero non-ESP marker) and keepalives still pass
	fw_rule ip saddr "$A_ADDR" udp dport 4500 @th,64,32 != 0 drop
	initiate || note "initiate failed"
	sw a --list-sas >/dev/null || true
	ping_inner a 4 || true
	terminate_clean
}

sc_ike_port_unreachable() {
	# B's IPsec service is stopped: its kernel answers UDP 500 with ICMP
	# port unreachable
	B_CHARON=0
	play_start "$1"
	initiate 40 || true
	wait_log a 'giving up after|establishing IKE_SA failed' 40 || true
}

sc_ike_version_mismatch() {
	# A speaks IKEv2, B is configured for IKEv1 only
	B_VERSION=1
	B_PROPOSALS=aes128-sha256-ecp256
	play_start "$1"
	initiate 40 || true
	wait_log a 'giving up after|establishing IKE_SA failed|notify error' 40 || true
}

sc_ike_rekey_timeout() {
	# A rekeys the CHILD SA after 4 s (hard lifetime 60 s); by then the
	# router drops IKE on 4500 (zero non-ESP marker) from A while ESP passes
	A_CHILD_REKEY=4s
	play_start "$1"
	tunnel_up_and_ping
	fw_rule ip saddr "$A_ADDR" udp dport 4500 @th,64,32 == 0 drop
	wait_log a 'giving up after .* retransmits' 40 || true
	sleep 1
	sw a --list-sas >/dev/null || true
}

sc_ike_ip_frag_lost() {
	# Certificate authentication makes IKE_AUTH about 1.9 KB. With IKEv2
	# fragmentation off it leaves A as two IP fragments, and the router
	# drops every non-first fragment (as firewalls that "block fragments"
	# do). Captured on the router's B-side interface, behind the drop.
	AUTH=cert FRAGMENTATION=no CAP_IF=rb
	play_start "$1"
	fw_rule ip frag-off \& 0x1fff != 0 drop
	initiate 40 || true
	wait_log a 'giving up after|establishing IKE_SA failed' 40 || true
}

sc_ike_ikefrag_ok() {
	# Same certificates and the same fragment-dropping router, but IKEv2
	# fragmentation (RFC 7383) on: IKE_AUTH travels as several UDP datagrams
	# below 1280 bytes, no IP fragment is needed and the tunnel comes up.
	AUTH=cert FRAGMENTATION=yes CAP_IF=rb
	play_start "$1"
	fw_rule ip frag-off \& 0x1fff != 0 drop
	tunnel_up_and_ping
	terminate_clean
}

# ---- far side: the capture point sees what B sends, the peer does not

sc_ike_dpd_responses_lost() {
	# A checks liveness every 2 s; once the tunnel is up the router drops
	# everything B sends. Captured on the B side: B answers every copy of
	# A's DPD request, but none of the answers gets past the router.
	A_DPD=2s CAP_IF=rb
	play_start "$1"
	tunnel_up_and_ping
	fw_rule ip saddr "$B_ADDR" drop
	wait_log a 'giving up after .* retransmits' 40 || true
	sleep 1
}

sc_ike_rekey_responses_lost() {
	# A rekeys its child SA after 4 s; IKE from B on 4500 (zero non-ESP
	# marker) dies in the router, ESP still passes. Captured on the B side.
	A_CHILD_REKEY=4s CAP_IF=rb
	play_start "$1"
	tunnel_up_and_ping
	fw_rule ip saddr "$B_ADDR" udp sport 4500 @th,64,32 == 0 drop
	wait_log a 'giving up after .* retransmits' 40 || true
	sleep 1
}

sc_ike_auth_responses_lost() {
	# IKE_SA_INIT on 500 passes both ways; B's IKE_AUTH answers on 4500 die
	# in the router. Captured on the B side: B answers every copy.
	CAP_IF=rb
	play_start "$1"
	fw_rule ip saddr "$B_ADDR" udp sport 4500 @th,64,32 == 0 drop
	initiate 40 || true
	wait_log a 'giving up after|establishing IKE_SA failed' 40 || true
	sleep 1
}

sc_ike_natt_4500_blocked_responder() {
	# ike-natt-4500-blocked seen from the responder's side of the router:
	# IKE_SA_INIT detects the NAT, then nothing on 4500 gets here.
	NAT=1 CAP_IF=rb
	play_start "$1"
	fw_rule udp dport 4500 drop
	initiate 40 || true
	wait_log a 'giving up after|establishing IKE_SA failed' 40 || true
}

# ---- after the handshake

sc_ike_esp_one_way_stop() {
	# The tunnel works both ways, then the router drops ESP from B (IKE on
	# 4500 still passes): A keeps sending into its child SA, nothing returns.
	play_start "$1"
	tunnel_up_and_ping
	fw_rule ip saddr "$B_ADDR" udp sport 4500 @th,64,32 != 0 drop
	ping_inner a 12 || true
}

sc_ike_rekey_pfs_mismatch() {
	# A wants PFS (MODP-2048) for its child SAs, B has none. The first child
	# SA comes up inside IKE_AUTH (no key exchange there); A's rekey after
	# 3 s carries a KE payload and B refuses it. The child SA expires at
	# 10 s and the traffic stops.
	A_ESP=aes128-sha256-modp2048 B_ESP=aes128-sha256
	A_CHILD_REKEY=3s A_CHILD_LIFE=10s
	play_start "$1"
	tunnel_up_and_ping
	wait_log a 'CREATE_CHILD_SA|rekeying' 10 || true
	ping_inner a 6 || true
	wait_log a 'closing expired CHILD_SA|deleting CHILD_SA|CHILD_SA .* expired' 15 || true
	ping_inner a 8 || true
}

sc_ike_rekey_ok() {
	# healthy control: both sides use PFS with the same group, A rekeys its
	# child SA after 3 s, traffic before and after
	A_ESP=aes128-sha256-modp2048 B_ESP=aes128-sha256-modp2048
	A_CHILD_REKEY=3s
	play_start "$1"
	tunnel_up_and_ping
	wait_log a 'CHILD_SA net\{[0-9]+\} established.*' 10 || true
	sleep 3
	ping_inner a 3 || true
	ping_inner b 3 || true
	terminate_clean
}

sc_ike_dpd_ok() {
	# healthy control: A checks liveness every second and B answers
	A_DPD=1s
	play_start "$1"
	tunnel_up_and_ping
	sleep 5
	ping_inner a 3 || true
	terminate_clean
}

# ---- IKEv1 aggressive mode and recovered failures

sc_ikev1_aggressive_ok() {
	A_VERSION=1 B_VERSION=1 AGGRESSIVE=yes
	A_PROPOSALS=aes128-sha256-modp2048 B_PROPOSALS=aes128-sha256-modp2048
	play_start "$1"
	tunnel_up_and_ping
	terminate_clean
}

sc_ikev1_aggressive_psk_mismatch() {
	# the initiator cannot verify the responder's hash in message 2
	A_VERSION=1 B_VERSION=1 AGGRESSIVE=yes
	A_PROPOSALS=aes128-sha256-modp2048 B_PROPOSALS=aes128-sha256-modp2048
	B_PSK=some-other-secret-0c42
	play_start "$1"
	# the verdict rests on message 1: give a --live reader time to start
	sleep 1
	initiate 20 || true
	wait_log b 'giving up after|establishing IKE_SA failed|deleting half open' 30 || true
	sleep 1
}

sc_ikev1_aggressive_dh_mismatch() {
	# aggressive mode carries the KE in message 1: the responder has to
	# refuse the initiator's only DH group in clear
	A_VERSION=1 B_VERSION=1 AGGRESSIVE=yes
	A_PROPOSALS=aes128-sha256-modp2048 B_PROPOSALS=aes128-sha256-modp3072
	play_start "$1"
	initiate 20 || true
	sleep 1
}

sc_ike_no_proposal_recovered() {
	# B first refuses every proposal; its configuration is then fixed and
	# reloaded, and A's next attempt brings the tunnel up
	A_PROPOSALS=aes128-sha256-ecp256
	B_PROPOSALS=aes256gcm16-prfsha384-ecp384
	play_start "$1"
	initiate 10 || true
	B_PROPOSALS=aes128-sha256-ecp256
	write_gw b
	sw b --load-all --file "$WORK/b/swanctl.conf" >/dev/null
	note "gateway b: proposals now $B_PROPOSALS"
	sleep 1
	tunnel_up_and_ping
	terminate_clean
}

# ---------------------------------------------------------------- driver

collect_logs() {
	local node role
	for node in a b; do
		[[ $node == a ]] && role="gateway A (initiator, $A_ADDR)" || role="gateway B (responder, $B_ADDR)"
		printf '\n== charon log, %s ==\n' "$role" >>"$SC_LOG"
		if [[ -f $WORK/$node/charon.log ]]; then
			grep -Ev 'loaded plugins|loading secrets|^\s*$' "$WORK/$node/charon.log" >>"$SC_LOG" || true
		fi
	done
}

# verdict_ids FILE: the ids of the verdict records in a JSON Lines file,
# sorted, without capture.time_disorder (a live socket may see a few packets
# out of time order that tcpdump's file has in order: a capture artefact)
verdict_ids() {
	grep -E '"type" *: *"verdict"' "$1" 2>/dev/null |
		sed -nE 's/.*"id" *: *"([^"]*)".*/\1/p' | grep -vx 'capture.time_disorder' | sort -u | tr '\n' ' ' || true
}

# live_check NAME PCAP EXPECT: the verdicts printed live must be those given
# offline on this run's own capture (real traffic differs from run to run,
# so a fresh run is compared with itself); the committed .expect is logged.
live_check() {
	local name=$1 pcap=$2 expect=$3 want got
	"$LIVE_BIN" --json -r "$pcap" >"$WORK/offline.jsonl" 2>/dev/null || true
	want=$(verdict_ids "$WORK/offline.jsonl")
	got=$(verdict_ids "$WORK/live.jsonl")
	[[ -f $expect ]] && log "$name: note: the committed .expect has $(grep -Ev '^\s*(#|$)' "$expect" |
		awk '{print $2}' | sort -u | tr '\n' ' ')"
	if [[ -n "$got" && "$want" == "$got" ]]; then
		log "$name: live verdicts match the offline run on this capture: $got"
		return 0
	fi
	log "$name: live verdicts differ: offline on this capture [$want] live [$got]"
	return 1
}

run_scenario() {
	local name=$1 fn=sc_${1//-/_} dir=$OUTDIR/ike
	declare -F "$fn" >/dev/null || die "unknown scenario $name"
	mkdir -p "$dir"
	SC_LOG=$dir/$name.log
	: >"$SC_LOG"
	rm -rf "${WORK:?}/a" "${WORK:?}/b"
	reset_params
	TIMING_CHECK=()
	log "scenario $name"
	note "scenario $name, strongSwan $(dpkg-query -W -f='${Version}' strongswan-charon 2>/dev/null || echo '?')"
	"$fn" "$dir/$name.pcap"
	capture_stop
	collect_logs
	lab_down
	log "$name: $(tcpdump -r "$dir/$name.pcap" -n 2>/dev/null | wc -l) packets"
	if [[ -n $LIVE_BIN ]]; then
		live_check "$name" "$dir/$name.pcap" "$EXPECT_DIR/$name.expect" || LIVE_FAILED+=("$name")
		if ((${#TIMING_CHECK[@]})); then
			live_timing "$dir/$name.pcap" "${TIMING_CHECK[@]}" 2>>"$SC_LOG" || LIVE_FAILED+=("$name (timing)")
			grep '^\[lab-ipsec\] live timing' "$SC_LOG" | tail -n 1 >&2 || true
		fi
	fi
}

main() {
	local scenarios=() s
	if [[ ${1:-} == --live ]]; then
		LIVE_BIN=${2:-}
		shift 2 || true
		[[ $EUID -eq 0 ]] || { log "not root: skipped"; exit 77; }
		[[ -n $LIVE_BIN && -x $LIVE_BIN ]] || { log "shakedown binary '$LIVE_BIN' missing: skipped"; exit 77; }
		LIVE_BIN=$(readlink -f "$LIVE_BIN")
	fi
	[[ $EUID -eq 0 ]] || die "must run as root"
	if [[ $# -gt 0 ]] && ! printf '%s\n' "${ALL_SCENARIOS[@]}" "${OFFLINE_SCENARIOS[@]}" "${LIVE_SCENARIOS[@]}" | grep -qx -- "$1"; then
		OUTDIR=$1
		shift
	elif [[ -n $LIVE_BIN ]]; then
		# a live run must not overwrite the stored captures
		OUTDIR=$(mktemp -d /tmp/sdi-live.XXXXXX)
		LIVE_TMP_OUT=$OUTDIR
		log "live run: captures go to $OUTDIR (removed unless a check fails)"
	fi
	if [[ $# -gt 0 ]]; then
		scenarios=("$@")
	elif [[ -n $LIVE_BIN ]]; then
		scenarios=("${ALL_SCENARIOS[@]}" "${LIVE_SCENARIOS[@]}")
	else
		scenarios=("${ALL_SCENARIOS[@]}" "${OFFLINE_SCENARIOS[@]}")
	fi
	# SD_LAB_SHARD=K/N (tests/scripts/lab-shards.sh): every N-th scenario
	# from the K-th (0-based), so that N runs side by side share the list
	if [[ -n ${SD_LAB_SHARD:-} ]]; then
		local k=${SD_LAB_SHARD%/*} n=${SD_LAB_SHARD#*/} i mine=()
		for ((i = k; i < ${#scenarios[@]}; i += n)); do mine+=("${scenarios[i]}"); done
		scenarios=("${mine[@]}")
	fi
	for s in "${scenarios[@]}"; do
		declare -F "sc_${s//-/_}" >/dev/null ||
			die "unknown scenario $s (known: ${ALL_SCENARIOS[*]} ${OFFLINE_SCENARIOS[*]}; with --live also ${LIVE_SCENARIOS[*]})"
		if [[ -z $LIVE_BIN ]] && printf '%s\n' "${LIVE_SCENARIOS[@]}" | grep -qx -- "$s"; then
			die "scenario $s is timed live: run it with --live SHAKEDOWN_BIN"
		fi
	done
	mkdir -p "$OUTDIR"
	OUTDIR=$(cd "$OUTDIR" && pwd)

	ensure_tools
	WORK=$(mktemp -d /tmp/sdi-lab.XXXXXX)
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	LIVE_FAILED=()
	for s in "${scenarios[@]}"; do
		run_scenario "$s"
	done
	if [[ -n $LIVE_BIN ]]; then
		if ((${#LIVE_FAILED[@]})); then
			log "live check failed for: ${LIVE_FAILED[*]}"
			echo "$(( ${#scenarios[@]} - ${#LIVE_FAILED[@]} )) passed, ${#LIVE_FAILED[@]} failed"
			exit 1
		fi
		echo "${#scenarios[@]} passed, 0 failed"
	fi
}

main "$@"
