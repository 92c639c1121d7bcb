#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""catalog_docs.py LISTING DOC - check docs/verdicts.md against the verdict
catalog (LISTING: the output of `shakedown --list-verdicts --json`).

In the doc, every verdict has a heading "### `id`" (or "## `id`") and, in
its section, a paragraph starting "**Detail keys:**" that names the key
groups it carries in italics (*tcp*) and its own keys in backticks; each
group has a paragraph starting "**Group *name*" that lists its own keys in
backticks. The ids, each verdict's groups and own keys, and each group's
keys must be the same in both. Prints every difference; exits 1 if any."""
import json, re, sys

listing = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
doc = open(sys.argv[2], encoding="utf-8").read()

cat_ids = [v["id"] for v in listing]
cat_own = {v["id"]: {d["key"] for d in v["details"] if d["group"] is None} for v in listing}
cat_groups = {v["id"]: {d["group"] for d in v["details"] if d["group"]} for v in listing}
cat_group_keys = {}
for v in listing:
    for d in v["details"]:
        if d["group"]:
            cat_group_keys.setdefault(d["group"], set()).add(d["key"])

HEAD = re.compile(r"^#{2,3} `([a-z0-9_]+\.[a-z0-9_]+)`", re.M)
ANY_HEAD = re.compile(r"^#{1,6} ", re.M)
KEY = re.compile(r"`([a-z0-9_]+)`")
GROUP = re.compile(r"(?<!\*)\*([a-z0-9_]+)\*(?!\*)")

def paragraphs(text):
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]

errors = []
doc_ids = []
doc_own, doc_groups = {}, {}
for m in HEAD.finditer(doc):
    vid = m.group(1)
    doc_ids.append(vid)
    nxt = ANY_HEAD.search(doc, m.end())
    body = doc[m.end():nxt.start() if nxt else len(doc)]
    paras = [p for p in paragraphs(body) if p.startswith("**Detail keys:**")]
    if len(paras) != 1:
        errors.append("%s: %d '**Detail keys:**' paragraphs in its section (want 1)" % (vid, len(paras)))
        continue
    p = paras[0][len("**Detail keys:**"):]
    doc_own[vid] = set(KEY.findall(p))
    doc_groups[vid] = set(GROUP.findall(p))

doc_group_keys = {}
for p in paragraphs(doc):
    m = re.match(r"\*\*Group \*([a-z0-9_]+)\*", p)
    if m:
        if m.group(1) in doc_group_keys:
            errors.append("group %s: documented twice" % m.group(1))
        doc_group_keys[m.group(1)] = set(KEY.findall(p[m.end():]))

for vid in sorted(set(cat_ids) - set(doc_ids)):
    errors.append("%s: in the catalog, no heading in the doc" % vid)
for vid in sorted(set(doc_ids) - set(cat_ids)):
    errors.append("%s: in the doc, not in the catalog" % vid)
if len(doc_ids) != len(set(doc_ids)):
    errors.append("an id has two headings in the doc")
for vid in cat_ids:
    if vid not in doc_own:
        continue
    for k in sorted(cat_own[vid] - doc_own[vid]):
        errors.append("%s: key %s in the catalog, not in the doc" % (vid, k))
    for k in sorted(doc_own[vid] - cat_own[vid]):
        errors.append("%s: key %s in the doc, not in the catalog" % (vid, k))
    if cat_groups[vid] != doc_groups[vid]:
        errors.append("%s: groups %s in the catalog, %s in the doc" %
                      (vid, sorted(cat_groups[vid]), sorted(doc_groups[vid])))
for g in sorted(set(cat_group_keys) | set(doc_group_keys)):
    a, b = cat_group_keys.get(g), doc_group_keys.get(g)
    if a is None or b is None:
        errors.append("group %s: only in the %s" % (g, "doc" if a is None else "catalog"))
    elif a != b:
        errors.append("group %s: catalog-only keys %s, doc-only keys %s" % (g, sorted(a - b), sorted(b - a)))

for e in errors:
    print(e)
print("%d verdicts, %d groups checked: %s" % (len(cat_ids), len(cat_group_keys), "DIFFERENT" if errors else "same"))
sys.exit(1 if errors else 0)
