#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-hostile-bytes.sh SHAKEDOWN SOURCE_DIR
#
# Bytes an attacker writes on the wire must never reach the analyst's
# terminal or break the JSON. The captures of tests/hostile/ are CRAFTED
# (tests/gen/gen-hostile.py): each byte pattern (OSC 52 clipboard write,
# OSC 0 title, ESC [2J, BEL, BS, CR LF forging a "FAIL" line, raw 0x9b,
# UTF-8 C1 C2 9B and C2 9D, invalid UTF-8 E0 80 80 / ED A0 80 /
# F4 90 80 80 / a truncated E2 82, NUL, DEL, U+202E) sits in the SSH
# identification strings, the KEXINIT name-lists (ssh.no_common_algorithm
# with client_list/server_list), the negotiated algorithm names, the
# host-key type, the DISCONNECT text, a non-SSH server's first line (quoted
# by ssh.not_ssh) and the pflog interface name; a copy
# of one capture gets a file name with ESC, BEL and a newline in it.
#
# Checked on the text report (plain and -v), --json and stderr:
#   text: no byte below 0x20 but newline and tab, no DEL, valid UTF-8, no
#         C1 character, no forged "FAIL forged" line, and the documented
#         escapes (\x1b, \u009b, \xe0\x80\x80 ...) present;
#   JSON: every line valid strict UTF-8 and json.loads, no raw control or
#         C1, and the decoded strings equal the wire bytes read by the
#         documented rule (invalid bytes as their Latin-1 code point);
#   pflog: interface names cleaned at decode time ('?' for each byte that
#         is not printable ASCII);
#   --ui: (with script(1)) the bytes the live view writes to its terminal
#         carry no OSC sequence, no BEL, no C1 and none of the payloads.
. "$(dirname "$0")/lib-common.sh"
H=$SRC/tests/hostile

# check_text FILE NAME: the rules for text written to a terminal.
check_text() {
	if $PY - "$1" <<'EOF' >"$tmp/why" 2>&1; then
import sys
b = open(sys.argv[1], "rb").read()
for i, c in enumerate(b):
    if (c < 0x20 and c not in (0x0a, 0x09)) or c == 0x7f:
        sys.exit("raw byte 0x%02x at offset %d: %r" % (c, i, b[max(0, i - 30):i + 10]))
try:
    s = b.decode("utf-8", "strict")
except UnicodeDecodeError as e:
    sys.exit("not valid UTF-8: %s" % e)
for i, ch in enumerate(s):
    if 0x80 <= ord(ch) <= 0x9f or ord(ch) in (0x202e, 0x2028, 0x2029):
        sys.exit("U+%04X at character %d" % (ord(ch), i))
for line in s.split("\n"):
    if line.startswith("FAIL forged"):
        sys.exit("a forged line: %r" % line)
EOF
		pass "$2"
	else
		fail "$2: $(cat "$tmp/why")"
	fi
}

# check_json FILE NAME: every line strict UTF-8, JSON, no raw controls.
check_json() {
	if $PY - "$1" <<'EOF' >"$tmp/why" 2>&1; then
import json, sys
lines = open(sys.argv[1], "rb").read().split(b"\n")
assert lines[-1] == b"", "no newline at the end"
for n, l in enumerate(lines[:-1], 1):
    for c in l:
        if c < 0x20 or c == 0x7f:
            sys.exit("line %d: raw byte 0x%02x" % (n, c))
    s = l.decode("utf-8", "strict")
    if any(0x80 <= ord(ch) <= 0x9f for ch in s):
        sys.exit("line %d: a raw C1 character" % n)
    json.loads(s)
EOF
		pass "$2"
	else
		fail "$2: $(cat "$tmp/why")"
	fi
}

for cap in ssh-nocommon ssh-hostkey ssh-foreign pflog; do
	f=$H/$cap.pcap
	run -r "$f"
	[ $rc -le 1 ] || fail "$cap: text run exit $rc: $(head -3 "$tmp/err")"
	cp "$tmp/out" "$tmp/$cap.txt"
	check_text "$tmp/out" "$cap: text report"
	check_text "$tmp/err" "$cap: text stderr"
	run -v -r "$f"
	cp "$tmp/out" "$tmp/$cap-v.txt"
	check_text "$tmp/out" "$cap: text report -v"
	run --json -r "$f"
	[ $rc -le 1 ] || fail "$cap: json run exit $rc: $(head -3 "$tmp/err")"
	cp "$tmp/out" "$tmp/$cap.json"
	check_json "$tmp/out" "$cap: --json"
	check_text "$tmp/err" "$cap: json stderr"
