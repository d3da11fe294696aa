/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kinds.h - normalized event kinds.
 *
 * A kind says what an event means to the analyzer, independent of what the
 * event is called on a given kernel (5.10's xfs_filemap_fault with
 * write_fault=1 and 6.x's xfs_write_fault are both FT_K_WRITE_FAULT).  The
 * mapping from (system, event) to kind lives in record/normalize.c; this
 * file only names the kinds.  The numbers are stored in databases: append,
 * never renumber.  schema.sql's kinds table is filled from ft_kinds[].
 */
#ifndef FT_KINDS_H
#define FT_KINDS_H

enum ft_kind {
	FT_K_OTHER = 0,
	FT_K_BUFFERED_WRITE,	/* xfs_file_buffered_write */
	FT_K_IOMAP_ALLOC,	/* xfs_iomap_alloc: delalloc reserved */
	FT_K_IOMAP_FOUND,	/* xfs_iomap_found */
	FT_K_IOMAP_INVALID,	/* xfs_iomap_invalid: stale cookie */
	FT_K_ILOCK,		/* xfs_ilock: lock request (before grant) */
	FT_K_ILOCK_NOWAIT,	/* xfs_ilock_nowait: try-lock request */
	FT_K_IUNLOCK,		/* xfs_iunlock: after release */
	FT_K_BUNMAP,		/* xfs_bunmap */
	FT_K_IEXT_INSERT,
	FT_K_IEXT_REMOVE,
	FT_K_BMAP_PRE_UPDATE,
	FT_K_BMAP_POST_UPDATE,
	FT_K_WRITE_FAULT,	/* xfs_write_fault, xfs_filemap_fault(write) */
	FT_K_READ_FAULT,	/* xfs_read_fault, xfs_filemap_fault(read) */
	FT_K_MAP_BLOCKS_FOUND,	/* writeback mapping lookup */
	FT_K_MAP_BLOCKS_ALLOC,	/* writeback delalloc conversion */
	FT_K_WB_IOMAP_INVALID,	/* xfs_wb_{data,cow}_iomap_invalid */
	FT_K_DELALLOC_ENOSPC,
	FT_K_PAGE_ADD,		/* mm_filemap_add_to_page_cache */
	FT_K_PAGE_DELETE,	/* mm_filemap_delete_from_page_cache */
	FT_K_FILEMAP_FAULT,	/* mm_filemap_fault */
	FT_K_DIRTY,		/* writeback_dirty_folio / _page: clean->dirty */
	FT_K_IOMAP_ITER,	/* iomap_iter / iomap_apply */
	FT_K_IOMAP_DSTMAP,
	FT_K_IOMAP_SRCMAP,
	FT_K_WRITEBACK_FOLIO,	/* iomap_writeback_folio / iomap_writepage */
	FT_K_INVALIDATE_FOLIO,	/* iomap_invalidate_folio / _invalidatepage */
	FT_K_RELEASE_FOLIO,	/* iomap_release_folio / _releasepage */
	FT_K_ADD_TO_IOEND,
	FT_K_CONTENTION_BEGIN,
	FT_K_CONTENTION_END,
	FT_K_SCHED_SWITCH,
	FT_K_SCHED_WAKEUP,	/* sched_wakeup, sched_wakeup_new */
	FT_K_SCHED_WAKING,
	FT_K__COUNT
};

struct ft_kind_info {
	const char *name;
	const char *description;
};

extern const struct ft_kind_info ft_kinds[FT_K__COUNT];

/* Returns the kind's name, or "other" for an out-of-range value. */
const char *ft_kind_name(int kind);

#endif
