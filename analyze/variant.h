/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * variant.h - which code the traced kernel runs for the delalloc punch race.
 *
 * Terms.  A *variant* is one version of the buffered-write failure path and
 * the locks it holds: prefix (truncate + punch under IOLOCK_EXCL only), fix
 * (198dd8aedee6: the same under invalidate_lock exclusive), v6.2 (the
 * release scan keeps dirty folios, punches clean ranges under
 * invalidate_lock), upstream (6.12+: XFS takes invalidate_lock itself).
 * *Capabilities* are the facts the analysis needs from the variant: whether
 * MMAPLOCK is mapping->invalidate_lock, and whether the write cleanup holds
 * it exclusively (an implied lock: no tracepoint marks it).
 *
 * variant_detect() decides from, in order: a user override; the kernel's
 * own symbols (the fingerprints of core/vocab.h's variant table over the names of
 * core/kfingerprint.h that the trace's kallsyms list, stored at import or
 * record: docs/variants.md); the version string as a fallback, when the
 * trace has no kallsyms or no row matches.  Customer kernels backport
 * fixes without changing their version, so the version comes last.  It
 * says which evidence it used in caps->why.
 */
#ifndef FT_ANALYZE_VARIANT_H
#define FT_ANALYZE_VARIANT_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "../core/store.h"
#include "../core/vocab.h"

/* The variants of core/vocab.h (its table has their names, versions and
 * fingerprints): the same numbers. */
enum variant {
	VAR_PREFIX = FT_VARIANT_PREFIX,
	VAR_FIX = FT_VARIANT_FIX,
	VAR_V62 = FT_VARIANT_V62,
	VAR_UPSTREAM = FT_VARIANT_UPSTREAM,
	VAR__COUNT = FT_VARIANT__COUNT
};

struct caps {
	enum variant var;
	int has_inval;		/* MMAPLOCK is mapping->invalidate_lock (>= 5.15) */
	int punch_holds_inval;	/* the write cleanup holds it exclusively */
	char why[512];		/* the evidence that chose the variant */
};

/* ft_variant_name(), ft_variant_find() of core/vocab.h. */
const char *variant_name(int v);
int variant_from_name(const char *name);

/*
 * Decides the variant of trace `trace_id` of s.  override: a variant name
 * from the user, or NULL.  Returns 0, or a negative error code with e set
 * (an unknown override name; a failing query).
 */
int variant_detect(struct store *s, int64_t trace_id, const char *override, struct caps *c,
		   struct ft_err *e);

#endif
