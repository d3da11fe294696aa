/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * synth.h - synthetic traces with known ground truth, written straight into
 * a store: the event sequences the kernel paths of docs/kernel-paths.md
 * produce (buffered write with a short copy and its cleanup, mmap write
 * fault, writeback), as scenario steps.  Used by test_analyze (the labelled
 * corpus) and bench_analyze (large databases).
 */
#ifndef FT_SYNTH_H
#define FT_SYNTH_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../../core/kinds.h"
#include "../../core/store.h"

#define SY_DEV ((7LL << 20) | 0)
#define SY_DELAY(indlen) (0x000FFFFFFFFE0000LL | (indlen))

enum sy_type {
	T_ILOCK, T_IUNLOCK, T_BWRITE, T_ALLOC, T_FOUND, T_ITER, T_ADD, T_DEL, T_DIRTY,
	T_WFAULT, T_PRE, T_POST, T_WBFOLIO, T_MAPFOUND, T_WAKEUP, T_INSERT, T__COUNT
};

static const struct { const char *sys, *name; int kind; } sy_types[T__COUNT] = {
	[T_ILOCK] = { "xfs", "xfs_ilock", FT_K_ILOCK },
	[T_IUNLOCK] = { "xfs", "xfs_iunlock", FT_K_IUNLOCK },
	[T_BWRITE] = { "xfs", "xfs_file_buffered_write", FT_K_BUFFERED_WRITE },
	[T_ALLOC] = { "xfs", "xfs_iomap_alloc", FT_K_IOMAP_ALLOC },
	[T_FOUND] = { "xfs", "xfs_iomap_found", FT_K_IOMAP_FOUND },
	[T_ITER] = { "iomap", "iomap_iter", FT_K_IOMAP_ITER },
	[T_ADD] = { "filemap", "mm_filemap_add_to_page_cache", FT_K_PAGE_ADD },
	[T_DEL] = { "filemap", "mm_filemap_delete_from_page_cache", FT_K_PAGE_DELETE },
	[T_DIRTY] = { "writeback", "writeback_dirty_folio", FT_K_DIRTY },
	[T_WFAULT] = { "xfs", "xfs_write_fault", FT_K_WRITE_FAULT },
	[T_PRE] = { "xfs", "xfs_bmap_pre_update", FT_K_BMAP_PRE_UPDATE },
	[T_POST] = { "xfs", "xfs_bmap_post_update", FT_K_BMAP_POST_UPDATE },
	[T_WBFOLIO] = { "iomap", "iomap_writeback_folio", FT_K_WRITEBACK_FOLIO },
	[T_MAPFOUND] = { "xfs", "xfs_map_blocks_found", FT_K_MAP_BLOCKS_FOUND },
	[T_WAKEUP] = { "sched", "sched_wakeup", FT_K_SCHED_WAKEUP },
	[T_INSERT] = { "xfs", "xfs_iext_insert", FT_K_IEXT_INSERT },
};

enum sy_sym { S_WRITE, S_BEGIN, S_PUNCH, S_DELDELAY, S_FAULT, S__COUNT };
static const char *const sy_syms[S__COUNT] = {
	"xfs_file_buffered_write", "xfs_buffered_write_iomap_begin",
	"xfs_bmap_punch_delalloc_range", "xfs_bmap_del_extent_delay", "__xfs_write_fault",
};

struct synth {
	struct store *s;
	struct ft_err e;
	int64_t trace_id;
	int64_t type_ids[T__COUNT];
	int64_t sym_ids[S__COUNT];
	uint64_t ts;
	uint64_t n;
	int omit_faults;	/* no page_add / write_fault types: faults invisible */
	int err;
	/* per-write state */
	int64_t alloc_off, alloc_len;
};

static inline int synth_open(struct synth *y, const char *path, const char *release,
			     int omit_faults)
{
	struct store_trace_info ti = { "synthetic", -1, "synth" };

	memset(y, 0, sizeof(*y));
	y->omit_faults = omit_faults;
	y->ts = 1000000000ull;
	if (store_create(&y->s, path, &y->e) < 0 ||
	    store_trace_begin(y->s, &ti, &y->trace_id, &y->e) < 0)
		return -1;
	store_trace_set_text(y->s, y->trace_id, "kernel_release", release, &y->e);
	store_trace_set_text(y->s, y->trace_id, "clock", "mono", &y->e);
	for (int t = 0; t < T__COUNT; t++) {
		if (omit_faults && (t == T_ADD || t == T_WFAULT))
			continue;
		if (store_add_type(y->s, y->trace_id, 100 + t, sy_types[t].sys, sy_types[t].name,
				   sy_types[t].kind, &y->type_ids[t], &y->e) < 0)
			return -1;
	}
	for (int k = 0; k < S__COUNT; k++)
		if (store_add_symbol(y->s, sy_syms[k], &y->sym_ids[k], &y->e) < 0)
			return -1;
	return 0;
}

