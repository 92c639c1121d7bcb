/* SPDX-License-Identifier: GPL-2.0-or-later */
/* listing.c - shakedown --list-verdicts: the verdict catalog as a table
 * (id, severity, title) or, with --json, one JSON object per verdict with
 * its remediation texts and the detail keys it may carry. */
#include "output.h"

#include <stdio.h>

struct detail_out {
	FILE *o;
	unsigned n;
};

static void put_detail(const struct catalog_detail *d, void *arg)
{
	struct detail_out *x = arg;
	fprintf(x->o, "%s{\"key\":", x->n++ ? "," : "");
	json_write_string(x->o, d->key);
	fprintf(x->o, ",\"type\":\"%s\",\"meaning\":", detail_kind_name(d->kind));
	json_write_string(x->o, d->meaning);
	fputs(",\"group\":", x->o);
	if (catalog_set_is_group(d->owner))
		json_write_string(x->o, catalog_set_name(d->owner));
	else
		fputs("null", x->o);
	fputc('}', x->o);
}

static void put_json(FILE *o, enum verdict_id v)
{
	const struct catalog_entry *e = catalog_get(v);
	fputs("{\"type\":\"verdict_info\",\"id\":", o);
	json_write_string(o, e->id);
	fprintf(o, ",\"severity\":\"%s\",\"category\":\"%s\",\"title\":", severity_name(e->sev),
		catalog_category_name(e->cat));
	json_write_string(o, e->title);
	fputs(",\"remediation\":", o);
	json_write_string(o, e->remedy ? e->remedy : "");
	fputs(",\"remediation_variants\":{", o);
	unsigned n = 0;
	for (int r = RV_NONE + 1; r < RV__COUNT; r++) {
		enum verdict_id owner;
		const char *text = catalog_remedy_text((enum verdict_remedy)r, &owner);
		if (owner != v)
			continue;
		if (n++)
			fputc(',', o);
		json_write_string(o, catalog_remedy_name((enum verdict_remedy)r));
		fputc(':', o);
		json_write_string(o, text);
	}
	fputs("},\"details\":[", o);
	struct detail_out x = { o, 0 };
	catalog_foreach_detail(v, put_detail, &x);
	fputs("]}\n", o);
}

int verdict_list_print(FILE *o, bool json)
{
	for (int v = 0; v < V__COUNT; v++) {
		if (json) {
			put_json(o, (enum verdict_id)v);
			continue;
		}
		const struct catalog_entry *e = catalog_get((enum verdict_id)v);
		fprintf(o, "%-28s %-5s %s\n", e->id, severity_name(e->sev), e->title);
	}
	return ferror(o) ? 2 : 0;
}
