#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""jsonl.py FILE - read shakedown's --json output (used by the test-*.sh
scripts). Checks the schema of every object (schema 1, types of every
documented field, the summary last) and prints a digest: one line per
verdict, "severity id client -> server frames=a,b" (IPv6 in brackets, "-"
for a verdict without a flow), then "summary packets=N flows=N truncated=N
decode_errors=N ok=N info=N warn=N fail=N". Exits non-zero with the reason
on the first violation.

jsonl.py --many FILE... checks each file the same way in one Python run
(start-up costs more than the check) and prints only "FILE: why" for each
file that fails; exits non-zero if any did."""
import json, sys

SEV = ("ok", "info", "warn", "fail")

def need(o, key, types, where):
    if key not in o:
        raise SystemExit("%s: missing %r" % (where, key))
    if not isinstance(o[key], types) or isinstance(o[key], bool) and bool not in types:
        raise SystemExit("%s: %r has type %s" % (where, key, type(o[key]).__name__))
    return o[key]

def ep(e, where):
    ip = need(e, "ip", (str, type(None)), where)
    port = need(e, "port", (int,), where)
    if ip is None:
        return "-"
    return ("[%s]" % ip if ":" in ip else ip) + ":" + str(port)

def check(path):
    lines = open(path, encoding="utf-8").read().splitlines()
    if not lines:
        raise SystemExit("no output")
    for i, line in enumerate(lines, 1):
        o = json.loads(line)
        where = "line %d" % i
        if need(o, "schema", (int,), where) != 1:
            raise SystemExit("%s: schema is not 1" % where)
        t = need(o, "type", (str,), where)
        if t == "verdict":
            if i == len(lines):
                raise SystemExit("the last object is a verdict, not the summary")
            vid = need(o, "id", (str,), where)
            sev = need(o, "severity", (str,), where)
            if sev not in SEV:
                raise SystemExit("%s: severity %r" % (where, sev))
            need(o, "proto", (str, type(None)), where)
            c = ep(need(o, "client", (dict,), where), where + " client")
            s = ep(need(o, "server", (dict,), where), where + " server")
            f = need(o, "first_ts", (int, float), where)
            l = need(o, "last_ts", (int, float), where)
            if l < f:
                raise SystemExit("%s: last_ts %s before first_ts %s" % (where, l, f))
            ts = need(o, "timestamp", (str, type(None)), where)
            if ts is not None and not (len(ts) == 31 and ts.endswith("+0000") and ts[10] == "T"):
                raise SystemExit("%s: timestamp %r" % (where, ts))
            need(o, "flow_id", (int, type(None)), where)
            cid = need(o, "community_id", (str, type(None)), where)
            if cid is not None and not (cid.startswith("1:") and len(cid) == 30):
                raise SystemExit("%s: community_id %r" % (where, cid))
            frames = need(o, "frames", (list,), where)
            if any(not isinstance(n, int) or n < 1 for n in frames):
                raise SystemExit("%s: frames %r are not 1-based numbers" % (where, frames))
            if not need(o, "summary", (str,), where):
                raise SystemExit("%s: empty summary" % where)
            need(o, "details", (dict,), where)
            # an ok verdict may have nothing to remedy; the others may not
            if not need(o, "remediation", (str,), where) and sev != "ok":
                raise SystemExit("%s: empty remediation" % where)
            print(sev, vid, c, "->", s, "frames=" + ",".join(map(str, frames)))
        elif t == "summary":
            if i != len(lines):
                raise SystemExit("%s: summary is not the last object" % where)
            for k in ("packets", "flows", "drops"):
                need(o, k, (int,), where)
            if not need(o, "version", (str,), where):
                raise SystemExit("%s: summary without the version" % where)
            counts = need(o, "counts", (dict,), where)
            for k in SEV:
                need(counts, k, (int,), where + " counts")
            print("summary packets=%d flows=%d truncated=%d decode_errors=%d" %
                  (o["packets"], o["flows"], o.get("truncated", -1), o.get("decode_errors", -1)),
                  " ".join("%s=%d" % (k, counts[k]) for k in SEV))
        else:
            raise SystemExit("%s: unknown type %r" % (where, t))


if len(sys.argv) > 1 and sys.argv[1] == "--many":
    bad = 0
    real_stdout = sys.stdout
    for path in sys.argv[2:]:
        sys.stdout = open("/dev/null", "w")
        try:
            check(path)
            why = None
        except SystemExit as e:
            why = e.code
        except (ValueError, UnicodeDecodeError) as e:
            why = "%s: %s" % (type(e).__name__, e)
        sys.stdout.close()
        sys.stdout = real_stdout
        if why is not None:
            bad += 1
            print("%s: %s" % (path, why))
    sys.exit(1 if bad else 0)
check(sys.argv[1])
