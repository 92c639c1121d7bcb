#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-check.sh - `--check` as a CI runner (issue 14): no cap on the number
# of captures, hostile corpora (symbolic links, FIFOs, `# args:` injection,
# long comments, malformed lines), the require/forbid/count/detail grammar,
# --json and --junit results, -j, --write-expect/--update-expect, gzip
# captures, and the in-process workers printing what a fresh process prints
# (two workers for -j 2, not a process per capture).
# Every run has a time limit: a hang is a failure, not a stuck CI job.
. "$(dirname "$0")/lib-common.sh"
RUN_TIMEOUT=60
P="$SRC/pcaps"
REFUSED="$P/ssh/ssh-refused.pcap"   # fail tcp.refused tcp 192.0.2.10:* -> 198.51.100.20:22
SLOW="$P/ssh/ssh-slow-handshake.pcap" # warn ssh.slow_handshake ... with --ssh-timeout 4

# expect NAME COND: pass when the shell condition holds, else show the output
expect() {
	if eval "$2"; then
		pass "$1"
	else
		fail "$1 (exit $rc)"
		head -c 3000 "$tmp/out" | sed 's/^/    /'
		head -c 1000 "$tmp/err" | sed 's/^/    err: /'
	fi
}
has() { grep -qF -- "$1" "$tmp/out"; }

# ---- 10,000 captures, one failing past the old 4,096 cap
d="$tmp/many"
mkdir -p "$d"
cp "$REFUSED" "$d/c00000.pcap"
grep -v '^#' "$P/ssh/ssh-refused.expect" >"$d/c00000.expect"
"$PY" - "$d" <<"EOF"
import os, sys
d = sys.argv[1]
for i in range(1, 10000):
    os.link(f"{d}/c00000.pcap", f"{d}/c{i:05d}.pcap")
    os.link(f"{d}/c00000.expect", f"{d}/c{i:05d}.expect")
EOF
rm "$d/c07777.expect"
echo 'warn tcp.reset tcp 192.0.2.10:* -> 198.51.100.20:22' >"$d/c07777.expect"
run --check "$d" -j 2
expect "10,000 captures: all run in sorted order, the one failing at #7778 fails the run" \
	'[ "$rc" -eq 1 ] && has "check: 9999 passed, 1 failed" && has "FAIL $d/c07777.pcap" &&
	 [ "$(grep -c "^PASS" "$tmp/out")" -eq 9999 ] &&
	 [ "$(grep "^PASS" "$tmp/out" | cut -d" " -f2 | sort -c 2>&1; echo $?)" = 0 ]'
rm -rf "$d"

# ---- paths: /dev/null, no dot, dotted directory, empty directory
run --check /dev/null
expect "--check /dev/null: exit 2 with a message, no crash" \
	'[ "$rc" -eq 2 ] && grep -q "not a directory or a regular file" "$tmp/err"'
d="$tmp/x.d"
mkdir -p "$d"
cp "$REFUSED" "$d/capture"
echo 'fail tcp.refused tcp 192.0.2.10:* -> 198.51.100.20:22' >"$d/capture.expect"
echo 'ok tcp.ok' >"$tmp/x.expect"
run --check "$d/capture"
expect "x.d/capture (no dot in the name) reads x.d/capture.expect, not x.expect" \
	'[ "$rc" -eq 0 ] && has "PASS $d/capture (1 verdicts)"'
mkdir -p "$tmp/empty"
run --check "$tmp/empty"
expect "empty directory: 'no captures found', exit 2" '[ "$rc" -eq 2 ] && has "check: no captures found"'
rm -rf "$d" "$tmp/x.expect"

# ---- `# args:` allow-list
d="$tmp/args"
mkdir -p "$d/other"
cp "$REFUSED" "$d/a.pcap"
cp "$REFUSED" "$d/other/b.pcap"
printf '# args: --check %s\nfail tcp.refused tcp 192.0.2.10:* -> 198.51.100.20:22\n' "$d" >"$d/a.expect"
printf '# args: --write-expect --check %s/other\n' "$d" >"$d/other/b.expect"
run --check "$d"
expect "'# args: --check DIR' and '--write-expect' refused for their capture, nothing written elsewhere" \
	'[ "$rc" -eq 1 ] && has "a.expect:1: \`# args:\` may not set '"'"'--check'"'"'" &&
	 has "b.expect:1: \`# args:\` may not set '"'"'--write-expect'"'"'" && has "check: 0 passed, 2 failed" &&
	 [ "$(ls "$d/other")" = "$(printf "b.expect\nb.pcap")" ]'
