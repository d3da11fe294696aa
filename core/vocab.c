/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vocab.c - the domain tables of vocab.h. */
#include "vocab.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "event.h"
#include "kfingerprint.h"

const struct ft_verdict_row ft_verdicts[FT_VERDICT__COUNT] = {
	[FT_VERDICT_LOSS] = { "loss", 1, 1,
		"a folio the cleanup left without delalloc backing was later written back over "
		"a hole or dropped while dirty: its data is lost", NULL },
	[FT_VERDICT_HIT] = { "hit", 2, 1,
		"another task added, looked up or dirtied a page of the cleanup's range inside "
		"the window (the race of 198dd8aedee6); the trace shows no loss from it", NULL },
	[FT_VERDICT_DROPPED] = { "dropped", 3, 1,
		"the cleanup's truncate deleted a page another task had dirtied, after its store "
		"landed: that task's data is lost (what 198dd8aedee6 alone still allows)",
		"dirty_dropped" },
	[FT_VERDICT_UNSAFE] = { "unsafe", 4, 1,
		"nothing excluded page faults from the cleanup, but none came", "ok" },
	[FT_VERDICT_UNKNOWN] = { "unknown", 5, 0,
		"cannot be judged: events were lost in the window, the trace has no fault "
		"events, or it contradicts the lock that would protect the window", NULL },
	[FT_VERDICT_PROTECTED] = { "protected", 6, 0,
		"the writer held invalidate_lock (MMAPLOCK) exclusively across the cleanup: "
		"faults were excluded", "ok" },
};

const char *ft_verdict_name(int v)
{
	return v >= 0 && v < FT_VERDICT__COUNT ? ft_verdicts[v].name : "?";
}

int ft_verdict_find(const char *name)
{
	for (int v = 0; name && v < FT_VERDICT__COUNT; v++)
		if (!strcmp(ft_verdicts[v].name, name))
			return v;
	return -1;
}

int ft_verdict_worth(int v)
{
	return v >= 0 && v < FT_VERDICT__COUNT && ft_verdicts[v].worth_reading;
}

const char *ft_verdict_list(int worth_only)
{
	static char buf[2][160];
	char *b = buf[!!worth_only];

	if (!b[0])
		for (int v = 0; v < FT_VERDICT__COUNT; v++) {
			size_t n = strlen(b);

			if (!worth_only || ft_verdicts[v].worth_reading)
				snprintf(b + n, sizeof(buf[0]) - n, "%s%s", n ? ", " : "",
					 ft_verdicts[v].name);
		}
	return b;
}

const char *ft_verdict_severity_sql(void)
{
	static char buf[512];

	if (!buf[0]) {
		size_t n = (size_t)snprintf(buf, sizeof(buf), "CASE verdict");

		for (int v = 0; v < FT_VERDICT__COUNT; v++)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, " WHEN '%s' THEN %d",
					      ft_verdicts[v].name, ft_verdicts[v].severity);
		snprintf(buf + n, sizeof(buf) - n, " ELSE %d END", FT_VERDICT__COUNT + 1);
	}
	return buf;
}

#define B(s)	KFP_BIT(KFP_##s)

/*
 * Fingerprints (docs/variants.md gives the evidence of each row: upstream
 * commits and releases, the kallsyms of the real traces in tests/fixtures).
 * The first row in fp_order whose names are all present (need) and all
 * absent (none) wins.  Rules the rows follow:
 *  - a name is only evidence when it cannot vanish from kallsyms: exported
 *    or non-static, or a static function whose address is taken (an iomap
 *    or ops callback); a static helper called directly may be inlined, so
 *    its absence proves nothing;
 *  - absence is only evidence in a complete kallsyms (analyze/variant.c);
 *  - "fix" has a row only for kernels where the helper 198dd8aedee6's
 *    follow-up (b71f889c18ad) added stayed out of line; where it was
 *    inlined, a fix-only kernel reads as prefix (its implied lock is then
 *    missed: windows read as more exposed, never less).
 */
