/* SPDX-License-Identifier: GPL-2.0-or-later */
/* catalog.c - the verdict catalog's tables, built from catalog.def, and
 * the lookups over them (which keys a verdict may carry, through its
 * groups). */
#include "catalog.h"

#include <string.h>

static const struct catalog_entry entries[V__COUNT] = {
#define VERDICT(name, id, sev, cat, title, remedy) [V_##name] = { id, SEV_##sev, CAT_##cat, title, remedy },
#include "catalog.def"
};

struct remedy_entry {
	enum verdict_id owner;
	const char *name;
	const char *text;
};

static const struct remedy_entry remedies[RV__COUNT] = {
	[RV_NONE] = { V__COUNT, NULL, NULL },
#define REMEDY(verdict, variant, text) [RV_##verdict##_##variant] = { V_##verdict, #variant, text },
#include "catalog.def"
};

static const char *const group_names[CS__COUNT] = {
#define GROUP(name, meaning) [CS_##name] = #name,
#include "catalog.def"
};

static const struct catalog_detail details[] = {
#define DETAIL(owner, key, kind, meaning) { CS_##owner, key, DETAIL_##kind, meaning },
#include "catalog.def"
};

struct use {
	enum catalog_set owner, group;
};

static const struct use uses[] = {
#define USES(owner, group) { CS_##owner, CS_##group },
#include "catalog.def"
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const struct catalog_entry *catalog_get(enum verdict_id v)
{
	return (unsigned)v < V__COUNT ? &entries[v] : NULL;
}

const char *catalog_remedy_text(enum verdict_remedy r, enum verdict_id *owner)
{
	if ((unsigned)r >= RV__COUNT || r == RV_NONE)
		return NULL;
	if (owner)
		*owner = remedies[r].owner;
	return remedies[r].text;
}

/* The sets a set takes keys from, itself last (groups nest, never in a
 * cycle: catalog.def is small enough to check by eye, and the depth is
 * bounded anyway). */
static void walk(enum catalog_set s, int depth, void (*fn)(const struct catalog_detail *d, void *arg), void *arg)
{
	if (depth > 4)
		return;
	for (size_t i = 0; i < NELEM(uses); i++)
		if (uses[i].owner == s)
			walk(uses[i].group, depth + 1, fn, arg);
	for (size_t i = 0; i < NELEM(details); i++)
		if (details[i].owner == s)
			fn(&details[i], arg);
}

void catalog_foreach_detail(enum verdict_id v, void (*fn)(const struct catalog_detail *d, void *arg), void *arg)
{
	if ((unsigned)v < V__COUNT)
		walk((enum catalog_set)v, 0, fn, arg);
}

struct find {
	const char *key;
	bool found;
};

static void find_fn(const struct catalog_detail *d, void *arg)
{
	struct find *f = arg;
	if (!strcmp(d->key, f->key))
		f->found = true;
}

bool catalog_allows(enum verdict_id v, const char *key)
{
	struct find f = { key, false };
	catalog_foreach_detail(v, find_fn, &f);
	return f.found;
}

const char *catalog_remedy_name(enum verdict_remedy r)
{
	return (unsigned)r < RV__COUNT && r != RV_NONE ? remedies[r].name : NULL;
}

bool catalog_set_is_group(enum catalog_set s)
{
	return (unsigned)s >= V__COUNT && (unsigned)s < CS__COUNT;
}

const char *catalog_set_name(enum catalog_set s)
{
	if ((unsigned)s < V__COUNT)
		return entries[s].id;
	return catalog_set_is_group(s) ? group_names[s] : "?";
}

const char *catalog_category_name(enum verdict_category c)
{
	static const char *const names[] = { "capture", "tcp", "ssh", "ike", "esp" };
	return (unsigned)c < NELEM(names) ? names[c] : "?";
}

const char *detail_kind_name(enum detail_kind k)
{
	static const char *const names[] = { "string", "integer", "number", "boolean" };
	return (unsigned)k < NELEM(names) ? names[k] : "?";
}