printf '# args: --ssh-timeout 4 -- tcp port 22\nwarn ssh.slow_handshake tcp 192.0.2.10:* -> 198.51.100.20:22\n' >"$d/a.expect"
cp "$SLOW" "$d/a.pcap"
rm -r "$d/other"
run --check "$d"
expect "'# args:' threshold and BPF filter accepted" '[ "$rc" -eq 0 ] && has "PASS $d/a.pcap (1 verdicts)"'
rm -rf "$d"

# ---- links, FIFOs, loops
d="$tmp/links"
mkdir -p "$d/sub"
cp "$REFUSED" "$d/a.pcap"
ln -s /etc/passwd "$d/a.expect"
ln -s "$REFUSED" "$d/linked.pcap"
ln -s .. "$d/sub/loop"
ln -s "$d" "$d/self"
mkfifo "$d/fifo.pcap"
cp "$REFUSED" "$d/f.pcap"
mkfifo "$d/f.expect"
cp "$REFUSED" "$d/dangling.pcap"
ln -s "$tmp/nowhere.expect" "$d/dangling.expect"
run --check "$d" --write-expect
expect "symlinked .expect refused (its target never printed), symlinked capture and loops skipped, FIFOs refused, no hang" \
	'[ "$rc" -eq 1 ] && has "FAIL $d/a.pcap: $d/a.expect: a symbolic link: refused" && ! grep -q "root:" "$tmp/out" &&
	 has "skipped: $d/linked.pcap: a symbolic link, not followed" && has "skipped: $d/sub/loop: a symbolic link, not followed" &&
	 has "skipped: $d/self: a symbolic link, not followed" && has "skipped: $d/fifo.pcap: not a regular file" &&
	 has "FAIL $d/f.pcap: $d/f.expect: not a regular file: refused" &&
	 has "FAIL $d/dangling.pcap: $d/dangling.expect: a symbolic link: refused" && [ ! -e "$tmp/nowhere.expect" ] &&
	 has "check: 0 passed, 3 failed"'
rm -rf "$d"

# ---- unreadable captures only -> nothing to check (needs a non-root user)
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	d="$tmp/unread"
	mkdir -p "$d"
	chmod 711 "$tmp"
	cp "$REFUSED" "$d/a.pcap"
	chmod 600 "$d/a.pcap"
	chmod 755 "$d"
	rc=0
	timeout 30 setpriv --reuid=65534 --regid=65534 --clear-groups "$SD" --check "$d" >"$tmp/out" 2>"$tmp/err" || rc=$?
	expect "only unreadable captures: listed as skipped, 'no captures found', exit 2" \
		'[ "$rc" -eq 2 ] && has "skipped: $d/a.pcap: unreadable" && has "check: no captures found"'
	chmod 700 "$tmp"
	rm -rf "$d"
fi

# ---- strict .expect parsing, orphans
d="$tmp/strict"
mkdir -p "$d"
cp "$REFUSED" "$d/a.pcap"
{
	printf '# %s\n' "$(head -c 3000 /dev/zero | tr '\0' x)"
	echo 'fail tcp.refused tcp 192.0.2.10:* -> 198.51.100.20:22'
} >"$d/a.expect"
echo 'fail tcp.refused tcp 192.0.2.10:* -> 198.51.100.20:22' >"$d/orphan.expect"
echo 'README' >"$d/README"
run --check "$d"
expect "a 3,000-byte comment stays a comment; orphan .expect listed" \
	'[ "$rc" -eq 0 ] && has "PASS $d/a.pcap (1 verdicts)" && has "orphan: $d/orphan.expect: no capture beside it"'
printf 'fail tcp.refused tcp 192.0.2.10:* -> 198.51.100.20:22\n\nfail tcp.refused tcp 192.0.2.10:* 198.51.100.20:22\n' >"$d/a.expect"
run --check "$d"
expect "a malformed line is a syntax error with file:line" \
	'[ "$rc" -eq 1 ] && has "FAIL $d/a.pcap: $d/a.expect:3: syntax error: bad flow"'
printf 'critical tcp.refused\n' >"$d/a.expect"
run --check "$d"
expect "an unknown severity is a syntax error" '[ "$rc" -eq 1 ] && has "a.expect:1: syntax error: expected a severity"'
rm -rf "$d"

# ---- require / forbid / counts / details
d="$tmp/grammar"
mkdir -p "$d"
cp "$SLOW" "$d/s.pcap"
g() {
	{
		echo '# args: --ssh-timeout 4'
		printf '%s\n' "$@"
	} >"$d/s.expect"
	run --check "$d"
}
g 'require warn ssh.slow_handshake tcp *:* -> *:22' 'forbid fail+ ssh.*' 'forbid warn+ tcp.*'
expect "require with a flow glob, forbid with a severity floor: pass" '[ "$rc" -eq 0 ] && has "PASS $d/s.pcap"'
g 'forbid warn+ ssh.*'
expect "forbid warn+ ssh.* fails and names the verdict" \
	'[ "$rc" -eq 1 ] && has "+ line 2: forbidden, produced: warn ssh.slow_handshake tcp 192.0.2.10:48692 -> 198.51.100.20:22"'
