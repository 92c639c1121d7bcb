#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-catalog.sh SHAKEDOWN SOURCE_DIR
#
# The verdict catalog against its documentation: --list-verdicts prints
# every verdict once (text and JSON), and docs/verdicts.md names the same
# ids, groups and detail keys (catalog_docs.py says how it is read).
. "$(dirname "$0")/lib-common.sh"

run --list-verdicts
if [ "$rc" = 0 ] && [ "$(wc -l <"$tmp/out")" -ge 40 ] && grep -q '^tcp.syn_unanswered  *fail  *SYN got no answer$' "$tmp/out"; then
	pass "--list-verdicts prints one line per verdict"
else
	fail "--list-verdicts: rc=$rc, $(wc -l <"$tmp/out") lines"
fi
cp "$tmp/out" "$tmp/text"

run --list-verdicts --json
if [ "$rc" = 0 ] && $PY - "$tmp/out" "$tmp/text" <<'PY'
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
ids = [o["id"] for o in objs]
text = [l.split()[0] for l in open(sys.argv[2])]
assert ids == text, "JSON and text list different ids"
assert len(set(ids)) == len(ids), "an id twice"
tcp_ok = [o for o in objs if o["id"] == "tcp.ok"][0]
assert tcp_ok["severity"] == "ok" and tcp_ok["remediation"] == ""
keys = {d["key"]: d for d in tcp_ok["details"]}
assert keys["client_bytes"]["type"] == "integer" and keys["client_bytes"]["group"] is None
assert keys["pf_state"]["group"] == "tcp" and keys["pf_rule"]["group"] == "pflog"
reset = [o for o in objs if o["id"] == "tcp.reset"][0]
assert list(reset["remediation_variants"]) == ["CLOSING", "FORGED"]
PY
then
	pass "--list-verdicts --json: same ids, types, groups and variants"
else
	fail "--list-verdicts --json"
fi

if $PY "$(dirname "$0")/catalog_docs.py" "$tmp/out" "$SRC/docs/verdicts.md" >"$tmp/diff"; then
	pass "docs/verdicts.md and the catalog agree ($(tail -1 "$tmp/diff"))"
else
	fail "docs/verdicts.md differs from the catalog:"
	cat "$tmp/diff"
fi
exit $((fails > 0))
