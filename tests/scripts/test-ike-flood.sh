#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-ike-flood.sh SHAKEDOWN SOURCE_DIR
#
# A full IKE SA table must not hide a real failure (issue 13): 100,000
# crafted one-off IKE_SA_INIT requests (ike_flood.py; the lab cannot make a
# flood) mixed into the lab capture ike-udp500-blocked, a real tunnel whose
# IKE_SA_INIT is sent five times with no answer. The table (16,384 SAs)
# fills; half-open SAs are evicted first, so the real one, retrying, stays
# and still gets its ike.no_response, and capture.limits_reached says which
# table was full and how often.
. "$(dirname "$0")/lib-common.sh"

"$PY" "$SRC/tests/scripts/ike_flood.py" "$SRC/pcaps/ike/ike-udp500-blocked.pcap" "$tmp/flood.pcap" 100000 ||
	{ echo "FAIL could not build the flood capture"; exit 1; }
RUN_TIMEOUT=300 run -r "$tmp/flood.pcap" --json
if [ "$rc" = 1 ] && $PY - "$tmp/out" <<'PY'
import json, sys
vs = [json.loads(l) for l in open(sys.argv[1]) if '"type":"verdict"' in l]
nr = [v for v in vs if v["id"] == "ike.no_response"]
assert len(nr) == 1, "ike.no_response %d times" % len(nr)
assert nr[0]["client"]["ip"] == "192.0.2.1" and nr[0]["server"]["ip"] == "198.51.100.1", nr[0]["client"]
assert nr[0]["severity"] == "fail"
full = [v for v in vs if v["id"] == "capture.limits_reached"]
assert len(full) == 1, "capture.limits_reached %d times" % len(full)
d = full[0]["details"]
assert d["table"] == "ike_sas" and d["limit"] == 16384 and d["times"] > 80000 and d["option"] == "--max-ike", d
assert len(vs) == 2, [v["id"] for v in vs]
PY
then
	pass "100,000 one-off IKE_SA_INIT: the real blocked tunnel still gets ike.no_response, and the full table is reported"
else
	fail "flood: rc=$rc"
	grep -v '"type":"summary"' "$tmp/out" | cut -c1-400
fi
exit $((fails > 0))