g 'require 2 warn ssh.slow_handshake'
expect "require 2 with one produced fails with the count" \
	'[ "$rc" -eq 1 ] && has "- line 2: require 2 warn ssh.slow_handshake: 1 matching verdict produced"'
g 'require 1+ warn+ ssh.* waiting_on="the server" dominant_phase~"banner$" kex~"^sntrup761"'
expect "detail checks: key=\"value\" and key~\"regex\" pass" '[ "$rc" -eq 0 ]'
g 'require warn ssh.slow_handshake waiting_on="the client"'
expect "a wrong detail value fails" '[ "$rc" -eq 1 ] && has "- line 2: require warn ssh.slow_handshake waiting_on=\"the client\": 0 matching"'
g 'require warn ssh.slow_handshake tcp *:* -> *:80'
expect "a wrong port in the flow fails" '[ "$rc" -eq 1 ]'
g 'require ok ssh.ok' 'warn ssh.slow_handshake tcp 192.0.2.10:* -> 198.51.100.20:22'
expect "plain lines keep exact mode beside require (the require still checked)" \
	'[ "$rc" -eq 1 ] && has "- line 2: require ok ssh.ok: 0 matching" && ! has "produced, not expected"'
g 'require warn ssh.slow_handshake bad~"("'
expect "a bad regex is a syntax error" '[ "$rc" -eq 1 ] && has "s.expect:2: syntax error: bad regular expression"'

# ---- --json and --junit
cp "$REFUSED" "$d/r.pcap"
echo 'ok tcp.ok' >"$d/r.expect"
g 'require warn ssh.slow_handshake'
run --check "$d" --json --junit "$tmp/junit.xml"
expect "--check --json: one object per capture and a summary" \
	'[ "$rc" -eq 1 ] && "$PY" - "$tmp/out" <<"EOF"
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
r, s, summ = objs
assert r["type"] == "check" and r["capture"].endswith("/r.pcap") and r["result"] == "fail", r
assert "  - expected, not produced: ok tcp.ok"[2:] in r["diff"], r["diff"]
assert s["result"] == "pass" and s["verdicts"] == 1 and isinstance(s["time_s"], float), s
assert summ["type"] == "check_summary" and summ["captures"] == 2 and summ["passed"] == 1 and summ["failed"] == 1, summ
EOF'
expect "--junit: testsuites/testsuite/testcase/failure with the attributes GitLab and Jenkins read" \
	'"$PY" - "$tmp/junit.xml" <<"EOF"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "testsuites" and root.get("tests") == "2" and root.get("failures") == "1", root.attrib
suites = root.findall("testsuite")
assert len(suites) == 1
s = suites[0]
assert s.get("name") and s.get("tests") == "2" and s.get("failures") == "1" and float(s.get("time")) >= 0
cases = s.findall("testcase")
assert [c.get("name").rsplit("/", 1)[1] for c in cases] == ["r.pcap", "s.pcap"]
for c in cases:
    assert c.get("classname") == "shakedown.check" and float(c.get("time")) >= 0
f = cases[0].find("failure")
assert f is not None and "expected, not produced: ok tcp.ok" in f.text and f.get("message"), f
assert cases[1].find("failure") is None
EOF'
rm -rf "$d"

# ---- --check-timeout
d="$tmp/timeout"
mkdir -p "$d"
cp "$SLOW" "$d/s.pcap"
run --check "$d" --check-timeout 0.001
expect "--check-timeout: a capture over its time limit fails" '[ "$rc" -eq 1 ] && has "timed out after 0.001 s"'

# A worker killed on timeout is replaced: every capture after it still runs
cp "$REFUSED" "$d/t1.pcap"
cp "$REFUSED" "$d/t2.pcap"
run --check "$d" --check-timeout 0.001 -j 1
expect "--check-timeout with one worker: each of three captures times out on its own, none hangs" \
	'[ "$rc" -eq 1 ] && [ "$(grep -c "timed out after 0.001 s" "$tmp/out")" -eq 3 ]'
rm -f "$d"/t[12].pcap

# ---- --write-expect: DRAFT and * for the ephemeral port; --update-expect
run --check "$d" --write-expect
expect "--write-expect writes a DRAFT with * for the client's ephemeral port" \
	'[ "$rc" -eq 1 ] && grep -q "^# DRAFT" "$d/s.expect" &&
	 grep -qx "warn ssh.slow_handshake tcp 192.0.2.10:\* -> 198.51.100.20:22" "$d/s.expect"'