const struct ft_variant_row ft_variants[FT_VARIANT__COUNT] = {
	[FT_VARIANT_PREFIX] = { FT_VARIANT_NAME_PREFIX, "5.5 .. 6.1.91",
		"truncate then punch under IOLOCK only", "the pre-fix code",
		{ { 1, FT_KVER(6, 1, 92) } },
		/* 5.5+ before 198dd8aedee6 (Debian 5.10.223): the cleanup in
		 * xfs_buffered_write_iomap_end, no helper of the fix series */
		B(XFS_WRITE_IOMAP_END) | B(XFS_BMAP_PUNCH_DELALLOC),
		B(IOMAP_PUNCH_DELALLOC) | B(IOMAP_WRITE_DELALLOC_RELEASE) | B(XFS_DELALLOC_PUNCH) |
		B(XFS_IOMAP_VALID), 0, 4, "5.10", 0 },
	[FT_VARIANT_FIX] = { FT_VARIANT_NAME_FIX, "198dd8aedee6 alone (backports)",
		"truncate + punch under invalidate_lock exclusive", "the code with 198dd8aedee6",
		{ { 0, 0 } },
		/* 198dd8aedee6 + b71f889c18ad without the iomap move */
		B(XFS_DELALLOC_PUNCH) | B(XFS_BMAP_PUNCH_DELALLOC),
		B(IOMAP_PUNCH_DELALLOC) | B(IOMAP_WRITE_DELALLOC_RELEASE) | B(XFS_IOMAP_VALID),
		B(XFS_WRITE_IOMAP_END), 3, "6.1", 1 },
	[FT_VARIANT_V62] = { FT_VARIANT_NAME_V62, "6.1.92 .. 6.11",
		"keep dirty folios, punch clean ranges, iomap validity cookie",
		"the 6.2 cleanup code",
		/* 6.2-6.11 and the backports of the series (Debian 6.1.192) */
		{ { FT_KVER(6, 1, 92), FT_KVER(6, 12, 0) } },
		/* 9c7babf94a0d..304a68b9c63b: exported wrapper over the scan.  No
		 * absence: its static iomap_write_delalloc_release may stay out of
		 * line (Debian 6.1.192 inlined it), and 6.12+ matched before */
		B(IOMAP_PUNCH_DELALLOC), 0, B(XFS_DELALLOC_PUNCH) | B(XFS_IOMAP_VALID), 2, "6.1", 1 },
	[FT_VARIANT_UPSTREAM] = { FT_VARIANT_NAME_UPSTREAM, "6.12 ..",
		"the steps of v6.2, XFS takes invalidate_lock itself", "the upstream code",
		{ { FT_KVER(6, 12, 0), 0 } },
		/* 6.12+ (caf0ea451d97, b78495166264): iomap exports the release
		 * scan and the 6.2 wrapper is gone; XFS takes invalidate_lock */
		B(IOMAP_WRITE_DELALLOC_RELEASE), B(IOMAP_PUNCH_DELALLOC),
		B(XFS_DELALLOC_PUNCH) | B(XFS_IOMAP_VALID), 1, "6.12", 1 },
};

const char *ft_variant_name(int v)
{
	return v >= 0 && v < FT_VARIANT__COUNT ? ft_variants[v].name : "?";
}

int ft_variant_find(const char *name)
{
	for (int v = 0; name && v < FT_VARIANT__COUNT; v++)
		if (!strcmp(ft_variants[v].name, name))
			return v;
	return -1;
}

const char *ft_variant_list(void)
{
	static char buf[128];

	if (!buf[0])
		for (int v = 0; v < FT_VARIANT__COUNT; v++) {
			size_t n = strlen(buf);

			snprintf(buf + n, sizeof(buf) - n, "%s%s", v ? ", " : "", ft_variants[v].name);
		}
	return buf;
}

int ft_variant_of_version(int maj, int min, int pat)
{
	int k = FT_KVER(maj, min, pat);

	for (int v = 0; v < FT_VARIANT__COUNT; v++)
		for (int i = 0; i < 2; i++) {
			int from = ft_variants[v].versions[i].from, to = ft_variants[v].versions[i].to;

			if ((from || to) && k >= from && (!to || k < to))
				return v;
		}
	return -1;
}