done

# ---- the escapes are there, and JSON carries the wire bytes faithfully
if $PY - "$tmp" <<'EOF' >"$tmp/why" 2>&1; then
import codecs, json, sys
d = sys.argv[1]
sys.path.insert(0, "%s/../tests/gen" % d)
PATTERNS = [
    b"\x1b]52;c;SGVsbG8=\x07", b"\x1b]0;pwned\x07", b"\x1b[2J", b"\x07", b"\x08\x08\x08",
    b"\r\nFAIL forged.verdict tcp 203.0.113.1:1 -> 203.0.113.2:2\r\n", b"\x9b", b"\xc2\x9b", b"\xc2\x9d",
    b"\xe0\x80\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82", b"\x00", b"\x7f", b"\xe2\x80\xae",
]
codecs.register_error("latin1", lambda e: ("".join(chr(b) for b in e.object[e.start:e.end]), e.end))

def wire(b):
    """The documented JSON reading of wire bytes: UTF-8 where valid, else
    each byte by its Latin-1 code point; a C string stops at NUL."""
    return b.split(b"\0")[0].decode("utf-8", "latin1")

def load(name):
    return [json.loads(l) for l in open("%s/%s.json" % (d, name), encoding="utf-8")]

v = load("ssh-nocommon")
nc = {o["client"]["port"]: o for o in v if o.get("id") == "ssh.no_common_algorithm"}
assert sorted(nc) == list(range(41000, 41016)), "no_common_algorithm for ports %s" % sorted(nc)
for i, p in enumerate(PATTERNS):
    o = nc[41000 + i]
    want_c = wire(b"cli" + p + b"kex,other-cli" + p)[:230]
    want_s = wire(b"srv" + p + b"kex,other-srv" + p)[:230]
    got_c, got_s = o["details"]["client_list"], o["details"]["server_list"]
    # the analyzer cuts a list at 230 bytes: compare what it kept
    assert want_c.startswith(got_c) and len(got_c) >= min(len(want_c), 60), (i, got_c, want_c)
    assert want_s.startswith(got_s) and len(got_s) >= min(len(want_s), 60), (i, got_s, want_s)
    assert "client offers " in o["summary"], o["summary"]

v = load("ssh-hostkey")
hk = {o["client"]["port"]: o["details"] for o in v if "host_key_algorithm" in o.get("details", {})}
assert len(hk) == 16, "verdicts with algorithm details: %d" % len(hk)
# raw 0x9b passes the analyzer's host-key filter and reaches the sinks; a
# parse-time RFC 4251 check (ssh_name_valid) would drop the type instead
assert hk[42006].get("server_host_key", "key\u009b") == "key\u009b", hk[42006].get("server_host_key")
assert hk[42009]["host_key_algorithm"] == "ssh-ed25519\u00e0\u0080\u0080", hk[42009]["host_key_algorithm"]
assert hk[42015]["kex"] == "curve25519-sha256\u202e", hk[42015]["kex"]

v = load("ssh-foreign")
ns = {o["client"]["port"]: o["summary"] for o in v if o.get("id") == "ssh.not_ssh"}
assert sorted(ns) == list(range(44000, 44016)), "ssh.not_ssh for ports %s" % sorted(ns)
assert 'Bad\u202eRequest' in ns[44015] and 'Bad\u00e0\u0080\u0080Request' in ns[44009], (ns[44015], ns[44009])
t = open("%s/ssh-foreign.txt" % d, encoding="utf-8").read()
for esc in (r"Bad\x9bRequest", r"Bad\u009bRequest", r"Bad\xed\xa0\x80Request", r"Bad\u202eRequest"):
    assert esc in t, "missing in the text report: " + esc

v = load("pflog")
pf = {o["client"]["port"]: o["details"].get("pf_interface") for o in v if o.get("id") == "tcp.syn_unanswered"}
assert len(pf) == 16, pf
assert pf[43000] == "em?]52;c;SGVsbG8", pf[43000]
assert pf[43006] == "em?" and pf[43007] == "em??" and pf[43011] == "em????", (pf[43006], pf[43007], pf[43011])
for port, name in pf.items():
    assert all(0x21 <= ord(c) <= 0x7e for c in name), (port, name)

