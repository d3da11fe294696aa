/* SPDX-License-Identifier: GPL-2.0-or-later */
/* variant.c - see variant.h. */
#include "variant.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/kfingerprint.h"

const char *variant_name(int v)
{
	return ft_variant_name(v);
}

int variant_from_name(const char *name)
{
	return ft_variant_find(name);
}

/* The fingerprints are core/vocab.h's (ft_variants[]: need, none, also,
 * fp_order); this file applies them to a trace's kallsyms. */

/* A kernel's kallsyms list tens of thousands of entries (100k-125k in the
 * fixtures); fewer is a reduced list (tests/fixtures/xfs-shortwrite-v6.dat
 * keeps 96), whose missing names prove nothing. */
#define KALLSYMS_FULL	10000

static void caps_of(struct caps *c, enum variant v, int has_inval)
{
	c->var = v;
	/* a cleanup that takes invalidate_lock runs where it exists */
	c->has_inval = has_inval || ft_variants[v].takes_inval;
	c->punch_holds_inval = ft_variants[v].takes_inval;
}

/* Appends the names of set, comma-separated, to buf at *k. */
static void put_names(char *buf, size_t n, size_t *k, uint32_t set)
{
	for (int i = 0; i < KFP__COUNT; i++)
		if (set & KFP_BIT(i) && *k < n)
			*k += (size_t)snprintf(buf + *k, n - *k, "%s%s",
					       (set & (KFP_BIT(i) - 1)) ? ", " : "", kfp_name(i));
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

static int q_text(struct store *s, const char *sql, const char *key, int64_t id, char *out,
		  size_t n, int *found)
{
	sqlite3_stmt *st = NULL;
	int rc;

	out[0] = '\0';
	if (found)
		*found = 0;
	if (sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (key)
		sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);

		snprintf(out, n, "%s", t ? (const char *)t : "");
		if (found)
			*found = sqlite3_column_type(st, 0) != SQLITE_NULL;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* What the database holds about the trace's kallsyms (stored at import or
 * record: record/decode.c, record/recorder.c). */
struct ksyms {
	int known;		/* the database says (imported by a build that looks) */
	long long entries;	/* 0: the trace has no kallsyms */
	uint32_t present;
};

static int read_ksyms(struct store *s, int64_t trace_id, struct ksyms *k)
{
	char key[64], val[1024];
	int found;

	memset(k, 0, sizeof(*k));
	snprintf(key, sizeof(key), "trace:%lld:kallsyms", (long long)trace_id);
	if (q_text(s, "SELECT value FROM meta WHERE key = ?", key, 0, val, sizeof(val), &found) < 0)
		return -1;
	if (!found)
		return 0;
	k->known = 1;
	k->entries = strtoll(val, NULL, 10);
	snprintf(key, sizeof(key), "trace:%lld:ksyms", (long long)trace_id);
	if (q_text(s, "SELECT value FROM meta WHERE key = ?", key, 0, val, sizeof(val), &found) < 0)
		return -1;
	kfp_parse(val, &k->present, 0);	/* names of a newer build are skipped */
	return 0;
}

/* The variant whose fingerprint the kernel's symbols match (the rows in
 * fp_order), or -1. */
static int match(const struct ksyms *k)
{
	int best = -1;

	if (!k->known || k->entries <= 0)
		return -1;
	for (int v = 0; v < FT_VARIANT__COUNT; v++) {
		const struct ft_variant_row *f = &ft_variants[v];

		if (!f->need || (k->present & f->need) != f->need)
			continue;
		if (f->none && (k->entries < KALLSYMS_FULL || (k->present & f->none)))
			continue;
		if (best < 0 || f->fp_order < ft_variants[best].fp_order)
			best = v;
	}
	return best;
}

/* Whether MMAPLOCK is invalidate_lock (5.15+): from the symbols when the
 * list is complete, else from the version. */
static int inval_of(const struct ksyms *k, int maj, int min, const char **how)
{
	if (k->known && k->entries >= KALLSYMS_FULL) {
		int has = !!(k->present & KFP_BIT(KFP_INVALIDATE_LOCK_TWO));

		*how = has ? "filemap_invalidate_lock_two present" :
			"filemap_invalidate_lock_two absent";
		return has;
	}
	*how = NULL;
	return maj > 5 || (maj == 5 && min >= 15);
}

/* Why the symbols did not decide, into buf. */
static void no_symbols(const struct ksyms *k, char *buf, size_t n)
{
	size_t len;

	if (!k->known) {
		snprintf(buf, n, "the database does not record the trace's kernel symbols "
			 "(imported by an older foliotrace: import again to use them)");
		return;
	}
	if (k->entries <= 0) {
		snprintf(buf, n, "the trace has no kallsyms");
		return;
	}
	len = (size_t)snprintf(buf, n, "no fingerprint matches the trace's kallsyms (%lld "
			       "entries%s; present: ", k->entries,
			       k->entries < KALLSYMS_FULL ? ", a reduced list" : "");
	if (!k->present && len < n)
		len += (size_t)snprintf(buf + len, n - len, "none of the names looked for");
	put_names(buf, n, &len, k->present);
	if (len < n)
		snprintf(buf + len, n - len, ")");
}

int variant_detect(struct store *s, int64_t trace_id, const char *override, struct caps *c,
		   struct ft_err *e)
{
	char release[128], uname[512], why[256];
	const struct ft_variant_row *f;
	const char *inval_how;
	int fv;
	struct ksyms k;
	int maj, min, pat, inval;
	size_t len;

	memset(c, 0, sizeof(*c));
	if (q_text(s, "SELECT coalesce(kernel_release, '') FROM traces WHERE id = ?", NULL, trace_id,
		   release, sizeof(release), NULL) < 0 ||
	    q_text(s, "SELECT coalesce(uname, '') FROM traces WHERE id = ?", NULL, trace_id,
		   uname, sizeof(uname), NULL) < 0 ||
	    read_ksyms(s, trace_id, &k) < 0)
		return ft_error(e, -EIO, "%s: reading the database: %s", store_path(s),
				sqlite3_errmsg(store_db(s)));
	if (kernel_version(release, uname, &maj, &min, &pat) < 0)
		maj = min = pat = 0;
	inval = inval_of(&k, maj, min, &inval_how);
	if (override) {
		int v = variant_from_name(override);

		if (v < 0)
			return ft_error(e, -EINVAL, "unknown code variant '%s' (%s)", override,
					ft_variant_list());
		fv = match(&k);
		caps_of(c, (enum variant)v, inval);	/* its table row adds its own lock */
		len = (size_t)snprintf(c->why, sizeof(c->why), "variant %s given by the user", override);
		if (fv >= 0 && fv != v && len < sizeof(c->why))
			snprintf(c->why + len, sizeof(c->why) - len, " (the kernel's symbols say %s)",
				 ft_variant_name(fv));
		return 0;
	}
	fv = match(&k);
	if (fv >= 0) {
		f = &ft_variants[fv];
		caps_of(c, (enum variant)fv, inval);
		len = (size_t)snprintf(c->why, sizeof(c->why), "variant %s from the kernel's symbols: ",
				       f->name);
		put_names(c->why, sizeof(c->why), &len, f->need);
		if (len < sizeof(c->why))
			len += (size_t)snprintf(c->why + len, sizeof(c->why) - len, " present");
		if (f->also & k.present && len < sizeof(c->why)) {
			len += (size_t)snprintf(c->why + len, sizeof(c->why) - len, " (also ");
			put_names(c->why, sizeof(c->why), &len, f->also & k.present);
			if (len < sizeof(c->why))
				len += (size_t)snprintf(c->why + len, sizeof(c->why) - len, ")");
		}
		if (f->none && len < sizeof(c->why)) {
			len += (size_t)snprintf(c->why + len, sizeof(c->why) - len, "; ");
			put_names(c->why, sizeof(c->why), &len, f->none);
			if (len < sizeof(c->why))
				len += (size_t)snprintf(c->why + len, sizeof(c->why) - len, " absent");
		}
		if (!f->takes_inval && inval_how && len < sizeof(c->why))
			snprintf(c->why + len, sizeof(c->why) - len, "; MMAPLOCK %s invalidate_lock (%s)",
				 inval ? "is" : "is not", inval_how);
		return 0;
	}
	no_symbols(&k, why, sizeof(why));
	if (!release[0] && !maj) {
		caps_of(c, VAR_PREFIX, inval);
		snprintf(c->why, sizeof(c->why), "%s, and the kernel release is unknown: no implied "
			 "locks (treated as pre-fix code)", why);
		return 0;
	}
	{
		/* the variants' version ranges (core/vocab.h; 6.1.92+ has the
		 * whole 6.2 series backported); none: pre-fix code */
		int v = ft_variant_of_version(maj, min, pat);

		if (v < 0)
			v = VAR_PREFIX;
		caps_of(c, (enum variant)v, inval);
		snprintf(c->why, sizeof(c->why), "%s: variant %s from the kernel version %d.%d.%d",
			 why, ft_variant_name(v), maj, min, pat);
	}
	return 0;
}
