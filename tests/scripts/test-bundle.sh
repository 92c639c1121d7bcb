#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# --bundle: the tarball holds the text report, the JSON, the evidence pcaps,
# the command line, the version and each capture's metadata (sha256 as
# sha256sum computes it, link type, first and last time as tshark reads
# them); a folder bundle holds the same. Live --evidence (root only): a
# refused connection on lo is cut from the ring of recent frames.
. "$(dirname "$0")/lib-common.sh"

a="$SRC/pcaps/ssh/ssh-banner-stall.pcap" b="$SRC/pcaps/ike/ikev1-no-proposal.pcap"
run -r "$a" -r "$b" --bundle "$tmp/t.tar.gz"
mkdir "$tmp/x"
if [ "$rc" -eq 1 ] && tar xzf "$tmp/t.tar.gz" -C "$tmp/x"; then
	d="$tmp/x/shakedown-bundle"
	for f in report.txt report.jsonl command.txt version.txt captures.json evidence/index.json evidence/README.txt; do
		[ -s "$d/$f" ] || fail "bundle lacks $f"
	done
	cmp -s "$tmp/out" "$d/report.txt" && pass "report.txt is the report printed" || fail "report.txt differs from stdout"
	[ "$(grep -c "\"type\":\"verdict\"" "$d/report.jsonl")" -eq "$(grep -c "^FAIL" "$d/report.txt")" ] && pass "report.jsonl has the report's verdicts" ||
		fail "report.jsonl: $(grep -c verdict "$d/report.jsonl")"
	[ "$(ls "$d"/evidence/*.pcap | wc -l)" -eq 2 ] && pass "two evidence pcaps" || fail "evidence: $(ls "$d/evidence")"
	grep -qx -- "--bundle" "$d/command.txt" && grep -qxF "$b" "$d/command.txt" && pass "command.txt: the arguments" ||
		fail "command.txt: $(cat "$d/command.txt")"
	grep -q "^shakedown" "$d/version.txt" && pass "version.txt" || fail "version.txt: $(cat "$d/version.txt")"
	want_a=$(sha256sum "$a" | cut -d' ' -f1) want_b=$(sha256sum "$b" | cut -d' ' -f1)
	"$PY" - "$d/captures.json" "$a" "$want_a" "$b" "$want_b" <<'PYEOF' && pass "captures.json: sha256, size, link type, times" || fail "captures.json: $(cat "$d/captures.json")"
import datetime, json, os, subprocess, sys, shutil
rows = [json.loads(l) for l in open(sys.argv[1])]
want = {sys.argv[2]: sys.argv[3], sys.argv[4]: sys.argv[5]}
assert [r["source"] for r in rows] == list(want), rows
for r in rows:
    assert r["sha256"] == want[r["source"]] and r["size"] == os.path.getsize(r["source"]), r
    assert r["link_type"] == "EN10MB", r
    if shutil.which("tshark"):
        ts = subprocess.run(["tshark", "-r", r["source"], "-T", "fields", "-e", "frame.time_epoch"],
                            capture_output=True, text=True).stdout.split()
        iso = lambda t: datetime.datetime.fromtimestamp(float(t), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        assert r["first_time"] == iso(ts[0]) and r["last_time"] == iso(ts[-1]) and r["frames"] == len(ts), (r, ts[0], ts[-1])
PYEOF
else
	fail "tarball: rc=$rc $(head -c 300 "$tmp/err")"
fi
ls -a "$tmp" | grep -q '^\.shakedown-bundle' && fail "the temporary folder was left behind" || pass "no temporary folder left"

run -r "$a" --json --bundle "$tmp/dir"
[ "$rc" -eq 1 ] && cmp -s "$tmp/out" "$tmp/dir/report.jsonl" && grep -q '^FAIL ssh.banner_stall' "$tmp/dir/report.txt" &&
	pass "folder bundle with --json: report.jsonl is stdout, report.txt the text report" || fail "folder bundle: rc=$rc"
run -r "$a" --bundle "$tmp/y" --evidence "$tmp/z"
[ "$rc" -eq 2 ] && pass "--bundle with --evidence is refused" || fail "--bundle --evidence: rc=$rc"

# live: a connection refused on lo, cut from the ring
if [ "$(id -u)" -eq 0 ] && command -v tshark >/dev/null; then
	chmod 755 "$tmp" # the capture gives up root: nobody writes the evidence
	port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	"$SD" -i lo --no-ui --json --evidence "$tmp/live" tcp port "$port" >"$tmp/live.out" 2>"$tmp/live.err" &
	pid=$!
	sleep 2
	"$PY" -c 'import socket, sys
s = socket.socket()
try: s.connect(("127.0.0.1", int(sys.argv[1])))
except OSError: pass' "$port"
	sleep 2
	kill -INT "$pid"
	wait "$pid"
	f=$(ls "$tmp"/live/*tcp.refused*.pcap 2>/dev/null | head -1)
	if [ -n "$f" ] && [ "$(tshark -r "$f" -Y 'tcp.flags.syn==1 && tcp.flags.ack==0' 2>/dev/null | wc -l)" -ge 1 ] &&
		[ "$(tshark -r "$f" -Y 'tcp.flags.reset==1' 2>/dev/null | wc -l)" -ge 1 ] &&
		grep -q '"source":"lo"' "$tmp/live.out"; then
		pass "live on lo: tcp.refused's pcap from the ring holds the SYN and the RST; source is lo"
	else
		fail "live: $(cat "$tmp/live.err" "$tmp/live/index.json" 2>/dev/null | head -c 500)"
	fi
else
	echo "SKIP live evidence: needs root and tshark"
fi
echo "$fails failure(s)"
[ "$fails" -eq 0 ]