t = open("%s/ssh-nocommon-v.txt" % d, encoding="utf-8").read()
for esc in (r"cli\x1b]52;c;SGVsbG8=\x07kex", r"cli\x1b]0;pwned\x07kex", r"cli\x1b[2Jkex", r"cli\x08\x08\x08kex",
            r"cli\x0d\x0aFAIL forged", r"cli\x9bkex", r"cli\u009bkex", r"cli\u009dkex", r"cli\xe0\x80\x80kex",
            r"cli\xed\xa0\x80kex", r"cli\xf4\x90\x80\x80kex", r"cli\xe2\x82kex", r"cli\x7fkex", r"cli\u202ekex"):
    assert esc in t, "missing in the text report: " + esc
t = open("%s/ssh-hostkey-v.txt" % d, encoding="utf-8").read()
assert r"host_key_algorithm=ssh-ed25519\x9b" in t, "algorithm name escape"
if "server_host_key" in hk[42006]:
    assert r"server_host_key=key\x9b" in t, "host key escape"
EOF
	pass "escapes in text, wire bytes in JSON, pflog names cleaned"
else
	fail "escapes and JSON values: $(tail -3 "$tmp/why")"
fi

# ---- a capture file whose name carries ESC, BEL and a newline
evil="$tmp/a"$'\e]0;title\a\n'"FAIL forged"$'\x9b'".pcap"
cp "$H/pflog.pcap" "$evil"
run -r "$evil"
check_text "$tmp/out" "hostile file name: text report"
if grep -aqF 'a\x1b]0;title\x07\x0aFAIL forged\x9b.pcap' "$tmp/out"; then
	pass "hostile file name: escaped in the summary line"
else
	fail "hostile file name: summary line is: $(tail -1 "$tmp/out")"
fi
run --json -r "$evil"
check_json "$tmp/out" "hostile file name: --json"
if $PY -c 'import json,sys; s=json.loads(open(sys.argv[1],"rb").read().split(b"\n")[-2])["source"]; sys.exit(s != sys.argv[2] + "a\x1b]0;title\x07\nFAIL forged\x9b.pcap")' \
	"$tmp/out" "$tmp/"; then
	pass "hostile file name: JSON source decodes to the real name"
else
	fail "hostile file name: JSON source: $(tail -1 "$tmp/out" | cut -c1-200)"
fi
# an unreadable capture with such a name: the error message is escaped too
printf 'not a capture at all, just text\n' >"$evil"
run -r "$evil"
check_text "$tmp/err" "hostile file name: error message"
[ $rc -eq 2 ] && grep -qF 'a\x1b]0;title' "$tmp/err" && pass "hostile file name: error escaped, exit 2" ||
	fail "hostile file name: exit $rc, stderr $(cat -A "$tmp/err")"

# ---- a hostile capture filter and option value in error messages
run -r "$H/pflog.pcap" "host"$'\e]0;x\a'
check_text "$tmp/err" "hostile filter: error message"
[ $rc -eq 2 ] && pass "hostile filter: refused, exit 2" || fail "hostile filter: exit $rc"
run -r "$H/pflog.pcap" --syn-timeout $'1\e[2J'
check_text "$tmp/err" "hostile option value: error message"

# ---- the live view, through a pseudo-terminal (script from util-linux)
if command -v script >/dev/null 2>&1 && locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then
	# open the first verdict (its list, summary and details on screen), then leave
	(
		sleep 2
		printf '\r'
		sleep 1
		printf 'q'
		sleep 1
		printf 'q'
	) | TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 COLUMNS=160 LINES=50 \
		timeout 30 script -qfe -c "stty cols 160 rows 50; $(printf '%q ' "$SD") --ui -r $(printf '%q' "$H/ssh-nocommon.pcap")" \
		"$tmp/typescript" >/dev/null 2>&1
	if $PY - "$tmp/typescript" <<'EOF' >"$tmp/why" 2>&1; then
import sys
b = open(sys.argv[1], "rb").read()
assert b"no common kex algorithm" in b, "the view never showed the verdict"
assert b"\x1b]" not in b, "an OSC sequence: %r" % b[b.index(b"\x1b]") - 20:b.index(b"\x1b]") + 20]
for bad in (b"\x07", b"\x9b", b"\xc2\x9b", b"\xc2\x9d", b"\xe0\x80\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
            b"\x08\x08\x08", b"pwned\x07", b"\xe2\x80\xae"):
    assert bad not in b, "raw %r written to the terminal" % bad
EOF
		pass "--ui: nothing hostile written to the terminal"
	else
		fail "--ui: $(tail -2 "$tmp/why")"
	fi
else
	echo "SKIP --ui part: no script(1) or no C.UTF-8 locale"
fi

echo "$fails failed"
[ $fails -eq 0 ]
