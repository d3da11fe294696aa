/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vocab.h - the domain vocabulary, one table per domain: verdicts, code
 * variants, XFS lock flags, event aliases.  analyze/, replay/, jobs/,
 * report/, tui/ and cli/ name these things only through this file.
 *
 *   verdicts  what the analysis says of a window (analyze/analyze.c's design
 *             block has the rules): its name in the database, severity
 *             (the list order of every front end), whether a reader should
 *             look at it, the words for humans, and the model outcome a
 *             replay of it must give when that does not depend on the trace
 *             (loss and hit depend on the trace's writebacks and
 *             reservations: jobs/winreplay.c).
 *   variants  the kernel code the race runs on: its name (the analysis
 *             stores it, the model runs it: replay/variants.c has one row
 *             per variant that carries the variant's enum, so the two agree
 *             by identity), the upstream versions of each (the fallback when
 *             a trace has no kallsyms), its kallsyms fingerprint over
 *             core/kfingerprint.h's names (docs/variants.md has the
 *             evidence), the kernel whose tracepoint names the model uses
 *             by default, and the words for humans.
 *   lock flags  the bits of XFS's lock_flags (fs/xfs/xfs_inode.h, the same
 *             on 5.10, 6.1 and 6.12): name, lock class, mode.
 *   event aliases  tracepoint names that one kernel calls differently from
 *             another (fs/iomap and mm renames between 5.10 and 6.x): the
 *             name, the canonical (6.x) name, the kernels that use it.
 *   families  the races the analysis knows (a window's family): its name
 *             in the database, the upstream commits that fix it, the code
 *             variants that have it, the events that open and close its
 *             window, the invariant a bad interleaving breaks, its verdict
 *             rules, and the document that explains it.  analyze/analyze.c's
 *             detectors[] gives each family with a detector its hooks.
 *
 * Adding a race family: an enum value and a row in ft_families[] (vocab.c),
 * its detector's row in analyze/analyze.c, its model steps and scenario
 * (replay/), its document in docs/.
 *
 * Adding a kernel variant: an enum value, a row in ft_variants[] (vocab.c)
 * and its row of model steps (replay/variants.c).  Adding a verdict: an
 * enum value and a row in ft_verdicts[] (and the rule that gives it, in
 * analyze/).  tests/unit/test_vocab.c checks that every variant has a
 * model, every verdict its words.
 */
#ifndef FT_CORE_VOCAB_H
#define FT_CORE_VOCAB_H

#include <stdint.h>

/* --- verdicts: severity order, most severe first ----------------------------- */

enum ft_verdict {
	FT_VERDICT_LOSS,
	FT_VERDICT_HIT,
	FT_VERDICT_DROPPED,
	FT_VERDICT_UNSAFE,
	FT_VERDICT_UNKNOWN,
	FT_VERDICT_PROTECTED,
	FT_VERDICT__COUNT
};

struct ft_verdict_row {
	const char *name;	/* as stored in windows.verdict */
	int severity;		/* 1 most severe; the list order everywhere */
	int worth_reading;	/* a reader should look at each such window */
	const char *meaning;	/* one line: what the trace shows */
	const char *outcome;	/* the model outcome a replay must give; NULL: it
				 * depends on the trace (loss, hit) or none (unknown) */
};

extern const struct ft_verdict_row ft_verdicts[FT_VERDICT__COUNT];

/* The row's name, "?" out of range. */
const char *ft_verdict_name(int v);
/* The verdict named name, or -1. */
int ft_verdict_find(const char *name);
/* ft_verdicts[v].worth_reading, 0 out of range. */
int ft_verdict_worth(int v);
/* "loss, hit, dropped, unsafe, unknown, protected" in severity order, for
 * messages and help; worth_only: the worth-reading ones. */
const char *ft_verdict_list(int worth_only);
/* "CASE verdict WHEN 'loss' THEN 1 .. ELSE <last + 1> END": a windows row's
 * severity in SQL (ORDER BY it for the list order of every front end). */
const char *ft_verdict_severity_sql(void);

/* --- code variants: oldest first --------------------------------------------- */

enum ft_variant {
	FT_VARIANT_PREFIX,
	FT_VARIANT_FIX,
	FT_VARIANT_V62,
	FT_VARIANT_UPSTREAM,
	FT_VARIANT__COUNT
};

/* The names, as constants for static tables (replay/variants.c). */
#define FT_VARIANT_NAME_PREFIX		"prefix"
#define FT_VARIANT_NAME_FIX		"fix"
#define FT_VARIANT_NAME_V62		"v6.2"
#define FT_VARIANT_NAME_UPSTREAM	"upstream"

/* A kernel version, major.minor.patch, as one comparable number. */
#define FT_KVER(a, b, c)	((a) * 1000000 + (b) * 1000 + (c))

struct ft_variant_row {
	const char *name;
	const char *kernels;	/* for humans: "5.10 .. 6.1.91" */
	const char *summary;	/* one line: what its cleanup does */
	const char *code;	/* "the pre-fix code": in the report's sentences */
	/* the version fallback: upstream versions [from, to) that run it (two
	 * ranges at most; to 0: no end; from 0 and to 0: none) */
	struct { int from, to; } versions[2];
	/* the kallsyms fingerprint (KFP_BIT sets): every name of need present,
	 * every name of none absent; also: named in the notes when present.
	 * need 0: no fingerprint (the variant is never told by its symbols). */
	uint32_t need, none, also;
	int fp_order;		/* fingerprints are tried in this order, lowest first */
	const char *model_kernel;	/* the tracepoint names the model uses by default */
	int takes_inval;	/* its write cleanup holds invalidate_lock exclusively */
};

extern const struct ft_variant_row ft_variants[FT_VARIANT__COUNT];

/* The row's name, "?" out of range. */
const char *ft_variant_name(int v);
/* The variant named name, or -1. */
int ft_variant_find(const char *name);
/* "prefix, fix, v6.2, upstream": every name, for messages. */
const char *ft_variant_list(void);
/* The variant whose version ranges hold FT_KVER(maj, min, pat); -1 none. */
int ft_variant_of_version(int maj, int min, int pat);

/* --- XFS lock flags (fs/xfs/xfs_inode.h: XFS_IOLOCK_EXCL ..) ------------------ */

struct ft_lockflag_row {
	const char *name;	/* "IOLOCK_EXCL" as the tracepoint prints it */
	unsigned bit;		/* its value in lock_flags */
	int cls;		/* FT_LOCK_IOLOCK, FT_LOCK_ILOCK, FT_LOCK_MMAPLOCK (event.h) */
	int mode;		/* FT_LOCK_EXCL or FT_LOCK_SHARED */
};

#define FT_LOCKFLAG__COUNT	6
extern const struct ft_lockflag_row ft_lockflags[FT_LOCKFLAG__COUNT];

/* The lock_flags bits named in text ("IOLOCK_EXCL|MMAPLOCK_EXCL", or a
 * tracepoint's detail), a name counting only as a whole word. */
unsigned ft_lockflags_parse(const char *text);
/* The lock_flags bits of class cls (FT_LOCK_IOLOCK ..) in mode (FT_LOCK_EXCL,
 * FT_LOCK_SHARED; 0: either). */
unsigned ft_lockflags_of(int cls, int mode);
/* The name of a lock class (FT_LOCK_* of event.h): "IOLOCK", "ILOCK",
 * "MMAPLOCK", "lock" (a kernel lock), "locks" (several classes). */
const char *ft_lock_class_name(int64_t cls);

/* --- event aliases across kernel versions --------------------------------------- */

struct ft_alias_row {
	const char *name;	/* the tracepoint's name on those kernels */
	const char *canonical;	/* the 6.x name */
	const char *kernels;	/* for humans: where the name is used */
	const char *why;	/* the kernel change behind it */
};

extern const struct ft_alias_row ft_aliases[];
extern const int ft_naliases;

/* The canonical name of a tracepoint name (itself when it has no alias). */
const char *ft_event_canonical(const char *name);

/* --- race families ---------------------------------------------------------------- */

enum ft_family {
	FT_FAMILY_DELALLOC_PUNCH,
	FT_FAMILY_STALE_IOMAP,
	FT_FAMILY_FOLIO_LOSS,
	FT_FAMILY__COUNT
};

struct ft_family_row {
	const char *name;	/* as stored in windows.family */
	const char *title;	/* one line for humans */
	const char *commits;	/* the upstream commits that fix it, space-separated;
				 * "" when it is not a kernel race of its own */
	uint32_t affected;	/* FT_FAMILY_VARIANT() bits: the code variants that have it */
	const char *opens;	/* what opens its window, in tracepoint terms */
	const char *closes;	/* what closes it */
	const char *invariant;	/* what a bad interleaving breaks */
	const char *rules;	/* how its windows get their verdicts, for humans */
	const char *doc;	/* the document that explains it */
};

/* The bit of code variant v (enum ft_variant) in ft_family_row.affected. */
#define FT_FAMILY_VARIANT(v)	(1u << (v))

extern const struct ft_family_row ft_families[FT_FAMILY__COUNT];

/* The row's name, "?" out of range. */
const char *ft_family_name(int f);
/* The family named name, or -1. */
int ft_family_find(const char *name);
/* "delalloc_punch, folio_loss": every name, for messages and help. */
const char *ft_family_list(void);

#endif
