/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * analyze.h - happens-before, folio state and unsafe-window detection over
 * the events of a database; results go back into it (windows, hb_edges,
 * meta 'analysis:*'; folio lifetimes are counted, the folios view lists them).  Running it twice gives the same tables.
 */
#ifndef FT_ANALYZE_H
#define FT_ANALYZE_H

#include <stdint.h>

#include "../core/err.h"
#include "../core/store.h"
#include "../core/vocab.h"

/* The verdicts of core/vocab.h (names, severity, wording): the same numbers. */
enum verdict {
	V_LOSS = FT_VERDICT_LOSS,
	V_HIT = FT_VERDICT_HIT,
	V_DROPPED = FT_VERDICT_DROPPED,
	V_UNSAFE = FT_VERDICT_UNSAFE,
	V_UNKNOWN = FT_VERDICT_UNKNOWN,
	V_PROTECTED = FT_VERDICT_PROTECTED,
	V__COUNT = FT_VERDICT__COUNT
};

/* ft_verdict_name(), ft_verdict_find() of core/vocab.h. */
const char *verdict_name(int v);
int verdict_from_name(const char *name);

struct analyze_result {
	uint64_t events;	/* events of the trace */
	uint64_t relevant;	/* of which the analysis read (locks, folios, extents...) */
	uint64_t windows;
	uint64_t by_verdict[V__COUNT];
	uint64_t hb_edges, hb_joins, hb_entries;
	uint64_t folios;
	uint64_t lost_folios;		/* dirty folios written back over a hole or dropped */
	uint64_t lost_explained;	/* of which a window explains */
	uint64_t lost_unexplained;	/* of which none does (family folio_loss) */
	uint64_t lock_conflicts;	/* contradictions of mutual exclusion seen */
	char variant[32];	/* code variant inferred from the kernel */
	char notes[4096];	/* events the trace lacks, inferences made */
};

/* What the user may decide instead of the trace. */
struct analyze_opts {
	const char *variant;	/* code variant name, or NULL: from the trace */
};

/* Analyses the newest complete trace of s (opts may be NULL). */
int analyze_run_opts(struct store *s, const struct analyze_opts *o, struct analyze_result *r,
		     struct ft_err *e);
int analyze_run(struct store *s, struct analyze_result *r, struct ft_err *e);

#endif