/* One event; cols: pairs (enum ft_col, value), terminated by -1. */
static inline void sy_ev(struct synth *y, int pid, enum sy_type t, ...)
{
	struct ft_event ev;
	va_list ap;
	int c;

	if (!y->type_ids[t])
		return;			/* type omitted from this trace */
	memset(&ev, 0, sizeof(ev));
	ev.ts = (y->ts += 1000);
	ev.pid = pid;
	ev.cpu = pid & 1;
	ev.kind = (uint16_t)sy_types[t].kind;
	va_start(ap, t);
	while ((c = va_arg(ap, int)) >= 0)
		ft_event_set(&ev, c, va_arg(ap, int64_t));
	va_end(ap);
	if (store_add_event(y->s, y->trace_id, y->type_ids[t], &ev, &y->e) < 0)
		y->err = 1;
	y->n++;
}

#define L_IOX 0x01
#define L_IX  0x04
#define L_MX  0x10
#define L_MS  0x20
#define I64(x) ((int64_t)(x))

static inline void sy_lock(struct synth *y, int pid, int unlock, int64_t ino, int flags, enum sy_sym s)
{
	sy_ev(y, pid, unlock ? T_IUNLOCK : T_ILOCK, FT_C_DEV, I64(SY_DEV), FT_C_INO, ino,
	      FT_C_FLAGS, I64(flags), FT_C_CALLER, y->sym_ids[s], -1);
}

/* iomap_begin over a hole: a new delalloc reservation of [off, off+len). */
static inline void sy_reserve(struct synth *y, int pid, int64_t ino, int64_t off, int64_t len)
{
	sy_lock(y, pid, 0, ino, L_IX, S_BEGIN);
	sy_ev(y, pid, T_ALLOC, FT_C_DEV, I64(SY_DEV), FT_C_INO, ino, FT_C_OFFSET, off << 12,
	      FT_C_LENGTH, len << 12, FT_C_EXT_OFF, off, FT_C_EXT_LEN, len,
	      FT_C_EXT_BLOCK, I64(SY_DELAY(4)), -1);
	sy_lock(y, pid, 1, ino, L_IX, S_BEGIN);
	y->alloc_off = off;
	y->alloc_len = len;
}

/* Buffered write of [off, off+len) pages: IOLOCK_EXCL, reservation (NEW). */
static inline void sy_write_begin(struct synth *y, int pid, int64_t ino, int64_t off, int64_t len)
{
	sy_lock(y, pid, 0, ino, L_IOX, S_WRITE);
	sy_ev(y, pid, T_BWRITE, FT_C_DEV, I64(SY_DEV), FT_C_INO, ino, FT_C_OFFSET, off << 12,
	      FT_C_LENGTH, len << 12, -1);
	sy_reserve(y, pid, ino, off, len);
}

static inline void sy_add(struct synth *y, int pid, int64_t ino, int64_t idx)
{
	sy_ev(y, pid, T_ADD, FT_C_DEV, I64(SY_DEV), FT_C_INO, ino, FT_C_FINDEX, idx,
	      FT_C_OFFSET, idx << 12, FT_C_FORDER, I64(0), -1);
}

static inline void sy_dirty(struct synth *y, int pid, int64_t ino, int64_t idx)
{
	sy_ev(y, pid, T_DIRTY, FT_C_DEV, I64(SY_DEV), FT_C_INO, ino, FT_C_FINDEX, idx,
	      FT_C_OFFSET, idx << 12, -1);
}

static inline void sy_copy(struct synth *y, int pid, int64_t ino, int64_t idx)
{
	sy_add(y, pid, ino, idx);
	sy_dirty(y, pid, ino, idx);
}

/* The short copy ended: iomap_end starts the cleanup. */
static inline void sy_cleanup_start(struct synth *y, int pid, int64_t ino, int64_t pos)
{
	sy_ev(y, pid, T_ITER, FT_C_DEV, I64(SY_DEV), FT_C_INO, ino, FT_C_OFFSET, pos << 12,
	      FT_C_LENGTH, I64(0), FT_C_FLAGS, I64(1), -1);
}

static inline void sy_trunc_delete(struct synth *y, int pid, int64_t ino, int64_t idx)
{
	sy_ev(y, pid, T_DEL, FT_C_DEV, I64(SY_DEV), FT_C_INO, ino, FT_C_FINDEX, idx,
	      FT_C_OFFSET, idx << 12, FT_C_FORDER, I64(0), -1);
}

