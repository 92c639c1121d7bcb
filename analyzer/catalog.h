/* SPDX-License-Identifier: GPL-2.0-or-later */
/* catalog.h - the verdict catalog: every verdict's id, default severity,
 * category, title, remediation and the detail keys it may carry. The data
 * is in catalog.def; this header gives the enums code raises verdicts by
 * and read access for the sinks, --list-verdicts and the tests. */
#ifndef SHAKEDOWN_CATALOG_H
#define SHAKEDOWN_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

enum severity { SEV_OK = 0, SEV_INFO, SEV_WARN, SEV_FAIL };

enum detail_kind { DETAIL_STR, DETAIL_INT, DETAIL_NUM, DETAIL_BOOL };

enum verdict_category { CAT_CAPTURE, CAT_TCP, CAT_SSH, CAT_IKE, CAT_ESP };

enum verdict_id {
#define VERDICT(name, id, sev, cat, title, remedy) V_##name,
#include "catalog.def"
	V__COUNT
};

/* Named second remediation texts (RV_NONE: the verdict's own). */
enum verdict_remedy {
	RV_NONE = 0,
#define REMEDY(verdict, variant, text) RV_##verdict##_##variant,
#include "catalog.def"
	RV__COUNT
};

/* The key sets details are declared in: one per verdict (same value as
 * its enum verdict_id), then one per group. */
enum catalog_set {
#define VERDICT(name, id, sev, cat, title, remedy) CS_##name,
#include "catalog.def"
#define GROUP(name, meaning) CS_##name,
#include "catalog.def"
	CS__COUNT
};

struct catalog_detail {
	enum catalog_set owner; /* the verdict or group that declares it */
	const char *key;
	enum detail_kind kind;
	const char *meaning;
};

struct catalog_entry {
	const char *id;
	enum severity sev; /* the default; some verdicts raise another */
	enum verdict_category cat;
	const char *title;
	const char *remedy; /* NULL for the "ok" verdicts */
};

const struct catalog_entry *catalog_get(enum verdict_id v);
/* The text of a remediation variant, and the verdict it belongs to. */
const char *catalog_remedy_text(enum verdict_remedy r, enum verdict_id *owner);
/* The variant's name in catalog.def (e.g. "CLOSING"). */
const char *catalog_remedy_name(enum verdict_remedy r);
/* Every detail key v may carry, its groups' first: calls fn for each. */
void catalog_foreach_detail(enum verdict_id v, void (*fn)(const struct catalog_detail *d, void *arg), void *arg);
/* May verdict v carry this detail key? */
bool catalog_allows(enum verdict_id v, const char *key);
/* Names of a key set (a verdict's id or a group's name) and a category. */
const char *catalog_set_name(enum catalog_set s);
bool catalog_set_is_group(enum catalog_set s);
const char *catalog_category_name(enum verdict_category c);
const char *detail_kind_name(enum detail_kind k);

#endif