/* fs/xfs/xfs_inode.h (5.10, 6.1, 6.12): XFS_IOLOCK_EXCL (1u << 0) ..
 * XFS_MMAPLOCK_SHARED (1u << 5); the tracepoints print them by these names
 * (XFS_LOCK_FLAGS). */
const struct ft_lockflag_row ft_lockflags[FT_LOCKFLAG__COUNT] = {
	{ "IOLOCK_EXCL", 1u << 0, FT_LOCK_IOLOCK, FT_LOCK_EXCL },
	{ "IOLOCK_SHARED", 1u << 1, FT_LOCK_IOLOCK, FT_LOCK_SHARED },
	{ "ILOCK_EXCL", 1u << 2, FT_LOCK_ILOCK, FT_LOCK_EXCL },
	{ "ILOCK_SHARED", 1u << 3, FT_LOCK_ILOCK, FT_LOCK_SHARED },
	{ "MMAPLOCK_EXCL", 1u << 4, FT_LOCK_MMAPLOCK, FT_LOCK_EXCL },
	{ "MMAPLOCK_SHARED", 1u << 5, FT_LOCK_MMAPLOCK, FT_LOCK_SHARED },
};

static int is_upper_or_us(char c)
{
	return (c >= 'A' && c <= 'Z') || c == '_';
}

unsigned ft_lockflags_parse(const char *text)
{
	unsigned bits = 0;

	for (int i = 0; text && i < FT_LOCKFLAG__COUNT; i++) {
		size_t n = strlen(ft_lockflags[i].name);

		/* a whole word: ILOCK_EXCL is not the tail of MMAPLOCK_EXCL */
		for (const char *p = strstr(text, ft_lockflags[i].name); p;
		     p = strstr(p + 1, ft_lockflags[i].name))
			if ((p == text || !is_upper_or_us(p[-1])) && !is_upper_or_us(p[n])) {
				bits |= ft_lockflags[i].bit;
				break;
			}
	}
	return bits;
}

unsigned ft_lockflags_of(int cls, int mode)
{
	unsigned bits = 0;

	for (int i = 0; i < FT_LOCKFLAG__COUNT; i++)
		if (ft_lockflags[i].cls == cls && (!mode || ft_lockflags[i].mode == mode))
			bits |= ft_lockflags[i].bit;
	return bits;
}

const char *ft_lock_class_name(int64_t cls)
{
	switch (cls) {
	case FT_LOCK_IOLOCK: return "IOLOCK";
	case FT_LOCK_ILOCK: return "ILOCK";
	case FT_LOCK_MMAPLOCK: return "MMAPLOCK";
	case FT_LOCK_KERNEL: return "lock";
	default: return "locks";
	}
}

const struct ft_alias_row ft_aliases[] = {
	{ "writeback_dirty_page", "writeback_dirty_folio", "5.10",
	  "the folio conversion of account_page_dirtied (folio_account_dirtied)" },
	{ "iomap_apply", "iomap_iter", "5.10",
	  "fs/iomap/apply.c:iomap_apply became fs/iomap/iter.c:iomap_iter (5.15)" },
	{ "iomap_apply_dstmap", "iomap_iter_dstmap", "5.10", "the same change" },
	{ "iomap_invalidatepage", "iomap_invalidate_folio", "5.10",
	  "the folio conversion of iomap_invalidatepage" },
	{ "xfs_file_buffered_aio_write", "xfs_file_buffered_write", "5.10",
	  "the write path's function (a caller, not a tracepoint) was renamed" },
};

const int ft_naliases = (int)(sizeof(ft_aliases) / sizeof(ft_aliases[0]));

const char *ft_event_canonical(const char *name)
{
	for (int i = 0; name && i < ft_naliases; i++)
		if (!strcmp(ft_aliases[i].name, name))
			return ft_aliases[i].canonical;
	return name;
}

/* --- race families ------------------------------------------------------------- */

#define FV(v)	FT_FAMILY_VARIANT(FT_VARIANT_##v)

