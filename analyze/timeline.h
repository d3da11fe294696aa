/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * timeline.h - the per-folio timeline of an inode, computed on demand from
 * the stored events (the inode's blocks, found through event_keys): the
 * events that touch a page index, with the page-cache and extent state
 * after each.  A fault event without an offset (xfs_write_fault) belongs to
 * the index of the same task's next iomap/xfs_iomap event.  Large folios
 * cover several indexes.
 */
#ifndef FT_TIMELINE_H
#define FT_TIMELINE_H

#include <stdint.h>

#include "../core/err.h"
#include "../core/store.h"

struct tl_entry {
	int64_t id, ts;
	int pid, kind;
	int64_t type_id;
	int64_t first, last;	/* pages the event touches */
	const char *pc;		/* page-cache state of the index after it (NULL: a range) */
	const char *ext;	/* extent state of the index after it (NULL: a range) */
};

typedef int (*tl_fn)(void *ctx, const struct tl_entry *t);

/* index < 0: every page event of the inode (states then describe t->first). */
int timeline_run(struct store *s, int64_t ino, int64_t index, tl_fn fn, void *ctx,
		 struct ft_err *e);
/*
 * The events that touch any page of first..last (a window's pages).  With
 * first == last this is timeline_run(); otherwise there is no one page to
 * give a state of, and pc and ext are NULL.
 */
int timeline_run_range(struct store *s, int64_t ino, int64_t first, int64_t last, tl_fn fn,
		       void *ctx, struct ft_err *e);

#endif
