/* SPDX-License-Identifier: GPL-2.0-or-later */
/* variant.c - see variant.h. */
#include "variant.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/kfingerprint.h"

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

/*
 * Fingerprints: one row per variant, most recent first; the first row
 * whose names are all present (need) and all absent (none) wins.  Names
 * are core/kfingerprint.h's; docs/variants.md gives the evidence of each
 * row (upstream commits and releases, the kallsyms of the real traces in
 * tests/fixtures).  Rules the rows follow:
 *  - a name is only evidence when it cannot vanish from kallsyms: exported
 *    or non-static, or a static function whose address is taken (an iomap
 *    or ops callback), which the compiler must keep out of line; a static
 *    helper called directly may be inlined, so its absence proves nothing
 *    and its presence only what its source says;
 *  - absence is only evidence in a complete kallsyms (KALLSYMS_FULL);
 *  - xfs is a module on distribution kernels: its names are listed only
 *    while it is loaded (trace-cmd reads kallsyms when the recording ends,
 *    with xfs loaded); the 6.2+ rows rest on iomap, which is built in.
 * "fix" has a row only for kernels where the helper 198dd8aedee6's
 * follow-up (b71f889c18ad) added stayed out of line; where it was inlined,
 * a fix-only kernel reads as prefix (its implied lock is then missed:
 * windows read as more exposed, never less).
 */
struct fingerprint {
	enum variant var;
	uint32_t need, none;
	uint32_t also;		/* not required; named in the notes when present */
};

#define B(s)	KFP_BIT(KFP_##s)

static const struct fingerprint fingerprints[] = {
	/* 6.12+ (caf0ea451d97, b78495166264): iomap exports the release
	 * scan and the 6.2 wrapper is gone; XFS takes invalidate_lock. */
	{ VAR_UPSTREAM, B(IOMAP_WRITE_DELALLOC_RELEASE), B(IOMAP_PUNCH_DELALLOC),
	  B(XFS_DELALLOC_PUNCH) | B(XFS_IOMAP_VALID) },
	/* 6.2-6.11 and the backports of the series (Debian 6.1.192):
	 * 9c7babf94a0d..304a68b9c63b, exported wrapper over the scan.  No
	 * absence: its static iomap_write_delalloc_release may stay out of
	 * line (Debian 6.1.192 inlined it), and 6.12+ matched above. */
	{ VAR_V62, B(IOMAP_PUNCH_DELALLOC), 0, B(XFS_DELALLOC_PUNCH) | B(XFS_IOMAP_VALID) },
	/* 198dd8aedee6 + b71f889c18ad without the iomap move. */
	{ VAR_FIX, B(XFS_DELALLOC_PUNCH) | B(XFS_BMAP_PUNCH_DELALLOC),
	  B(IOMAP_PUNCH_DELALLOC) | B(IOMAP_WRITE_DELALLOC_RELEASE) | B(XFS_IOMAP_VALID),
	  B(XFS_WRITE_IOMAP_END) },
	/* 5.5+ before 198dd8aedee6 (Debian 5.10.223): the cleanup in
	 * xfs_buffered_write_iomap_end, no helper of the fix series. */
	{ VAR_PREFIX, B(XFS_WRITE_IOMAP_END) | B(XFS_BMAP_PUNCH_DELALLOC),
	  B(IOMAP_PUNCH_DELALLOC) | B(IOMAP_WRITE_DELALLOC_RELEASE) | B(XFS_DELALLOC_PUNCH) |
	  B(XFS_IOMAP_VALID), 0 },
};

/* A kernel's kallsyms list tens of thousands of entries (100k-125k in the
 * fixtures); fewer is a reduced list (tests/fixtures/xfs-shortwrite-v6.dat
 * keeps 96), whose missing names prove nothing. */
#define KALLSYMS_FULL	10000

static void caps_of(struct caps *c, enum variant v, int has_inval)
{
	c->var = v;
	c->has_inval = has_inval || v >= VAR_FIX;	/* the fix takes invalidate_lock */
	c->punch_holds_inval = v >= VAR_FIX;
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

/* The row of the kernel's symbols, or NULL. */
static const struct fingerprint *match(const struct ksyms *k)
{
	if (!k->known || k->entries <= 0)
		return NULL;
	for (size_t i = 0; i < sizeof(fingerprints) / sizeof(fingerprints[0]); i++) {
		const struct fingerprint *f = &fingerprints[i];

		if ((k->present & f->need) != f->need)
			continue;
		if (f->none && (k->entries < KALLSYMS_FULL || (k->present & f->none)))
			continue;
		return f;
	}
	return NULL;
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
	const struct fingerprint *f;
	const char *inval_how;
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
			return ft_error(e, -EINVAL, "unknown code variant '%s' (prefix, fix, v6.2, "
					"upstream)", override);
		f = match(&k);
		caps_of(c, (enum variant)v, v >= VAR_V62 || inval);
		len = (size_t)snprintf(c->why, sizeof(c->why), "variant %s given by the user", override);
		if (f && f->var != (enum variant)v && len < sizeof(c->why))
			snprintf(c->why + len, sizeof(c->why) - len, " (the kernel's symbols say %s)",
				 variant_names[f->var]);
		return 0;
	}
	f = match(&k);
	if (f) {
		caps_of(c, f->var, inval);
		len = (size_t)snprintf(c->why, sizeof(c->why), "variant %s from the kernel's symbols: ",
				       variant_names[f->var]);
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
		if (f->var < VAR_FIX && inval_how && len < sizeof(c->why))
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
		enum variant v = VAR_PREFIX;

		if (maj > 6 || (maj == 6 && min >= 12))
			v = VAR_UPSTREAM;
		else if ((maj == 6 && min >= 2) || (maj == 6 && min == 1 && pat >= 92))
			v = VAR_V62;	/* 6.1.92+ has the whole series backported */
		caps_of(c, v, inval);
		snprintf(c->why, sizeof(c->why), "%s: variant %s from the kernel version %d.%d.%d",
			 why, variant_names[v], maj, min, pat);
	}
	return 0;
}