const struct ft_family_row ft_families[FT_FAMILY__COUNT] = {
	[FT_FAMILY_DELALLOC_PUNCH] = { "delalloc_punch",
		"a short buffered write's cleanup (truncate, then punch the unused delalloc) "
		"races a page fault on its range",
		"198dd8aedee6",
		/* pre-fix: truncate and punch under IOLOCK only; 198dd8aedee6
		 * alone still lets the truncate drop a page a fault dirtied */
		FV(PREFIX) | FV(FIX),
		"the punch's ILOCK_EXCL request (xfs_ilock, caller "
		"xfs_bmap_punch_delalloc_range) inside the writer's IOLOCK_EXCL section "
		"(caller xfs_file_buffered_write); the window starts at the writer's last "
		"progress before it (reservation, page add, dirtying)",
		"the punch's ILOCK_EXCL release (xfs_iunlock); its grant is the writer's "
		"first event after the request",
		"every dirty page is backed by a delalloc, unwritten or real extent: a page "
		"dirtied in the window loses its reservation to the punch and is written back "
		"over a hole (or, with 198dd8aedee6 alone, dropped by the truncate)",
		"loss: a page of the range was later written back over a hole or dropped dirty; "
		"hit: another task added, looked up or dirtied a page of the range in the window; "
		"dropped: the truncate deleted a page another task had dirtied; "
		"unknown: events lost in the window, no fault events, or a contradicted lock; "
		"protected: the writer held invalidate_lock exclusively across it (traced or "
		"implied by the code variant); unsafe: nothing excluded faults, none came",
		"docs/families.md" },
	[FT_FAMILY_STALE_IOMAP] = { "stale_iomap",
		"a buffered write re-creates a page under the mapping it looked up before "
		"writeback converted the extent and the page was evicted",
		"d7b64041164c 304a68b9c63b",
		/* the validity check came with the 6.2 series (6.1.92 backports) */
		FV(PREFIX) | FV(FIX),
		"the writer's mapping lookup (iomap_apply / iomap_iter with the write flag) "
		"inside its IOLOCK_EXCL buffered write",
		"its next lookup or the end of the write; a window is written when the writer "
		"dirties, under that lookup, a page another task converted (extent update, "
		"caller xfs_bmap_add_extent_unwritten_real or _delay_real) and then deleted "
		"from the page cache, and which the writer added again",
		"a write fills the bytes of a new page it does not overwrite from what the disk "
		"holds: under a mapping that still says unwritten or delalloc after the block "
		"was written, they are zero-filled instead",
		"loss: the write covers that page in part (the rest was zeroed over written "
		"data); hit: it covers the page whole (the stale mapping was used, nothing "
		"lost); kernels with the validity check look the mapping up again before "
		"dirtying, so no window is written there",
		"docs/families.md" },
	[FT_FAMILY_FOLIO_LOSS] = { "folio_loss",
		"a page written back over a hole or dropped while dirty, that no window of "
		"a race family explains",
		"",
		FV(PREFIX) | FV(FIX) | FV(V62) | FV(UPSTREAM),
		"the loss itself: a dirty page whose writeback mapping is a hole "
		"(xfs_map_blocks_found with a hole), or its deletion from the page cache "
		"while dirty",
		"the same event",
		"every dirty page is backed by a delalloc, unwritten or real extent",
		"always loss, with the events that show it; read it as a race the analysis "
		"does not know yet, or events missing from the trace",
		"docs/families.md" },
};

#undef FV

const char *ft_family_name(int f)
{
	return f >= 0 && f < FT_FAMILY__COUNT ? ft_families[f].name : "?";
}

int ft_family_find(const char *name)
{
	for (int f = 0; name && f < FT_FAMILY__COUNT; f++)
		if (!strcmp(ft_families[f].name, name))
			return f;
	return -1;
}

const char *ft_family_list(void)
{
	static char buf[256];

	if (!buf[0])
		for (int f = 0; f < FT_FAMILY__COUNT; f++) {
			size_t n = strlen(buf);

			snprintf(buf + n, sizeof(buf) - n, "%s%s", f ? ", " : "", ft_families[f].name);
		}
	return buf;
}
