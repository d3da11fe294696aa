/* SPDX-License-Identifier: GPL-2.0-or-later */
/* variant.c - see variant.h. */
#include "variant.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const variant_names[VAR__COUNT] = { "prefix", "fix", "v6.2", "upstream" };

const char *variant_name(int v)
{
	return v >= 0 && v < VAR__COUNT ? variant_names[v] : "?";
}

int variant_from_name(const char *name)
{
	for (int v = 0; v < VAR__COUNT; v++)
		if (name && !strcmp(variant_names[v], name))
			return v;
	return -1;
}

static void caps_of(struct caps *c, enum variant v, int has_inval)
{
	c->var = v;
	c->has_inval = has_inval;
	c->punch_holds_inval = v >= VAR_FIX;
}

/*
 * The upstream version of the traced kernel.  Debian's release string keeps
 * the patch level at 0 ("6.1.0-56-amd64") and names the upstream version in
 * the uname version field instead ("#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2
 * (...)"); without that, 6.1.0 would read as pre-fix code.
 */
static int kernel_version(const char *release, const char *uname, int *maj, int *min, int *pat)
{
	const char *d = uname ? strstr(uname, " Debian ") : NULL;

	*maj = *min = *pat = 0;
	if (d && sscanf(d + 8, "%d.%d.%d", maj, min, pat) == 3)
		return 0;
	*maj = *min = *pat = 0;
	if (!release || sscanf(release, "%d.%d.%d", maj, min, pat) < 2)
		return -1;
	return 0;
}

static int q_text(struct store *s, const char *sql, int64_t id, char *out, size_t n)
{
	sqlite3_stmt *st = NULL;
	int rc;

	out[0] = '\0';
	if (sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);

		snprintf(out, n, "%s", t ? (const char *)t : "");
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int variant_detect(struct store *s, int64_t trace_id, const char *override, struct caps *c,
		   struct ft_err *e)
{
	char release[128], uname[512];
	int maj, min, pat;

	memset(c, 0, sizeof(*c));
	if (q_text(s, "SELECT coalesce(kernel_release, '') FROM traces WHERE id = ?", trace_id,
		   release, sizeof(release)) < 0 ||
	    q_text(s, "SELECT coalesce(uname, '') FROM traces WHERE id = ?", trace_id,
		   uname, sizeof(uname)) < 0)
		return ft_error(e, -EIO, "%s: reading the database: %s", store_path(s),
				sqlite3_errmsg(store_db(s)));
	if (kernel_version(release, uname, &maj, &min, &pat) < 0) {
		maj = min = pat = 0;
	}
	if (override) {
		int v = variant_from_name(override);

		if (v < 0)
			return ft_error(e, -EINVAL, "unknown code variant '%s' (prefix, fix, v6.2, "
					"upstream)", override);
		caps_of(c, (enum variant)v, v >= VAR_V62 || maj > 5 || (maj == 5 && min >= 15));
		snprintf(c->why, sizeof(c->why), "variant %s given by the user", override);
		return 0;
	}
	if (!release[0] && !maj) {
		caps_of(c, VAR_PREFIX, 0);
		snprintf(c->why, sizeof(c->why), "kernel release unknown: no implied locks "
			 "(treated as pre-fix code)");
		return 0;
	}
	{
		enum variant v = VAR_PREFIX;

		if (maj > 6 || (maj == 6 && min >= 12))
			v = VAR_UPSTREAM;
		else if ((maj == 6 && min >= 2) || (maj == 6 && min == 1 && pat >= 92))
			v = VAR_V62;	/* 6.1.92+ has the whole series backported */
		caps_of(c, v, maj > 5 || (maj == 5 && min >= 15));
		snprintf(c->why, sizeof(c->why), "variant %s from the kernel version %d.%d.%d",
			 variant_names[v], maj, min, pat);
	}
	return 0;
}
