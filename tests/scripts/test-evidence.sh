#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# --evidence: for every warn/fail verdict of the bundled captures, the pcap
# written holds exactly the frames tshark selects from the original capture
# (the verdict's flow between its first and last evidence frame, ICMP errors
# quoting it included: tshark matches the quoted headers too), with the
# original timestamps and lengths. Also: refusals (stdin, two files).
. "$(dirname "$0")/lib-common.sh"
command -v tshark >/dev/null || { echo "SKIP: tshark is needed to read the evidence"; exit 77; }

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
	"$PY" - "$f" "$out" <<'PYEOF' || fails=$((fails + 1))
import json, subprocess, sys
orig, out = sys.argv[1], sys.argv[2]
def frames(path, flt):
    r = subprocess.run(["tshark", "-r", path, "-Y", flt, "-T", "fields",
                        "-e", "frame.number", "-e", "frame.time_epoch", "-e", "frame.len"],
                       capture_output=True, text=True, check=True)
    return [l.split("\t") for l in r.stdout.splitlines() if l]
bad = 0
for line in open(out + "/index.json"):
    e = json.loads(line)
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
done
[ "$fails" -eq 0 ] && pass "evidence pcaps of $n captures match tshark's selection from the originals"

run -r - --evidence "$tmp/x" <"$SRC/pcaps/ssh/ssh-banner-stall.pcap"
[ "$rc" -eq 2 ] && grep -q "one -r FILE" "$tmp/err" && pass "--evidence from stdin is refused" || fail "stdin: rc=$rc"
run -r "$SRC/pcaps/ssh/ssh-ok.pcap" -r "$SRC/pcaps/ssh/ssh-banner-stall.pcap" --evidence "$tmp/y"
[ "$rc" -eq 2 ] && pass "--evidence with two files is refused" || fail "two files: rc=$rc"
run -r "$SRC/pcaps/ssh/ssh-ok.pcap" --evidence-all
[ "$rc" -eq 2 ] && pass "--evidence-all alone is refused" || fail "--evidence-all alone: rc=$rc"
run -r "$SRC/pcaps/ssh/ssh-ok.pcap" --evidence "$tmp/all" --evidence-all
[ "$rc" -eq 0 ] && [ "$(wc -l <"$tmp/all/index.json")" -ge 1 ] && pass "--evidence-all writes ok verdicts too" ||
	fail "--evidence-all: rc=$rc"
echo "$fails failure(s)"
[ "$fails" -eq 0 ]
