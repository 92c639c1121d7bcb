#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The JSON join keys: every verdict's community_id equals what tshark's own
# Community ID implementation (an independent one) computes for the
# verdict's first evidence frame, for TCP over IPv4 and IPv6, UDP (IKE on
# 500 and 4500) and ESP, with the default seed and with --community-id-seed;
# timestamp is the ISO 8601 form of first_ts; flow_id is a number.
. "$(dirname "$0")/lib-common.sh"
command -v tshark >/dev/null || { echo "SKIP: tshark is needed as the independent implementation"; exit 77; }

for f in ssh/ssh-ok ssh/ssh-ipv6-ok tcp/tcp-fin-unacked ike/ike-ok ike/ike-natt-4500-blocked ike-crafted/esp-missing-plain; do
	seeds=0
	case $f in ssh/ssh-ipv6-ok | ike/ike-natt-4500-blocked) seeds="0 4711" ;; esac
	for seed in $seeds; do
		run -r "$SRC/pcaps/$f.pcap" --json --community-id-seed "$seed"
		"$PY" - "$SRC/pcaps/$f.pcap" "$tmp/out" "$seed" <<'PYEOF' && pass "$f seed $seed" || fail "$f seed $seed"
import datetime, json, subprocess, sys
pcap, out, seed = sys.argv[1], sys.argv[2], sys.argv[3]
r = subprocess.run(["tshark", "--enable-protocol", "communityid", "-o", "communityid.seed:" + seed,
                    "-r", pcap, "-T", "fields", "-e", "frame.number", "-e", "communityid"],
                   capture_output=True, text=True, check=True)
cid = {}
for line in r.stdout.splitlines():
    n, _, c = line.partition("\t")
    cid[int(n)] = c.split(",")[0]
checked = 0
for line in open(out):
    o = json.loads(line)
    if o["type"] != "verdict":
        continue
    if o["proto"] is None:
        assert o["community_id"] is None and o["flow_id"] is None, o
        continue
    # a verdict about something missing (ESP never seen) may have no flow
    assert o["flow_id"] is None or isinstance(o["flow_id"], int) and o["flow_id"] > 0, o["flow_id"]
    t = datetime.datetime.fromtimestamp(o["first_ts"], datetime.timezone.utc)
    assert o["timestamp"] == t.strftime("%Y-%m-%dT%H:%M:%S.%f+0000"), (o["timestamp"], o["first_ts"])
    # the first evidence packet of the verdict's own flow
    ev = [e for e in o["evidence"] if e["dir"] in ("c2s", "s2c")]
    want = cid.get(ev[0]["frame"]) if ev else None
    if not want:
        continue
    if o["community_id"] != want:
        sys.exit("%s %s frame %d: community_id %s, tshark %s" % (pcap, o["id"], ev[0]["frame"], o["community_id"], want))
    checked += 1
if not checked:
    sys.exit("no verdict checked in " + pcap)
PYEOF
	done
done
run -r "$SRC/pcaps/ssh/ssh-ok.pcap" --json --community-id-seed 65536
[ "$rc" -eq 2 ] && pass "a seed over 65535 is refused" || fail "seed 65536: rc=$rc"
echo "$fails failure(s)"
[ "$fails" -eq 0 ]
