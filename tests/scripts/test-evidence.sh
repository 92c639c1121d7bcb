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

# check_index DIR...: every index.json record's pcap holds what tshark selects
# from the record's source file.
check_index() {
	"$PY" - "$@" <<'PYEOF'
# tshark reads the original captures once (concatenated by mergecap -a
# into one pcapng, frame numbers shifted by the frames of the files before),
# printing every occurrence of the fields the selection tests (the addresses
# and ports of ICMP errors' quoted headers included, as a display filter
# sees them); each record's selection is then evaluated here with tshark's
# any-occurrence semantics. The evidence pcaps (written by libpcap) are
# read with struct.
import json, os, struct, subprocess, sys, tempfile
dirs = sys.argv[1:]
FIELDS = ["frame.number", "frame.time_epoch", "frame.len", "ip.addr", "ipv6.addr", "tcp.port", "udp.port",
          "esp.spi", "ip.flags.mf", "ip.frag_offset"]
def tshark_rows(path):
    cmd = ["tshark", "-r", path, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|"]
    for f in FIELDS:
        cmd += ["-e", f]
    r = subprocess.run(cmd, capture_output=True, text=True, check=True)
    rows = []
    for l in r.stdout.splitlines():
        v = l.split("\t")
        v += [""] * (len(FIELDS) - len(v))
        rows.append({f: (v[i].split("|") if v[i] else []) for i, f in enumerate(FIELDS)})
    return rows
def usec(epoch):
    s, _, frac = epoch.partition(".")
    return int(s) * 1000000 + int((frac + "000000")[:6])
def pcap_frames(path):
    b = open(path, "rb").read()
    magic = b[:4]
    if magic not in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        raise ValueError(path + ": not a classic pcap")
    e = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    got, off = [], 24
    while off + 16 <= len(b):
        sec, sub, incl, orig = struct.unpack(e + "IIII", b[off:off + 16])
        got.append((sec * 1000000 + (sub // 1000 if nano else sub), orig))
        off += 16 + incl
    return got
records = [(d, json.loads(l)) for d in dirs for l in open(d + "/index.json")]
sources = sorted({e["source"] for _, e in records})
cache = {}
counts = {}
for src in sources:  # frames per file, for the shift (classic pcap only)
    try:
        counts[src] = len(pcap_frames(src))
    except Exception:
        counts[src] = None
merged = [src for src in sources if counts[src] is not None]
if len(merged) > 1:
    tmpf = tempfile.NamedTemporaryFile(suffix=".pcapng", delete=False)
    tmpf.close()
    subprocess.run(["mergecap", "-a", "-F", "pcapng", "-w", tmpf.name] + merged, check=True)
    rows = tshark_rows(tmpf.name)
    os.unlink(tmpf.name)
    base = 0
    for src in merged:
        part = rows[base:base + counts[src]]
        for r in part:
            r["frame.number"] = [str(int(r["frame.number"][0]) - base)]
        cache[src] = part
        base += counts[src]
    if base != len(rows):
        print(f"FAIL mergecap/tshark gave {len(rows)} frames, the files hold {base}")
        sys.exit(1)
def table(path):
    if path not in cache:
        cache[path] = tshark_rows(path)
    return cache[path]
bad = 0
for out, e in records:
    orig = e["source"]
    def split(ep):
        h, p = ep.rsplit(":", 1)
        return h.strip("[]"), p
    (ca, cp), (sa, sp) = split(e["client"]), split(e["server"])
    af = "ipv6.addr" if ":" in ca else "ip.addr"
    ike = e["id"].startswith(("ike.", "esp."))
    def selected(r):
        n = int(r["frame.number"][0])
        if not (e["first_frame"] <= n <= e["last_frame"]) or ca not in r[af] or sa not in r[af]:
            return False
        if ike:  # udp.port==500 || udp.port==4500 || esp || ip.flags.mf==1 || ip.frag_offset>0
            return ("500" in r["udp.port"] or "4500" in r["udp.port"] or bool(r["esp.spi"]) or
                    "1" in r["ip.flags.mf"] or "True" in r["ip.flags.mf"] or
                    any(x not in ("0", "") for x in r["ip.frag_offset"]))
        ports = r[e["proto"] + ".port"]
        return cp in ports and sp in ports
    want = [(usec(r["frame.time_epoch"][0]), int(r["frame.len"][0])) for r in table(orig) if selected(r)]
    got = pcap_frames(out + "/" + e["file"])
    if want != got or e["frames_written"] != len(want):
        print(f"FAIL {orig}: {e['file']}: {len(got)} frames, tshark selects {len(want)} ({e['id']} {ca}:{cp} {sa}:{sp} frames {e['first_frame']}-{e['last_frame']})")
        bad += 1
sys.exit(1 if bad else 0)
PYEOF
}

files=$(find "$SRC/pcaps/ssh" "$SRC/pcaps/tcp" "$SRC/pcaps/ike" "$SRC/pcaps/ike-crafted" -name '*.pcap' | sort)
n=0
outs=()
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
	outs+=("$out")
done
check_index "${outs[@]}" || fails=$((fails + 1))
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
