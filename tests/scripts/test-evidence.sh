#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# --evidence: for every warn/fail verdict of the bundled captures, the pcap
# written holds exactly the frames tshark selects from the original capture
# (the verdict's flow between its first and last evidence frame, ICMP errors
# quoting it included: tshark matches the quoted headers too), with the
# original timestamps and lengths; with several -r files, each pcap is cut
# from the file its verdict names as source. Also: refusals (stdin).
. "$(dirname "$0")/lib-common.sh"
command -v tshark >/dev/null || { echo "SKIP: tshark is needed to read the evidence"; exit 77; }

# check_index DIR: every index.json record's pcap holds what tshark selects
# from the record's source file.
check_index() {
	"$PY" - "$1" <<'PYEOF'
import json, subprocess, sys
out = sys.argv[1]
def frames(path, flt):
    r = subprocess.run(["tshark", "-r", path, "-Y", flt, "-T", "fields",
                        "-e", "frame.number", "-e", "frame.time_epoch", "-e", "frame.len"],
                       capture_output=True, text=True, check=True)
    return [l.split("\t") for l in r.stdout.splitlines() if l]
bad = 0
for line in open(out + "/index.json"):
    e = json.loads(line)
    orig = e["source"]
    def split(ep):
        h, p = ep.rsplit(":", 1)
        return h.strip("[]"), p
    (ca, cp), (sa, sp) = split(e["client"]), split(e["server"])
    ipf = "ipv6.addr" if ":" in ca else "ip.addr"
    pair = f"{ipf}=={ca} && {ipf}=={sa}"
    if e["id"].startswith(("ike.", "esp.")):
        sel = f"{pair} && (udp.port==500 || udp.port==4500 || esp || ip.flags.mf==1 || ip.frag_offset>0)"
    else:
        sel = f"{pair} && {e['proto']}.port=={cp} && {e['proto']}.port=={sp}"
    flt = f"frame.number>={e['first_frame']} && frame.number<={e['last_frame']} && ({sel})"
    want = [(t, l) for _, t, l in frames(orig, flt)]
    got = [(t, l) for _, t, l in frames(out + "/" + e["file"], "frame")]
    if want != got or e["frames_written"] != len(want):
        print(f"FAIL {orig}: {e['file']}: {len(got)} frames, tshark selects {len(want)} ({flt})")
        bad += 1
sys.exit(1 if bad else 0)
PYEOF
}

files=$(find "$SRC/pcaps/ssh" "$SRC/pcaps/tcp" "$SRC/pcaps/ike" "$SRC/pcaps/ike-crafted" -name '*.pcap' | sort)
n=0
for f in $files; do
	out="$tmp/ev$n"
	n=$((n + 1))
	run -r "$f" --evidence "$out" --json
	if [ "$rc" -gt 1 ]; then
		fail "$f: exit $rc: $(head -c 300 "$tmp/err")"
		continue
	fi
	warnfail=$(grep -c '"severity":"\(warn\|fail\)"' "$tmp/out")
	withflow=$(grep '"severity":"\(warn\|fail\)"' "$tmp/out" | grep -vc '"proto":null')
	lines=$(wc -l <"$out/index.json")
	[ "$lines" -eq "$withflow" ] || fail "$f: $lines evidence files for $withflow warn/fail flow verdicts ($warnfail in all)"
	check_index "$out" || fails=$((fails + 1))
done
[ "$fails" -eq 0 ] && pass "evidence pcaps of $n captures match tshark's selection from the originals"

run -r - --evidence "$tmp/x" <"$SRC/pcaps/ssh/ssh-banner-stall.pcap"
[ "$rc" -eq 2 ] && grep -q "not from stdin" "$tmp/err" && pass "--evidence from stdin is refused" || fail "stdin: rc=$rc"

# two files: frame 3 of each is another packet; each pcap comes from its own file
a="$SRC/pcaps/ssh/ssh-banner-stall.pcap" b="$SRC/pcaps/ike/ike-no-proposal.pcap"
run -r "$a" -r "$b" --evidence "$tmp/y" --json
if [ "$rc" -le 1 ] && check_index "$tmp/y" &&
	grep -q "ssh.banner_stall.*\"source\":\"$a\"" "$tmp/y/index.json" &&
	grep -q "ike.no_proposal_chosen.*\"source\":\"$b\"" "$tmp/y/index.json" &&
	grep -q "\"id\":\"ike.no_proposal_chosen\".*\"source\":\"$b\"" "$tmp/out" &&
	grep -q "\"id\":\"ssh.banner_stall\".*\"source\":\"$a\"" "$tmp/out"; then
	pass "two -r files: each verdict and evidence pcap names its file, the frames match tshark's"
else
	fail "two files: rc=$rc $(cat "$tmp/y/index.json" 2>/dev/null | head -c 600)"
fi
COLUMNS=400 run -r "$a" -r "$b"
if grep -q "file $a" "$tmp/out" && grep -q "file $b" "$tmp/out"; then
	pass "two -r files: the text report names each verdict's file"
else
	fail "two files, text: $(head -c 600 "$tmp/out")"
fi
run -r "$SRC/pcaps/ssh/ssh-ok.pcap" --evidence-all
[ "$rc" -eq 2 ] && pass "--evidence-all alone is refused" || fail "--evidence-all alone: rc=$rc"
run -r "$SRC/pcaps/ssh/ssh-ok.pcap" --evidence "$tmp/all" --evidence-all
[ "$rc" -eq 0 ] && [ "$(wc -l <"$tmp/all/index.json")" -ge 1 ] && pass "--evidence-all writes ok verdicts too" ||
	fail "--evidence-all: rc=$rc"
echo "$fails failure(s)"
[ "$fails" -eq 0 ]