/* The punch's xfs_ilock: a request (the lock is taken later). */
static inline void sy_punch_request(struct synth *y, int pid, int64_t ino)
{
	sy_lock(y, pid, 0, ino, L_IX, S_PUNCH);
}

/* Under the punch's lock: remove [first, alloc end), keep the head; unlock. */
static inline void sy_punch_granted(struct synth *y, int pid, int64_t ino, int64_t first)
{
	sy_ev(y, pid, T_PRE, FT_C_DEV, I64(SY_DEV), FT_C_INO, ino, FT_C_EXT_OFF, y->alloc_off,
	      FT_C_EXT_LEN, y->alloc_len, FT_C_EXT_BLOCK, I64(SY_DELAY(4)),
	      FT_C_CALLER, y->sym_ids[S_DELDELAY], -1);
	sy_ev(y, pid, T_POST, FT_C_DEV, I64(SY_DEV), FT_C_INO, ino, FT_C_EXT_OFF, y->alloc_off,
	      FT_C_EXT_LEN, first - y->alloc_off, FT_C_EXT_BLOCK, I64(SY_DELAY(2)),
	      FT_C_CALLER, y->sym_ids[S_DELDELAY], -1);
	sy_lock(y, pid, 1, ino, L_IX, S_PUNCH);
}

/* Punch [first, alloc end) of the reservation: the extent keeps its head. */
static inline void sy_punch(struct synth *y, int pid, int64_t ino, int64_t first)
{
	sy_punch_request(y, pid, ino);
	sy_punch_granted(y, pid, ino, first);
}

static inline void sy_write_end(struct synth *y, int pid, int64_t ino)
{
	sy_lock(y, pid, 1, ino, L_IOX, S_WRITE);
}

/* mmap write fault on idx: page_mkwrite finds (or reserves) delalloc, dirties. */
static inline void sy_fault(struct synth *y, int pid, int64_t ino, int64_t idx, int add)
{
	if (add)
		sy_add(y, pid, ino, idx);
	sy_ev(y, pid, T_WFAULT, FT_C_DEV, I64(SY_DEV), FT_C_INO, ino, FT_C_FORDER, I64(0), -1);
	sy_lock(y, pid, 0, ino, L_MS, S_FAULT);
	sy_lock(y, pid, 0, ino, L_IX, S_BEGIN);
	sy_ev(y, pid, T_FOUND, FT_C_DEV, I64(SY_DEV), FT_C_INO, ino, FT_C_OFFSET, idx << 12,
	      FT_C_LENGTH, I64(4096), FT_C_EXT_OFF, idx, FT_C_EXT_LEN, I64(1),
	      FT_C_EXT_BLOCK, I64(SY_DELAY(4)), -1);
	sy_lock(y, pid, 1, ino, L_IX, S_BEGIN);
	sy_dirty(y, pid, ino, idx);
	sy_lock(y, pid, 1, ino, L_MS, S_FAULT);
}

/* Writeback of idx: the folio is cleaned, the mapping found (hole = loss). */
static inline void sy_writeback(struct synth *y, int pid, int64_t ino, int64_t idx, int hole)
{
	sy_ev(y, pid, T_WBFOLIO, FT_C_DEV, I64(SY_DEV), FT_C_INO, ino, FT_C_OFFSET, idx << 12,
	      FT_C_LENGTH, I64(4096), -1);
	sy_ev(y, pid, T_MAPFOUND, FT_C_DEV, I64(SY_DEV), FT_C_INO, ino, FT_C_OFFSET, idx << 12,
	      FT_C_LENGTH, I64(4096), FT_C_EXT_OFF, idx, FT_C_EXT_LEN, I64(1),
	      FT_C_EXT_BLOCK, hole ? I64(-2) : I64(123456), -1);
}

static inline void sy_wakeup(struct synth *y, int pid, int to)
{
	sy_ev(y, pid, T_WAKEUP, FT_C_PEER_PID, I64(to), -1);
}

/* Ring-buffer gap on cpu 0 between now and the next event. */
static inline void sy_lost(struct synth *y, int64_t count)
{
	int64_t buf = 0;

	store_add_buffer(y->s, y->trace_id, "synthetic-gap", 2, "mono", &buf, &y->e);
	store_add_lost(y->s, y->trace_id, buf, 0, "missed", count, (int64_t)y->ts,
		       (int64_t)y->ts + 1500, &y->e);
}

static inline int synth_close(struct synth *y)
{
	int ret = 0;

	if (store_trace_set_int(y->s, y->trace_id, "n_events", (int64_t)y->n, &y->e) < 0 ||
	    store_trace_finish(y->s, y->trace_id, &y->e) < 0 || y->err)
		ret = -1;
	return ret;
}

#endif