run --check "$d"
expect "the DRAFT fails until a person removes it" '[ "$rc" -eq 1 ] && has "is still a DRAFT"'
printf '# slow server\n# args: --ssh-timeout 4\nok ssh.ok tcp 192.0.2.10:* -> 198.51.100.20:22\n' >"$d/s.expect"
cp "$d/s.expect" "$tmp/before"
run --check "$d" --update-expect
expect "--update-expect shows a unified diff and writes nothing without --yes" \
	'[ "$rc" -eq 1 ] && has "  -ok ssh.ok tcp 192.0.2.10:* -> 198.51.100.20:22" &&
	 has "  +warn ssh.slow_handshake tcp 192.0.2.10:* -> 198.51.100.20:22" && has "   # args: --ssh-timeout 4" &&
	 cmp -s "$d/s.expect" "$tmp/before"'
run --check "$d" --update-expect --yes
run --check "$d"
expect "--update-expect --yes rewrites it (comments and # args: kept) and it passes" \
	'[ "$rc" -eq 0 ] && head -2 "$d/s.expect" | cmp -s - <(head -2 "$tmp/before")'

# ---- gzip-compressed captures, for -r and --check
gzip -c "$SLOW" >"$d/s.pcap.gz"
mv "$d/s.expect" "$d/s2.expect"
mv "$d/s.pcap.gz" "$d/s2.pcap.gz"
rm "$d/s.pcap"
run --check "$d"
expect "--check reads .pcap.gz" '[ "$rc" -eq 0 ] && has "PASS $d/s2.pcap.gz (1 verdicts)"'
if command -v editcap >/dev/null; then
	editcap -F pcapng "$SLOW" "$tmp/s.pcapng" && gzip "$tmp/s.pcapng"
	run -r "$tmp/s.pcapng.gz" --json --ssh-timeout 4
	expect "-r reads .pcapng.gz" '[ "$rc" -eq 0 ] && grep -q "\"id\":\"ssh.slow_handshake\"" "$tmp/out"'
fi
rm -rf "$d"

# ---- -j: the same output whatever N; forked runner = fresh process, byte for byte
"$SD" --check "$P/ssh" -j 1 >"$tmp/j1" 2>&1
rc=$?
"$SD" --check "$P/ssh" -j 2 >"$tmp/j2" 2>&1
expect "-j 1 and -j 2 print the same, in sorted order" '[ "$rc" -eq 0 ] && cmp -s "$tmp/j1" "$tmp/j2"'
mkdir -p "$tmp/raw"
SHAKEDOWN_CHECK_RAW="$tmp/raw" "$SD" --check "$P" -j 2 >/dev/null 2>&1
diffs=0
n=0
while IFS= read -r f; do
	e="${f%.*}.expect"
	# -r [NAME=]FILE in `# args:` (--points) names a file beside the capture
	args=()
	prev=
	for a in $(sed -n 's/^# args://p' "$e"); do
		if [ "$prev" = -r ]; then
			case $a in *=*) a="${a%%=*}=$(dirname "$f")/${a#*=}" ;; *) a="$(dirname "$f")/$a" ;; esac
		fi
		args+=("$a")
		prev=$a
	done
	"$SD" --json -r "$f" "${args[@]}" 2>/dev/null | cmp -s - "$tmp/raw/$(echo "$f" | tr / _).jsonl" || {
		echo "    differs: $f"
		diffs=$((diffs + 1))
	}
	n=$((n + 1))
done < <(find "$P" -name '*.pcap*' | sort)
expect "every bundled capture ($n): the in-process workers print byte for byte what a fresh process prints" \
	'[ "$diffs" -eq 0 ] && [ "$n" -gt 50 ]'

# No process per capture: -j 2 forks two workers for a whole directory
# (pcaps/ssh: enough captures to tell, and strace -f is slow under ASan)
if command -v strace >/dev/null; then
	nssh=$(find "$P/ssh" -name '*.pcap*' | wc -l)
	strace -f -qq -e trace=fork,vfork,clone,clone3 -o "$tmp/strace" "$SD" --check "$P/ssh" -j 2 >/dev/null 2>&1
	# processes only: LeakSanitizer's helper at exit is a clone sharing memory
	nproc=$(grep -E '(fork|clone3?)\(' "$tmp/strace" | grep -vc 'CLONE_VM')
	expect "--check -j 2 over $nssh captures starts 2 processes, not one per capture (saw $nproc)" '[ "$nproc" -eq 2 ] && [ "$nssh" -gt 10 ]'
else
	echo "SKIP: strace is not installed (tests/install-deps.sh installs it): fork count not checked"
fi

echo "$fails failed"
[ "$fails" -eq 0 ]
