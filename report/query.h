/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * query.h - the SQL of the report: every statement the report runs lives
 * in query.c.  Each function reads through an index (windows by id,
 * events by id range, a page's events from the blocks event_keys lists for
 * the folio, replays by window), so the cost follows what the document
 * shows, never the trace length.
 * Functions return 0 or a negative code with the message in *e; strings
 * they store in the document are heap copies the document owns.
 */
#ifndef FT_REPORT_QUERY_H
#define FT_REPORT_QUERY_H

#include <stdint.h>

#include "../core/err.h"
#include "../core/store.h"
#include "doc.h"

/* Provenance: the last trace, its recorded types, the kinds it lacks,
 * the verdict counts and the analysis meta rows. */
int query_provenance(struct store *s, struct rp_doc *d, struct ft_err *e);

/*
 * The windows the document lists, most severe first then in time order:
 * every loss, hit, dropped and unsafe window up to max_list, and up to
 * RP_MAX_EXAMPLES of each other verdict.  d->unlisted counts the others.
 */
int query_windows(struct store *s, struct rp_doc *d, int max_list, struct ft_err *e);

/* Ids of the first n windows (in d->win order) that have no stored replay
 * and are detailed.  *out is malloc'd (caller frees). */
int query_unreplayed(struct store *s, const struct rp_doc *d, int64_t **out, int *n,
		     struct ft_err *e);

/* A detailed window's figure data: lanes, events, edges, racing pages with
 * their state changes, stored replays. */
int query_window_detail(struct store *s, struct rp_window *w, struct ft_err *e);

#endif
