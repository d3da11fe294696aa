/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "kinds.h"

const struct ft_kind_info ft_kinds[FT_K__COUNT] = {
	[FT_K_OTHER]		= { "other", "recorded, not interpreted" },
	[FT_K_BUFFERED_WRITE]	= { "buffered_write", "start of an XFS buffered write (pos, count)" },
	[FT_K_IOMAP_ALLOC]	= { "iomap_alloc", "write mapping reserved new delalloc blocks" },
	[FT_K_IOMAP_FOUND]	= { "iomap_found", "write/read mapping found an existing extent" },
	[FT_K_IOMAP_INVALID]	= { "iomap_invalid", "cached write mapping found stale (cookie mismatch)" },
	[FT_K_ILOCK]		= { "ilock", "XFS inode lock requested (fires before the grant)" },
	[FT_K_ILOCK_NOWAIT]	= { "ilock_nowait", "XFS inode try-lock requested (result not traced)" },
	[FT_K_IUNLOCK]		= { "iunlock", "XFS inode lock released (fires after the release)" },
	[FT_K_BUNMAP]		= { "bunmap", "extent unmap (truncate, hole punch)" },
	[FT_K_IEXT_INSERT]	= { "iext_insert", "in-core extent record inserted" },
	[FT_K_IEXT_REMOVE]	= { "iext_remove", "in-core extent record removed" },
	[FT_K_BMAP_PRE_UPDATE]	= { "bmap_pre_update", "in-core extent record before an update" },
	[FT_K_BMAP_POST_UPDATE]	= { "bmap_post_update", "in-core extent record after an update" },
	[FT_K_WRITE_FAULT]	= { "write_fault", "mmap write fault (page_mkwrite) on an XFS file" },
	[FT_K_READ_FAULT]	= { "read_fault", "mmap read fault on an XFS file" },
	[FT_K_MAP_BLOCKS_FOUND]	= { "map_blocks_found", "writeback looked up the blocks under a dirty range" },
	[FT_K_MAP_BLOCKS_ALLOC]	= { "map_blocks_alloc", "writeback converted delalloc to real blocks" },
	[FT_K_WB_IOMAP_INVALID]	= { "wb_iomap_invalid", "writeback's cached mapping went stale" },
	[FT_K_DELALLOC_ENOSPC]	= { "delalloc_enospc", "delalloc reservation hit ENOSPC" },
	[FT_K_PAGE_ADD]		= { "page_add", "folio added to the page cache" },
	[FT_K_PAGE_DELETE]	= { "page_delete", "folio deleted from the page cache" },
	[FT_K_FILEMAP_FAULT]	= { "filemap_fault", "generic page-cache fault" },
	[FT_K_DIRTY]		= { "dirty", "folio went from clean to dirty" },
	[FT_K_IOMAP_ITER]	= { "iomap_iter", "iomap iteration step (write, fault, zero, read)" },
	[FT_K_IOMAP_DSTMAP]	= { "iomap_dstmap", "mapping returned to an iomap iteration" },
	[FT_K_IOMAP_SRCMAP]	= { "iomap_srcmap", "source mapping of an iomap iteration" },
	[FT_K_WRITEBACK_FOLIO]	= { "writeback_folio", "writeback of a folio started" },
	[FT_K_INVALIDATE_FOLIO]	= { "invalidate_folio", "folio invalidated (truncate)" },
	[FT_K_RELEASE_FOLIO]	= { "release_folio", "folio private state released (reclaim)" },
	[FT_K_ADD_TO_IOEND]	= { "add_to_ioend", "dirty range added to a writeback I/O" },
	[FT_K_CONTENTION_BEGIN]	= { "contention_begin", "a task starts waiting on a contended lock" },
	[FT_K_CONTENTION_END]	= { "contention_end", "a task stops waiting on a lock" },
	[FT_K_SCHED_SWITCH]	= { "sched_switch", "context switch" },
	[FT_K_SCHED_WAKEUP]	= { "sched_wakeup", "a task woke another" },
	[FT_K_SCHED_WAKING]	= { "sched_waking", "a wakeup was requested" },
};

const char *ft_kind_name(int kind)
{
	if (kind < 0 || kind >= FT_K__COUNT || !ft_kinds[kind].name)
		return "other";
	return ft_kinds[kind].name;
}
