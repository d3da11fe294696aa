/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * model.c - the kernel-path model: state, rw-semaphores, step machines and
 * the invariant checks.  docs/kernel-paths.md describes the kernel code
 * modelled (paths, locks, tracepoints per version); docs/model-steps.md lists
 * the steps here per variant, with the events each names.
 *
 * Design
 *   State    struct model (model_impl.h): one inode, MODEL_MAX_PAGES pages
 *            of page cache and extent map, counters, LK_COUNT rw-semaphores,
 *            the tasks.  Fixed-size, memcpy-able.
 *   Step     the variant's table maps the task's slot to a struct mstep:
 *            need() names the lock that must be free, run() changes the
 *            state and returns the next slot.  A step is atomic: locks that
 *            the kernel holds only inside it (ILOCK in iomap_begin, the
 *            punch, writeback's map) are checked free, not held across.
 *   Runnable a task is runnable iff it is not done and the lock its next
 *            step needs can be granted (writer: no holder; reader: no
 *            writer).  A task that cannot get it is recorded as a waiter on
 *            that rw-semaphore (model_refresh_waiters).  Waiting on a lock the
 *            task itself holds never ends: that and any other cycle show as
 *            a deadlock.  Reader/writer fairness (a reader queueing behind a
 *            waiting writer) is not modelled.
 *
 * Invariants checked after every step (numbering of docs/kernel-paths.md
 * section 4), each a named outcome:
 *   I1 unbacked_dirty    a dirty or under-writeback folio inside EOF whose
 *                        block is a hole (no delalloc, no allocated block).
 *                        Checked for the pages whose folio or extent the step
 *                        wrote.
 *   I2 stale_folio       a folio inserted in the range of a punch whose task
 *                        holds invalidate_lock exclusively (checked at insert).
 *   I3 dirty_dropped     a write-failure cleanup deleted a folio another task
 *                        dirtied (checked at the delete; a hole punch or a
 *                        truncate owns its range and may drop data).
 *   I4 data_loss         writeback mapped a dirty block to a hole;
 *      writeback_error   the delalloc extent seen by writeback's lookup was
 *                        gone at its convert (WARN, -EAGAIN, folio discarded).
 *   I5 reservation_leak  i_delayed_blks == delalloc blocks, allocated ==
 *                        unwritten + real blocks, free + delayed + allocated
 *                        == the total (checked after accounting changes).
 *                        Indirect (bmbt) reservations are not modelled.
 *   I8 deadlock          unfinished tasks, none runnable (at the end).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_impl.h"

static const char *const outcome_names[MODEL_OUTCOMES] = {
	"ok", "data_loss", "dirty_dropped", "writeback_error", "unbacked_dirty",
	"stale_folio", "reservation_leak", "deadlock",
};

static const char *const kind_names[MODEL_TASK_KINDS] = {
	"write", "fault", "writeback", "punch", "truncate", "read", "read_fault",
};

const uint8_t model_first_slot[MODEL_TASK_KINDS] = {
	[MODEL_TASK_WRITE] = W_IOLOCK, [MODEL_TASK_FAULT] = F_READ,
	[MODEL_TASK_WRITEBACK] = B_LOCK, [MODEL_TASK_PUNCH] = P_IOLOCK,
	[MODEL_TASK_TRUNCATE] = P_IOLOCK, [MODEL_TASK_READ] = R_IOLOCK,
	[MODEL_TASK_READ_FAULT] = RF_READ,
};

const char *model_outcome_name(enum model_outcome o)
{
	return (unsigned)o < MODEL_OUTCOMES ? outcome_names[o] : "?";
}

int model_outcome_find(const char *name)
{
	for (int i = 0; i < MODEL_OUTCOMES; i++)
		if (!strcmp(outcome_names[i], name))
			return i;
	return -1;
}

const char *model_task_kind_name(enum model_task_kind k)
{
	return (unsigned)k < MODEL_TASK_KINDS ? kind_names[k] : "?";
}

uint64_t model_fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++) {
		h ^= c[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* --- footprint, outcomes, locks ------------------------------------------ */


static void hit(struct model *m, struct mtask *t, enum model_outcome o, int folio, int other)
{
	uint32_t bit = 1u << o;

	if (!(m->hits & bit)) {
		m->hits |= bit;
		m->step_hits |= bit;
		m->first[o] = (struct mhit){ (int16_t)m->nsteps, (int16_t)(t ? t - m->t : -1),
					     (int16_t)folio, (int16_t)other };
	}
}

static int tid(const struct model *m, const struct mtask *t)
{
	return (int)(t - m->t);
}

struct mfp model_lock_bit(int lock)
{
	return lock < LK_FOLIO0 ? (struct mfp){ .g = 1ull << lock } : A_FLOCK(lock - LK_FOLIO0);
}

int model_lock_grantable(const struct model *m, int lock, int mode, int task)
{
	const struct mrwsem *l = &m->lk[lock];

	(void)task;	/* a task asking for a lock it holds is not granted: deadlock */
	if (mode == LM_X)
		return l->writer < 0 && !l->readers;
	return l->writer < 0;
}

static void lock_take(struct model *m, struct mtask *t, int lock, int mode)
{
	struct mrwsem *l = &m->lk[lock];

	WR(m, model_lock_bit(lock));
	if (mode == LM_X)
		l->writer = (int8_t)tid(m, t);
	else
		l->readers |= (uint16_t)(1u << tid(m, t));
}

static void lock_drop(struct model *m, struct mtask *t, int lock)
{
	struct mrwsem *l = &m->lk[lock];

	WR(m, model_lock_bit(lock));
	if (l->writer == tid(m, t))
		l->writer = -1;
	else
		l->readers &= (uint16_t)~(1u << tid(m, t));
}

/* need() helpers: the lock the step needs, its read recorded. */
static int need_lock(struct model *m, int lock, int mode, int *out_mode)
{
	RD(m, model_lock_bit(lock));
	*out_mode = mode;
	return lock;
}

static int cached(struct model *m, int i)
{
	RD(m, A_PAGE(i));
	return m->f[i].st & FS_CACHED;
}

/* The first cached folio of [lo, hi) locked by someone, as a need.  Reads
 * the page state and folio lock of the whole range (see wb_next_dirty). */
static int need_range_folios(struct model *m, int lo, int hi, int *mode)
{
	int r = -1;

	for (int i = lo; i < hi; i++) {
		RD(m, A_PAGE(i), A_FLOCK(i));
		if (r < 0 && (m->f[i].st & FS_CACHED) &&
		    !model_lock_grantable(m, LK_FOLIO0 + i, LM_X, -1))
			r = i;
	}
	return r < 0 ? -1 : need_lock(m, LK_FOLIO0 + r, LM_X, mode);
}

/* --- trace events ---------------------------------------------------------- */

static const char *const kernel_names[MK_COUNT] = { "5.10", "6.1", "6.12" };

/* Names that are the same on the three kernels (docs/kernel-paths.md 3.1). */
static const char *const tpe_common[TE_COUNT] = {
	[TE_ILOCK_X] = "xfs_ilock(ILOCK_EXCL)", [TE_IUNLOCK_X] = "xfs_iunlock(ILOCK_EXCL)",
	[TE_ILOCK_S] = "xfs_ilock(ILOCK_SHARED)", [TE_IUNLOCK_S] = "xfs_iunlock(ILOCK_SHARED)",
	[TE_IOLOCK_X] = "xfs_ilock(IOLOCK_EXCL)", [TE_IOUNLOCK_X] = "xfs_iunlock(IOLOCK_EXCL)",
	[TE_IOLOCK_S] = "xfs_ilock(IOLOCK_SHARED)", [TE_IOUNLOCK_S] = "xfs_iunlock(IOLOCK_SHARED)",
	[TE_MMAP_S] = "xfs_ilock(MMAPLOCK_SHARED)", [TE_MMAPUN_S] = "xfs_iunlock(MMAPLOCK_SHARED)",
	[TE_MMAP_X] = "xfs_ilock(MMAPLOCK_EXCL)", [TE_MMAPUN_X] = "xfs_iunlock(MMAPLOCK_EXCL)",
	[TE_IOMMAP_X] = "xfs_ilock(IOLOCK_EXCL|MMAPLOCK_EXCL)",
	[TE_IOMMAPUN_X] = "xfs_iunlock(IOLOCK_EXCL|MMAPLOCK_EXCL)",
	[TE_BUFWRITE] = "xfs_file_buffered_write", [TE_FOUND] = "xfs_iomap_found",
	[TE_ALLOC] = "xfs_iomap_alloc", [TE_ENOSPC] = "xfs_delalloc_enospc",
	[TE_IEXT_INSERT] = "xfs_iext_insert", [TE_IEXT_REMOVE] = "xfs_iext_remove",
	[TE_PRE] = "xfs_bmap_pre_update", [TE_POST] = "xfs_bmap_post_update",
	[TE_BUNMAP] = "xfs_bunmap",
	[TE_ADD] = "mm_filemap_add_to_page_cache", [TE_DELETE] = "mm_filemap_delete_from_page_cache",
	[TE_FAULT_R] = "xfs_filemap_fault(write_fault=0)",
	[TE_FAULT_W] = "xfs_filemap_fault(write_fault=1)",
	[TE_WRITEPAGE] = "iomap_writepage",
	[TE_MAP_FOUND] = "xfs_map_blocks_found", [TE_MAP_FOUND_HOLE] = "xfs_map_blocks_found(hole)",
	[TE_MAP_ALLOC] = "xfs_map_blocks_alloc",
};

/* The name of event e on kernel k, NULL when that kernel does not emit it. */
static const char *tpe_name(int k, int e)
{
	switch (e) {
	case TE_DIRTY:		/* 5.10 account_page_dirtied, 6.x folio_account_dirtied */
		return k == MK_510 ? "writeback_dirty_page" : "writeback_dirty_folio";
	case TE_ITER:		/* 5.10 fs/iomap/apply.c:iomap_apply, 6.x iter.c:iomap_iter */
		return k == MK_510 ? "iomap_apply" : "iomap_iter";
	case TE_DSTMAP:
		return k == MK_510 ? "iomap_apply_dstmap" : "iomap_iter_dstmap";
	case TE_INVALIDATE:	/* 5.10 iomap_invalidatepage, 6.x iomap_invalidate_folio */
		return k == MK_510 ? "iomap_invalidatepage" : "iomap_invalidate_folio";
	case TE_INVALID:	/* 6.12 xfs_iomap.c:xfs_iomap_valid; 6.1.192 has no tracepoint */
		return k == MK_612 ? "xfs_iomap_invalid" : NULL;
	case TE_MM_FAULT:	/* 6.12 mm/filemap.c:filemap_fault */
		return k == MK_612 ? "mm_filemap_fault" : NULL;
	case TE_WB_INVALID:	/* 6.12 xfs_aops.c:xfs_imap_valid */
		return k == MK_612 ? "xfs_wb_data_iomap_invalid" : NULL;
	default:
		return e > 0 && e < TE_COUNT ? tpe_common[e] : NULL;
	}
}

static void ev(struct model *m, int e)
{
	if (m->ntpev < MODEL_TP_EVENTS)
		m->tpev[m->ntpev++] = (uint8_t)e;
}

static int k510(const struct model *m)
{
	return m->kernel == MK_510;
}

/* Formats the step's events: the length written (0: none, buf ""); a text
 * longer than len ends in "..." */
static size_t tp_format(const struct model *m, char *buf, size_t len)
{
	size_t used = 0;

	if (len)
		buf[0] = 0;
	for (int i = 0; i < m->ntpev; i++) {
		const char *name = tpe_name(m->kernel, m->tpev[i]);
		size_t n;

		if (!name)
			continue;
		n = strlen(name) + (used ? 2 : 0);
		if (used + n + 4 > len) {
			if (used + 4 <= len)
				memcpy(buf + used, "...", 4);
			return used + 3 < len ? used + 3 : used;
		}
		if (used) {
			memcpy(buf + used, ", ", 2);
			used += 2;
		}
		memcpy(buf + used, name, strlen(name) + 1);
		used += strlen(name);
	}
	return used;
}

/*
 * Extent-tree updates (libxfs/xfs_bmap.c, the same cases in 5.10, 6.1 and
 * 6.12): xfs_iext_insert/xfs_iext_remove trace themselves, an in-place
 * update (xfs_iext_update_extent) traces xfs_bmap_pre_update and
 * xfs_bmap_post_update.  Which ones a change emits depends on the
 * neighbouring extents; an extent here is a maximal run of one type (real
 * and unwritten: with consecutive block numbers), a block outside the
 * window counts as a hole.  These reads only name events: they change no
 * state and no outcome, so they are not in the footprint.
 */
static int same_ext(const struct model *m, int a, int b)
{
	if (a < 0 || b < 0 || a >= m->npages || b >= m->npages || m->b[a].type != m->b[b].type)
		return 0;
	if (m->b[a].type == MODEL_EXT_UNWRITTEN || m->b[a].type == MODEL_EXT_REAL)
		return m->b[b].blk - m->b[a].blk == b - a;
	return 1;
}

/* xfs_bmap_add_extent_hole_delay: the delalloc reservation [lo, hi) merges
 * with delalloc neighbours. */
static void ev_hole_delay(struct model *m, int lo, int hi)
{
	int l = lo > 0 && m->b[lo - 1].type == MODEL_EXT_DELALLOC;
	int r = hi < m->npages && m->b[hi].type == MODEL_EXT_DELALLOC;

	if (l && r) {
		ev(m, TE_IEXT_REMOVE);
		ev(m, TE_PRE);
		ev(m, TE_POST);
	} else if (l || r) {
		ev(m, TE_PRE);
		ev(m, TE_POST);
	} else {
		ev(m, TE_IEXT_INSERT);
	}
}

/* xfs_bmap_del_extent_delay / _real over the extents of [lo, hi) whose type
 * is wanted (delalloc only, or any allocated one), last extent first as
 * xfs_bmap_punch_delalloc_range and __xfs_bunmapi walk. */
static void ev_del_range(struct model *m, int lo, int hi, int delalloc_only)
{
	for (int i = hi - 1; i >= lo; ) {
		int type = m->b[i].type, e_lo = i, e_hi = i + 1, d_lo, lf, rf;

		if (type == MODEL_EXT_HOLE || (delalloc_only && type != MODEL_EXT_DELALLOC)) {
			i--;
			continue;
		}
		while (same_ext(m, e_lo - 1, e_lo))
			e_lo--;
		while (same_ext(m, e_hi - 1, e_hi))
			e_hi++;
		d_lo = e_lo > lo ? e_lo : lo;
		lf = d_lo == e_lo;
		rf = i + 1 == e_hi;
		if (lf && rf) {
			ev(m, TE_IEXT_REMOVE);
		} else {
			ev(m, TE_PRE);
			ev(m, TE_POST);
			if (!lf && !rf)
				ev(m, TE_IEXT_INSERT);
		}
		i = d_lo - 1;
	}
}

/* xfs_bmap_add_extent_delay_real, the whole delalloc extent [lo, hi)
 * allocated as one unwritten extent from block first. */
static void ev_delay_real(struct model *m, int lo, int hi, int first)
{
	int l = lo > 0 && m->b[lo - 1].type == MODEL_EXT_UNWRITTEN && m->b[lo - 1].blk + 1 == first;
	int r = hi < m->npages && m->b[hi].type == MODEL_EXT_UNWRITTEN &&
		m->b[hi].blk == first + (hi - lo);

	if (l)
		ev(m, TE_IEXT_REMOVE);
	if (r)
		ev(m, TE_IEXT_REMOVE);
	ev(m, TE_PRE);
	ev(m, TE_POST);
}

/* --- extent map and accounting ------------------------------------------- */

static int blk_type(struct model *m, int i)
{
	RD(m, A_EXT(i));
	return m->b[i].type;
}

static void ext_set(struct model *m, int i, int type)
{
	WR(m, A_EXT(i), A_SEQ, A_ACCT);
	m->b[i].type = (uint8_t)type;
	m->b[i].blk = 0;
	m->seq++;
}

/* The hole run [i, hi) within [i, end): where a reservation at i ends. */
static int hole_end(struct model *m, int i, int end)
{
	while (i < end && blk_type(m, i) == MODEL_EXT_HOLE)
		i++;
	return i;
}

/*
 * xfs_bmapi_reserve_delalloc of [lo, hi): all or nothing.  Both 5.10 and
 * 6.x take the whole length from the free count at once (xfs_mod_fdblocks
 * of alen, then of the indirect blocks, which the model does not count) and
 * fail with -ENOSPC otherwise [S libxfs/xfs_bmap.c].  Names the extent-tree
 * update; the caller names xfs_delalloc_enospc (5.10: in
 * xfs_buffered_write_iomap_begin; 6.x: in xfs_bmapi_reserve_delalloc, both
 * under ILOCK).
 */
static int reserve_delalloc(struct model *m, int lo, int hi)
{
	RD(m, A_ACCT);
	if (m->fdblocks < hi - lo)
		return -ENOSPC;
	ev_hole_delay(m, lo, hi);
	for (int i = lo; i < hi; i++) {
		ext_set(m, i, MODEL_EXT_DELALLOC);
		m->fdblocks--;
		m->delayed++;
	}
	return 0;
}

/* xfs_bmap_del_extent_delay for one block. */
static void punch_delalloc(struct model *m, int i)
{
	ext_set(m, i, MODEL_EXT_HOLE);
	m->fdblocks++;
	m->delayed--;
}

static void folio_insert(struct model *m, struct mtask *t, int i, uint8_t st)
{
	WR(m, A_PAGE(i));
	RD(m, A_CLEANUP);
	m->f[i].st = st | FS_CACHED;
	m->f[i].dirtied_by = -1;
	m->f[i].mapped = 0;
	/* I2: no folio appears in a range whose punch holds invalidate_lock X. */
	if (m->cl_task >= 0 && m->cl_task != tid(m, t) && i >= m->cl_lo && i < m->cl_hi)
		hit(m, t, MODEL_STALE_FOLIO, i, m->cl_task);
}

static void folio_delete(struct model *m, struct mtask *t, int i, int owner)
{
	struct mfolio *f = &m->f[i];

	WR(m, A_PAGE(i));
	/* I3: a write-failure cleanup must not drop another task's dirty data.
	 * A fault's folio whose store has not landed holds none: the PTE is
	 * zapped with the folio and the store faults again. */
	if (!owner && (f->st & (FS_DIRTY | FS_WB)) && (f->st & FS_DATA) &&
	    f->dirtied_by != tid(m, t))
		hit(m, t, MODEL_DIRTY_DROPPED, i, f->dirtied_by);
	f->st = 0;
	f->dirtied_by = -1;
	f->mapped = 0;
}

/* Dirties the folio (data: a write's copy lands with it); names the event
 * on a clean->dirty transition only (5.10 account_page_dirtied, 6.x
 * folio_account_dirtied). */
static void folio_dirty(struct model *m, struct mtask *t, int i, int data)
{
	RD(m, A_PAGE(i));
	WR(m, A_PAGE(i));
	if (!(m->f[i].st & FS_DIRTY))
		ev(m, TE_DIRTY);
	m->f[i].st |= FS_UPTODATE | FS_DIRTY | (data ? FS_DATA : 0);
	m->f[i].dirtied_by = (int8_t)tid(m, t);
}

/* The alloc half of xfs_buffered_write_iomap_begin after a reservation:
 * 5.10 and 6.1 trace xfs_iomap_alloc after dropping ILOCK, 6.12 before. */
static void ev_alloc_unlock(struct model *m)
{
	if (m->kernel == MK_612) {
		ev(m, TE_ALLOC);
		ev(m, TE_IUNLOCK_X);
	} else {
		ev(m, TE_IUNLOCK_X);
		ev(m, TE_ALLOC);
	}
}

/* --- buffered write (W) --------------------------------------------------- */

static int need_none(struct model *m, struct mtask *t, int *mode)
{
	(void)m; (void)t; (void)mode;
	return -1;
}

static int need_iolock_x(struct model *m, struct mtask *t, int *mode)
{
	(void)t;
	return need_lock(m, LK_IOLOCK, LM_X, mode);
}

static int need_iolock_s(struct model *m, struct mtask *t, int *mode)
{
	(void)t;
	return need_lock(m, LK_IOLOCK, LM_S, mode);
}

static int need_inval_x(struct model *m, struct mtask *t, int *mode)
{
	(void)t;
	return need_lock(m, LK_INVAL, LM_X, mode);
}

static int need_inval_s(struct model *m, struct mtask *t, int *mode)
{
	(void)t;
	return need_lock(m, LK_INVAL, LM_S, mode);
}

static int need_ilock_x(struct model *m, struct mtask *t, int *mode)
{
	(void)t;
	return need_lock(m, LK_ILOCK, LM_X, mode);
}

static int need_ilock_s(struct model *m, struct mtask *t, int *mode)
{
	(void)t;
	return need_lock(m, LK_ILOCK, LM_S, mode);
}

/* xfs_file_buffered_aio_write (5.10) / xfs_file_buffered_write (6.x):
 * IOLOCK_EXCL, then the xfs_file_buffered_write event. */
static int w_iolock(struct model *m, struct mtask *t)
{
	lock_take(m, t, LK_IOLOCK, LM_X);
	ev(m, TE_IOLOCK_X);
	ev(m, TE_BUFWRITE);
	t->cur = t->first;
	t->resume = W_IOUNLOCK;
	return NX_NEXT;
}

/*
 * One round of the write loop: iomap_apply (5.10) or iomap_iter (6.x)
 * traces, then xfs_buffered_write_iomap_begin under ILOCK_EXCL: an extent at
 * the cursor (real, unwritten or delalloc) is returned as found; a hole gets
 * a new delalloc reservation up to the next extent or the write's end,
 * IOMAP_F_NEW.  ENOSPC ends the write (its -ENOSPC retry after a flush in
 * xfs_file_buffered_aio_write / xfs_file_buffered_write is not modelled).
 */
static int w_begin(struct model *m, struct mtask *t)
{
	int end = t->first + t->n, i = t->cur;
	int type = blk_type(m, i);

	ev(m, TE_ITER);
	ev(m, TE_ILOCK_X);
	t->map_lo = (uint8_t)i;
	t->written = 0;
	t->stale = 0;
	if (type != MODEL_EXT_HOLE) {
		while (i < end && blk_type(m, i) == type)
			i++;
		t->map_type = (uint8_t)type;
		t->map_new = 0;
		ev(m, TE_FOUND);
		ev(m, TE_IUNLOCK_X);
	} else {
		i = hole_end(m, i, end);
		if (reserve_delalloc(m, t->map_lo, i) < 0) {
			ev(m, TE_ENOSPC);
			ev(m, TE_IUNLOCK_X);
			t->iter_open = 0;
			return W_IOUNLOCK;
		}
		t->map_type = MODEL_EXT_DELALLOC;
		t->map_new = 1;
		ev_alloc_unlock(m);
	}
	ev(m, TE_DSTMAP);
	t->iter_open = 1;
	t->map_hi = (uint8_t)i;
	RD(m, A_SEQ);
	t->cookie = m->seq;
	return NX_NEXT;
}

static int need_w_folio(struct model *m, struct mtask *t, int *mode)
{
	if (t->ncopied >= t->copied || !cached(m, t->cur))
		return -1;
	return need_lock(m, LK_FOLIO0 + t->cur, LM_X, mode);
}

/* iomap_write_actor (5.10) / iomap_write_iter (6.x): fault in the source
 * first (the short copy stops here), then get or create the locked folio
 * (6.x: check the iomap validity cookie), copy, dirty. */
static int w_folio_common(struct model *m, struct mtask *t, int validate)
{
	int i = t->cur;

	if (t->ncopied >= t->copied)
		return W_END;	/* fault_in fails: -EFAULT, this round ends */
	m->folio = (int8_t)i;
	RD(m, A_FLOCK(i));
	if (!cached(m, i)) {
		folio_insert(m, t, i, 0);
		ev(m, TE_ADD);
	}
	if (validate) {
		RD(m, A_SEQ);
		if (t->cookie != m->seq) {
			/* iomap_valid fails: IOMAP_F_STALE, the mapping ends short */
			t->stale = 1;
			ev(m, TE_INVALID);
			return W_END;
		}
	}
	folio_dirty(m, t, i, 1);
	RD(m, A_ISIZE);
	if (i + 1 > m->isize) {
		WR(m, A_ISIZE);
		m->isize = (uint8_t)(i + 1);
	}
	t->cur++;
	t->written++;
	t->ncopied++;
	return t->cur >= t->map_hi ? W_END : W_FOLIO;
}

static int w_folio(struct model *m, struct mtask *t)
{
	return w_folio_common(m, t, 0);
}

static int w_folio_valid(struct model *m, struct mtask *t)
{
	return w_folio_common(m, t, 1);
}

/*
 * ->iomap_end (xfs_buffered_write_iomap_end): a new delalloc mapping not
 * written in full is cleaned up from the first unwritten block (the
 * mapping's start when nothing was written) to its end.  Then the loop:
 * 5.10 iomap_file_buffered_write calls iomap_apply again while bytes remain
 * and the last call returned > 0; 6.x iomap_iter_advance continues after
 * processed > 0 or a stale mapping.  So a short copy that made progress in
 * this mapping maps the rest again (a second reservation, a copy that fails
 * at once, a second cleanup of the whole new mapping); one that copied
 * nothing here ends the write.
 */
static int w_end(struct model *m, struct mtask *t)
{
	int end = t->first + t->n;

	(void)m;
	if (t->cur < end && (t->written > 0 || t->stale))
		t->resume = W_BEGIN;
	else
		t->resume = W_IOUNLOCK;
	if (t->map_type == MODEL_EXT_DELALLOC && t->map_new && t->cur < t->map_hi) {
		t->cl_lo = t->cur;
		t->cl_hi = t->map_hi;
		return NX_NEXT;
	}
	return t->resume;
}

/* 6.x: the last iomap_iter call traces after the last ->iomap_end. */
static int w_iounlock(struct model *m, struct mtask *t)
{
	if (!k510(m) && t->iter_open)
		ev(m, TE_ITER);
	lock_drop(m, t, LK_IOLOCK);
	ev(m, TE_IOUNLOCK_X);
	return NX_DONE;
}

/* --- write-failure cleanup ----------------------------------------------- */

/* filemap_invalidate_lock: untraced (fix: 198dd8aedee6 in
 * xfs_buffered_write_iomap_end; 6.1 iomap_write_delalloc_release; 6.12
 * xfs_buffered_write_iomap_end). */
static int cl_inval_lock(struct model *m, struct mtask *t)
{
	lock_take(m, t, LK_INVAL, LM_X);
	WR(m, A_CLEANUP);
	m->cl_task = (int8_t)tid(m, t);
	m->cl_lo = t->cl_lo;
	m->cl_hi = t->cl_hi;
	return NX_NEXT;
}

static int cl_inval_unlock(struct model *m, struct mtask *t)
{
	lock_drop(m, t, LK_INVAL);
	WR(m, A_CLEANUP);
	m->cl_task = -1;
	return NX_NEXT;
}

static int cl_inval_unlock_leak(struct model *m, struct mtask *t)
{
	(void)t;
	WR(m, A_CLEANUP);
	m->cl_task = -1;	/* forgets to release invalidate_lock */
	return NX_NEXT;
}

static int need_cl_range(struct model *m, struct mtask *t, int *mode)
{
	return need_range_folios(m, t->cl_lo, t->cl_hi, mode);
}

static int need_cl_scan(struct model *m, struct mtask *t, int *mode)
{
	int hi = t->cl_hi;

	RD(m, A_ISIZE);
	if (hi > m->isize)
		hi = m->isize;
	return need_range_folios(m, t->cl_lo, hi, mode);
}

/* truncate_pagecache_range(R): delete every cached folio of R. */
static int cl_truncate(struct model *m, struct mtask *t)
{
	for (int i = t->cl_lo; i < t->cl_hi; i++)
		if (cached(m, i)) {
			folio_delete(m, t, i, 0);
			if (m->folio < 0)
				m->folio = (int8_t)i;
			ev(m, TE_DELETE);
		}
	return NX_NEXT;
}

/* xfs_bmap_punch_delalloc_range of [lo, hi) under ILOCK_EXCL. */
static void punch_call(struct model *m, int lo, int hi, int leak)
{
	ev(m, TE_ILOCK_X);
	ev_del_range(m, lo, hi, 1);
	for (int i = lo; i < hi; i++) {
		if (blk_type(m, i) != MODEL_EXT_DELALLOC)
			continue;
		if (leak) {
			ext_set(m, i, MODEL_EXT_HOLE);	/* the blocks are not given back */
			m->delayed--;
		} else {
			punch_delalloc(m, i);
		}
	}
	ev(m, TE_IUNLOCK_X);
}

/* prefix, fix: one punch of the whole range. */
static int cl_punch(struct model *m, struct mtask *t)
{
	t->keep = 0;
	punch_call(m, t->cl_lo, t->cl_hi, 0);
	return NX_NEXT;
}

static int cl_punch_leak(struct model *m, struct mtask *t)
{
	t->keep = 0;
	punch_call(m, t->cl_lo, t->cl_hi, 1);
	return NX_NEXT;
}

/* v6.2, upstream: iomap_write_delalloc_release punches each run of pages
 * the scan did not keep, one xfs_bmap_punch_delalloc_range call per run
 * (6.1 iomap_write_delalloc_scan, 6.12 iomap_write_delalloc_punch: a punch
 * up to each dirty folio, then the rest up to the end). */
static int cl_punch_clean(struct model *m, struct mtask *t)
{
	int lo = t->cl_lo;

	for (int i = t->cl_lo; i <= t->cl_hi; i++) {
		if (i < t->cl_hi && !((t->keep >> i) & 1))
			continue;
		if (i > lo)
			punch_call(m, lo, i, 0);
		lo = i + 1;
	}
	return NX_NEXT;
}

/* iomap_write_delalloc_release's scan: keep the delalloc under dirty folios
 * (and under folios in writeback) inside EOF. */
static int cl_scan(struct model *m, struct mtask *t)
{
	int hi = t->cl_hi;

	RD(m, A_ISIZE);
	if (hi > m->isize)
		hi = m->isize;
	t->keep = 0;
	for (int i = t->cl_lo; i < hi; i++)
		if (cached(m, i) && (m->f[i].st & (FS_DIRTY | FS_WB))) {
			RD(m, A_FLOCK(i));
			t->keep |= 1ull << i;
		}
	return NX_NEXT;
}

static int cl_scan_nolock(struct model *m, struct mtask *t)
{
	(void)m;
	t->keep = 0;		/* keeps nothing and locks nothing */
	return NX_NEXT;
}

/* --- mmap faults (F: write, RF: read) -------------------------------------- */

static int need_f_read(struct model *m, struct mtask *t, int *mode)
{
	if (cached(m, t->cur))
		return -1;
	return need_lock(m, LK_INVAL, LM_S, mode);
}

/*
 * ->fault of an absent folio: 5.10 __xfs_filemap_fault traces
 * xfs_filemap_fault and takes MMAPLOCK_SHARED around filemap_fault; 6.1 and
 * 6.12 take no XFS lock, filemap_fault takes invalidate_lock shared
 * (untraced) and 6.12 traces mm_filemap_fault.  The folio is inserted and
 * read through iomap (xfs_read_iomap_begin: ILOCK_SHARED, then
 * xfs_iomap_found, a hole or delalloc included); the fault then returns
 * VM_FAULT_RETRY (it dropped mmap_lock for the read) and the retry finds
 * the folio: a second xfs_filemap_fault (5.10: with MMAPLOCK_SHARED).  The
 * retry is a separate section in the kernel, here part of the step.
 */
/* A new folio read through iomap: inserted, mapped under ILOCK_SHARED (a
 * hole or delalloc reads as zeroes), and 6.x's iomap_iter closing the
 * mapping (5.10's iomap_apply emits no second event). */
static void ev_read_iomap(struct model *m)
{
	ev(m, TE_ADD);
	ev(m, TE_ITER);
	ev(m, TE_ILOCK_S);
	ev(m, TE_IUNLOCK_S);
	ev(m, TE_FOUND);
	ev(m, TE_DSTMAP);
	if (!k510(m))
		ev(m, TE_ITER);
}

static void ev_fault_read(struct model *m)
{
	ev(m, TE_FAULT_R);
	ev(m, TE_MM_FAULT);
	if (k510(m))
		ev(m, TE_MMAP_S);
	ev_read_iomap(m);
	if (k510(m))
		ev(m, TE_MMAPUN_S);
	ev(m, TE_FAULT_R);
	ev(m, TE_MM_FAULT);
	if (k510(m)) {
		ev(m, TE_MMAP_S);
		ev(m, TE_MMAPUN_S);
	}
}

/* filemap_fault: create and read the folio under invalidate_lock S. */
static int f_read_common(struct model *m, struct mtask *t)
{
	int i = t->cur;

	m->folio = (int8_t)i;
	if (cached(m, i))
		return 0;	/* already cached: mapped by fault-around, no ->fault */
	folio_insert(m, t, i, FS_UPTODATE);
	(void)blk_type(m, i);	/* xfs_read_iomap_begin: hole/delalloc read as zeroes */
	return 1;
}

static int f_read(struct model *m, struct mtask *t)
{
	if (f_read_common(m, t))
		ev_fault_read(m);
	return NX_NEXT;
}

/* A read fault task: each page read in (or found cached), no page_mkwrite. */
static int rf_read(struct model *m, struct mtask *t)
{
	if (f_read_common(m, t)) {
		ev_fault_read(m);
	} else {
		/* a present folio: ->fault finds it (5.10: under MMAPLOCK_SHARED,
		 * which the model does not take for a cached folio) */
		ev(m, TE_FAULT_R);
		ev(m, TE_MM_FAULT);
		if (k510(m)) {
			ev(m, TE_MMAP_S);
			ev(m, TE_MMAPUN_S);
		}
	}
	t->cur++;
	return t->cur < t->first + t->n ? RF_READ : NX_DONE;
}

/* ->page_mkwrite: xfs_filemap_fault(write_fault=1), MMAPLOCK_SHARED
 * (5.10/6.1 __xfs_filemap_fault, 6.12 xfs_write_fault). */
static int f_mklock(struct model *m, struct mtask *t)
{
	lock_take(m, t, LK_INVAL, LM_S);
	ev(m, TE_FAULT_W);
	ev(m, TE_MMAP_S);
	return NX_NEXT;
}

static int f_mklock_none(struct model *m, struct mtask *t)
{
	(void)t;
	ev(m, TE_FAULT_W);
	return NX_NEXT;
}

static int need_f_flock(struct model *m, struct mtask *t, int *mode)
{
	if (!cached(m, t->cur))
		return -1;
	return need_lock(m, LK_FOLIO0 + t->cur, LM_X, mode);
}

/* iomap_page_mkwrite: lock the folio; if it was truncated meanwhile
 * (page_mkwrite_check_truncate: -EFAULT, VM_FAULT_NOPAGE) the fault is
 * retried. */
static int f_flock_common(struct model *m, struct mtask *t, int mklocked)
{
	int i = t->cur;

	m->folio = (int8_t)i;
	if (!cached(m, i)) {
		if (mklocked) {
			lock_drop(m, t, LK_INVAL);
			ev(m, TE_MMAPUN_S);
		}
		t->retries++;
		return F_READ;
	}
	lock_take(m, t, LK_FOLIO0 + i, LM_X);
	return NX_NEXT;
}

static int f_flock(struct model *m, struct mtask *t)
{
	return f_flock_common(m, t, 1);
}

static int f_flock_nomk(struct model *m, struct mtask *t)
{
	return f_flock_common(m, t, 0);
}

/*
 * iomap_page_mkwrite's mapping (IOMAP_WRITE|IOMAP_FAULT) through
 * xfs_buffered_write_iomap_begin: found, or a one-block reservation over a
 * hole.  A reservation that fails (ENOSPC) fails the fault: the folio is
 * unlocked, block_page_mkwrite_return (5.10, 6.1) / vmf_fs_error (6.12)
 * turn -ENOSPC into VM_FAULT_SIGBUS, nothing is dirtied, no store lands.
 */
static int f_begin_common(struct model *m, struct mtask *t, int reserve)
{
	int i = t->cur;

	m->folio = (int8_t)i;
	ev(m, TE_ITER);
	ev(m, TE_ILOCK_X);
	if (blk_type(m, i) != MODEL_EXT_HOLE) {
		ev(m, TE_FOUND);
		ev(m, TE_IUNLOCK_X);
	} else if (!reserve) {
		ev(m, TE_IUNLOCK_X);	/* broken: proceeds with nothing reserved */
	} else if (reserve_delalloc(m, i, i + 1) == 0) {
		ev_alloc_unlock(m);
	} else {
		ev(m, TE_ENOSPC);
		ev(m, TE_IUNLOCK_X);
		t->sigbus = 1;
		return F_MKUNLOCK;
	}
	ev(m, TE_DSTMAP);
	return NX_NEXT;
}

static int f_begin(struct model *m, struct mtask *t)
{
	return f_begin_common(m, t, 1);
}

static int f_begin_noreserve(struct model *m, struct mtask *t)
{
	return f_begin_common(m, t, 0);
}

/* iomap_page_mkwrite_actor (5.10) / iomap_folio_mkwrite_iter (6.x). */
static int f_dirty(struct model *m, struct mtask *t)
{
	int i = t->cur;

	m->folio = (int8_t)i;
	folio_dirty(m, t, i, 0);
	return NX_NEXT;
}

/* prefix, fix: xfs_buffered_write_iomap_end with written == length, a
 * no-op; it runs inside the mapping call, untraced. */
static int f_nop(struct model *m, struct mtask *t)
{
	(void)m; (void)t;
	return NX_NEXT;
}

static int f_sigbus_end(struct model *m, struct mtask *t)
{
	lock_drop(m, t, LK_FOLIO0 + t->cur);
	m->folio = (int8_t)t->cur;
	return NX_DONE;
}

/* 6.x: the last iomap_iter call traces (after ->iomap_end if any); then
 * MMAPLOCK_SHARED is dropped.  After SIGBUS the folio was unlocked first
 * and the task ends. */
static int f_mkunlock(struct model *m, struct mtask *t)
{
	if (!k510(m) && !t->sigbus)
		ev(m, TE_ITER);
	lock_drop(m, t, LK_INVAL);
	ev(m, TE_MMAPUN_S);
	return t->sigbus ? f_sigbus_end(m, t) : NX_NEXT;
}

static int f_mkunlock_none(struct model *m, struct mtask *t)
{
	if (!k510(m) && !t->sigbus)
		ev(m, TE_ITER);
	return t->sigbus ? f_sigbus_end(m, t) : NX_NEXT;
}

/* The fault completes: the PTE is made writable and the folio unlocked
 * (mm/memory.c:do_shared_fault via finish_fault, or wp_page_shared, then
 * fault_dirty_shared_page; 5.10, 6.1, 6.12). */
static int f_store(struct model *m, struct mtask *t)
{
	int i = t->cur;

	m->folio = (int8_t)i;
	WR(m, A_PAGE(i));
	m->f[i].mapped |= (uint16_t)(1u << tid(m, t));
	lock_drop(m, t, LK_FOLIO0 + i);
	return NX_NEXT;
}

/* Back in user space the store is retried: it lands in the folio if the PTE
 * is still writable; a truncate (mm/truncate.c:truncate_pagecache_range
 * zaps the PTEs with unmap_mapping_range before deleting) or a writeback
 * (mm/page-writeback.c:clear_page_dirty_for_io: page_mkclean) in between
 * makes it fault again. */
static int f_ustore(struct model *m, struct mtask *t)
{
	int i = t->cur;

	m->folio = (int8_t)i;
	RD(m, A_PAGE(i));
	if (!((m->f[i].mapped >> tid(m, t)) & 1)) {
		t->retries++;
		return F_READ;
	}
	WR(m, A_PAGE(i));
	m->f[i].st |= FS_DATA;
	t->cur++;
	return t->cur < t->first + t->n ? F_READ : NX_DONE;
}

/* --- writeback (B) --------------------------------------------------------- */

/*
 * The first dirty cached folio at or after the cursor, -1 if none.  It reads
 * every page of the rest of the range, not only up to the one it returns:
 * where a scan stops depends on values other tasks write, and a footprint
 * that shrinks with those values breaks DPOR (docs/replay-explore.md, "scans
 * read their whole range"; the same in need_range_folios and wb_cache).
 */
static int wb_next_dirty(struct model *m, struct mtask *t)
{
	int r = -1;

	for (int i = t->cur; i < t->first + t->n; i++)
		if (cached(m, i) && (m->f[i].st & FS_DIRTY) && r < 0)
			r = i;
	return r;
}

static int need_b_lock(struct model *m, struct mtask *t, int *mode)
{
	int i = wb_next_dirty(m, t);

	return i < 0 ? -1 : need_lock(m, LK_FOLIO0 + i, LM_X, mode);
}

/* write_cache_pages: lock the next dirty folio, clear dirty (no event), set
 * writeback; iomap_do_writepage (5.10, 6.1) / iomap_writepage_map (6.12)
 * trace iomap_writepage. */
static int b_lock(struct model *m, struct mtask *t)
{
	int i = wb_next_dirty(m, t);

	if (i < 0)
		return NX_DONE;
	m->folio = (int8_t)i;
	lock_take(m, t, LK_FOLIO0 + i, LM_X);
	WR(m, A_PAGE(i));
	m->f[i].st = (uint8_t)((m->f[i].st & ~FS_DIRTY) | FS_WB);
	m->f[i].mapped = 0;	/* clear_page_dirty_for_io: page_mkclean */
	t->wb_page = (uint8_t)i;
	ev(m, TE_WRITEPAGE);
	return NX_NEXT;
}

static void wb_finish(struct model *m, struct mtask *t, int i)
{
	WR(m, A_PAGE(i));
	m->f[i].st &= (uint8_t)~(FS_WB | FS_DATA);
	lock_drop(m, t, LK_FOLIO0 + i);
	t->cur = (uint8_t)(i + 1);
}

/* xfs_imap_valid: 1 the writeback context's mapping covers page i and the
 * data fork's sequence is unchanged (read without a lock); -1 it covers i
 * but is stale; 0 it does not cover i. */
static int wb_cached(struct model *m, struct mtask *t, int i)
{
	if (!t->wb_valid || i < t->map_lo || i >= t->map_hi)
		return 0;
	RD(m, A_SEQ);
	return t->cookie == m->seq ? 1 : -1;
}

/* Caches the extent around i (a hole: from i to the next extent) as the
 * writeback context's mapping. */
static void wb_cache(struct model *m, struct mtask *t, int i)
{
	int type = blk_type(m, i), lo = i, hi = i + 1;

	RD(m, A_EXT_ALL);	/* the whole map: where the extent ends is a value */
	if (type != MODEL_EXT_HOLE)
		while (lo > 0 && same_ext(m, lo - 1, lo))
			lo--;
	while (hi < m->npages && same_ext(m, hi - 1, hi))
		hi++;
	t->wb_valid = 1;
	t->map_lo = (uint8_t)lo;
	t->map_hi = (uint8_t)hi;
	t->map_type = (uint8_t)type;
	RD(m, A_SEQ);
	t->cookie = m->seq;
}

static int need_b_map(struct model *m, struct mtask *t, int *mode)
{
	if (wb_cached(m, t, t->wb_page) == 1)
		return -1;
	return need_ilock_s(m, t, mode);
}

/*
 * xfs_map_blocks: a valid cached mapping is used with no lock and no event;
 * otherwise a lookup under ILOCK_SHARED (6.12 traces
 * xfs_wb_data_iomap_invalid for a stale cached mapping, once before the lock
 * and once under it).  A hole or a real/unwritten extent is cached and
 * traced xfs_map_blocks_found after the unlock; delalloc goes to the
 * convert.  iomap skips a hole block: the folio ends clean, its data
 * unwritten (I4 data_loss).
 */
static int b_map(struct model *m, struct mtask *t)
{
	int i = t->wb_page, c = wb_cached(m, t, i), type;

	m->folio = (int8_t)i;
	RD(m, A_PAGE(i));
	if (c == 1) {
		type = t->map_type;
	} else {
		if (c < 0)
			ev(m, TE_WB_INVALID);
		ev(m, TE_ILOCK_S);
		if (c < 0)
			ev(m, TE_WB_INVALID);
		type = blk_type(m, i);
		if (type == MODEL_EXT_DELALLOC)
			t->wb_valid = 0;
		else
			wb_cache(m, t, i);
		ev(m, TE_IUNLOCK_S);
		if (type != MODEL_EXT_DELALLOC)
			ev(m, type == MODEL_EXT_HOLE ? TE_MAP_FOUND_HOLE : TE_MAP_FOUND);
	}
	switch (type) {
	case MODEL_EXT_HOLE:
		/* lost if the folio held data; a fault's store that had not
		 * landed faults again (page_mkclean) and reserves its block */
		if (m->f[i].st & FS_DATA)
			hit(m, t, MODEL_DATA_LOSS, i, m->f[i].dirtied_by);
		wb_finish(m, t, i);
		return B_LOCK;
	case MODEL_EXT_DELALLOC:
		return B_CONVERT;
	default:
		return B_SUBMIT;
	}
}

/*
 * xfs_bmapi_convert_delalloc (5.10) / _one_delalloc (6.x) under
 * ILOCK_EXCL: the delalloc extent around the page is allocated as
 * unwritten.  A real or unwritten extent found there means another thread
 * converted it meanwhile: that extent is the mapping, no error.  Only a hole
 * (the extent is gone) is the WARN_ON_ONCE and -EAGAIN, which xfs_map_blocks
 * retries for the COW fork only: the folio is discarded (xfs_discard_page /
 * _folio punch its delalloc, then iomap_invalidatepage / _folio) and the
 * mapping's error is set (I4 writeback_error).
 */
static int b_convert(struct model *m, struct mtask *t)
{
	int i = t->wb_page, lo = i, hi = i + 1, type = blk_type(m, i);

	m->folio = (int8_t)i;
	ev(m, TE_ILOCK_X);
	if (type == MODEL_EXT_HOLE) {
		RD(m, A_PAGE(i));
		hit(m, t, MODEL_WRITEBACK_ERROR, i, m->f[i].dirtied_by);
		ev(m, TE_IUNLOCK_X);
		ev(m, TE_ILOCK_X);	/* the discard's punch: nothing left to punch */
		ev(m, TE_IUNLOCK_X);
		ev(m, TE_INVALIDATE);
		t->wb_valid = 0;
		wb_finish(m, t, i);
		return B_LOCK;
	}
	if (type == MODEL_EXT_DELALLOC) {
		while (lo > 0 && blk_type(m, lo - 1) == MODEL_EXT_DELALLOC)
			lo--;
		while (hi < m->npages && blk_type(m, hi) == MODEL_EXT_DELALLOC)
			hi++;
		ev_delay_real(m, lo, hi, m->next_blk + 1);
		for (int j = lo; j < hi; j++) {
			ext_set(m, j, MODEL_EXT_UNWRITTEN);
			m->b[j].blk = ++m->next_blk;
			m->delayed--;
			m->allocated++;
		}
	}
	wb_cache(m, t, i);
	ev(m, TE_IUNLOCK_X);
	ev(m, TE_MAP_ALLOC);
	return B_SUBMIT;
}

/* The folio joins the ioend and is unlocked; the model ends its writeback
 * here.  The I/O completion (a kworker: unwritten -> written under
 * ILOCK_EXCL) is not modelled: no invariant tells unwritten from written. */
static int b_submit(struct model *m, struct mtask *t)
{
	int i = t->wb_page;

	m->folio = (int8_t)i;
	wb_finish(m, t, i);
	return B_LOCK;
}

/* --- hole punch and truncate (P, T): the owners of their range ----------- */

static int p_hi(const struct model *m, const struct mtask *t)
{
	return t->kind == MODEL_TASK_TRUNCATE ? m->npages : t->first + t->n;
}

/* xfs_file_fallocate: one xfs_ilock(IOLOCK_EXCL|MMAPLOCK_EXCL) call;
 * truncate: the VFS takes i_rwsem (do_truncate, untraced). */
static int p_iolock(struct model *m, struct mtask *t)
{
	lock_take(m, t, LK_IOLOCK, LM_X);
	if (t->kind == MODEL_TASK_PUNCH)
		ev(m, TE_IOMMAP_X);
	return NX_NEXT;
}

/* truncate: xfs_vn_setattr takes MMAPLOCK_EXCL. */
static int p_inval(struct model *m, struct mtask *t)
{
	lock_take(m, t, LK_INVAL, LM_X);
	if (t->kind == MODEL_TASK_TRUNCATE)
		ev(m, TE_MMAP_X);
	WR(m, A_CLEANUP);
	m->cl_task = (int8_t)tid(m, t);
	m->cl_lo = t->first;
	m->cl_hi = (uint8_t)p_hi(m, t);
	return NX_NEXT;
}

static int need_p_trunc(struct model *m, struct mtask *t, int *mode)
{
	return need_range_folios(m, t->first, p_hi(m, t), mode);
}

static int p_trunc(struct model *m, struct mtask *t)
{
	for (int i = t->first; i < p_hi(m, t); i++)
		if (cached(m, i)) {
			folio_delete(m, t, i, 1);
			if (m->folio < 0)
				m->folio = (int8_t)i;
			ev(m, TE_DELETE);
		}
	return NX_NEXT;
}

/* xfs_unmap_extent / xfs_itruncate_extents: __xfs_bunmapi under
 * ILOCK_EXCL (one transaction here; the kernel's may take several). */
static int p_unmap(struct model *m, struct mtask *t)
{
	ev(m, TE_ILOCK_X);
	ev(m, TE_BUNMAP);
	ev_del_range(m, t->first, p_hi(m, t), 0);
	for (int i = t->first; i < p_hi(m, t); i++) {
		int type = blk_type(m, i);

		if (type == MODEL_EXT_DELALLOC) {
			punch_delalloc(m, i);
		} else if (type != MODEL_EXT_HOLE) {
			ext_set(m, i, MODEL_EXT_HOLE);
			m->allocated--;
			m->fdblocks++;
		}
	}
	ev(m, TE_IUNLOCK_X);
	return t->kind == MODEL_TASK_TRUNCATE ? P_SIZE : P_INVUNLOCK;
}

static int p_size(struct model *m, struct mtask *t)
{
	WR(m, A_ISIZE);
	m->isize = t->first;
	return NX_NEXT;
}

static int p_invunlock(struct model *m, struct mtask *t)
{
	lock_drop(m, t, LK_INVAL);
	if (t->kind == MODEL_TASK_TRUNCATE)
		ev(m, TE_MMAPUN_X);
	WR(m, A_CLEANUP);
	m->cl_task = -1;
	return NX_NEXT;
}

static int p_iounlock(struct model *m, struct mtask *t)
{
	lock_drop(m, t, LK_IOLOCK);
	if (t->kind == MODEL_TASK_PUNCH)
		ev(m, TE_IOMMAPUN_X);
	return NX_DONE;
}

/* --- buffered read (R) ----------------------------------------------------- */

static int r_iolock(struct model *m, struct mtask *t)
{
	lock_take(m, t, LK_IOLOCK, LM_S);
	ev(m, TE_IOLOCK_S);
	t->cur = t->first;
	return NX_NEXT;
}

static int need_r_folio(struct model *m, struct mtask *t, int *mode)
{
	return need_f_read(m, t, mode);
}

/* Readahead inserts and reads the folio through iomap (one page here). */
static int r_folio(struct model *m, struct mtask *t)
{
	if (f_read_common(m, t)) {
		ev_read_iomap(m);
	}
	t->cur++;
	return t->cur < t->first + t->n ? R_FOLIO : NX_NEXT;
}

static int r_iounlock(struct model *m, struct mtask *t)
{
	lock_drop(m, t, LK_IOLOCK);
	ev(m, TE_IOUNLOCK_S);
	return NX_DONE;
}

/* --- the steps ------------------------------------------------------------- */

const struct mstep
	st_w_iolock = { "iolock", need_iolock_x, w_iolock },
	st_w_begin = { "iomap_begin", need_ilock_x, w_begin },
	st_w_folio = { "write_folio", need_w_folio, w_folio },
	st_w_folio_valid = { "write_folio", need_w_folio, w_folio_valid },
	st_w_end = { "iomap_end", need_none, w_end },
	st_w_iounlock = { "iounlock", need_none, w_iounlock },
	st_cl_truncate = { "truncate_pagecache", need_cl_range, cl_truncate },
	st_cl_punch = { "punch_delalloc", need_ilock_x, cl_punch },
	st_cl_punch_clean = { "punch_clean", need_ilock_x, cl_punch_clean },
	st_cl_punch_leak = { "punch_delalloc (leaks)", need_ilock_x, cl_punch_leak },
	st_cl_inval_lock = { "invalidate_lock", need_inval_x, cl_inval_lock },
	st_cl_inval_unlock = { "invalidate_unlock", need_none, cl_inval_unlock },
	st_cl_inval_unlock_leak = { "invalidate_unlock (forgotten)", need_none,
				    cl_inval_unlock_leak },
	st_cl_scan = { "release_scan", need_cl_scan, cl_scan },
	st_cl_scan_nolock = { "release_scan (no folio locks)", need_none, cl_scan_nolock },
	st_f_read = { "fault_read", need_f_read, f_read },
	st_f_read_nolock = { "fault_read (no invalidate_lock)", need_none, f_read },
	st_rf_read = { "read_fault", need_f_read, rf_read },
	st_f_mklock = { "mkwrite_lock", need_inval_s, f_mklock },
	st_f_mklock_none = { "mkwrite_lock (none)", need_none, f_mklock_none },
	st_f_flock = { "mkwrite_folio_lock", need_f_flock, f_flock },
	st_f_flock_nomk = { "mkwrite_folio_lock", need_f_flock, f_flock_nomk },
	st_f_begin = { "mkwrite_iomap_begin", need_ilock_x, f_begin },
	st_f_begin_noreserve = { "mkwrite_iomap_begin (never reserves)", need_ilock_x,
				 f_begin_noreserve },
	st_f_dirty = { "mkwrite_dirty", need_none, f_dirty },
	st_f_end_written = { "mkwrite_iomap_end", need_none, f_nop },
	st_f_mkunlock = { "mkwrite_unlock", need_none, f_mkunlock },
	st_f_mkunlock_none = { "mkwrite_unlock (none)", need_none, f_mkunlock_none },
	st_f_store = { "fault_done_store", need_none, f_store },
	st_f_ustore = { "user_store", need_none, f_ustore },
	st_b_lock = { "wb_lock_folio", need_b_lock, b_lock },
	st_b_map = { "wb_map_blocks", need_b_map, b_map },
	st_b_convert = { "wb_convert_delalloc", need_ilock_x, b_convert },
	st_b_submit = { "wb_submit_end", need_none, b_submit },
	st_p_iolock = { "iolock", need_iolock_x, p_iolock },
	st_p_inval = { "mmaplock", need_inval_x, p_inval },
	st_p_trunc = { "truncate_pagecache", need_p_trunc, p_trunc },
	st_p_unmap = { "bunmap", need_ilock_x, p_unmap },
	st_p_size = { "set_size", need_none, p_size },
	st_p_invunlock = { "mmapunlock", need_none, p_invunlock },
	st_p_iounlock = { "iounlock", need_none, p_iounlock },
	st_r_iolock = { "iolock", need_iolock_s, r_iolock },
	st_r_folio = { "read_folio", need_r_folio, r_folio },
	st_r_iounlock = { "iounlock", need_none, r_iounlock };

/* --- state ----------------------------------------------------------------- */

int model_new(struct model **out, const struct model_config *c)
{
	struct model *m;
	int v, k;

	*out = NULL;
	if (!c || !c->variant || (v = model_variant_find(c->variant)) < 0)
		return -EINVAL;
	k = c->kernel ? model_kernel_find(c->kernel) : model_variants[v].kernel;
	if (k < 0)
		return -EINVAL;
	if (c->npages < 1 || c->npages > MODEL_MAX_PAGES || c->isize_pages > c->npages ||
	    c->free_blocks > 1u << 20)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->variant = (uint8_t)v;
	m->kernel = (uint8_t)k;
	m->npages = (uint8_t)c->npages;
	m->isize = (uint8_t)c->isize_pages;
	m->ino = c->ino;
	m->base = c->base_index;
	m->fdblocks = m->total = (int32_t)c->free_blocks;
	m->cl_task = -1;
	for (int i = 0; i < MODEL_MAX_PAGES; i++)
		m->f[i].dirtied_by = -1;
	for (int i = 0; i < LK_COUNT; i++)
		m->lk[i].writer = -1;
	for (int i = 0; i < MODEL_OUTCOMES; i++)
		m->first[i] = (struct mhit){ -1, -1, -1, -1 };
	*out = m;
	return 0;
}

struct model *model_clone(const struct model *m)
{
	struct model *c = malloc(sizeof(*c));

	if (c)
		memcpy(c, m, sizeof(*c));
	return c;
}

void model_free(struct model *m)
{
	free(m);
}

static int window_index(const struct model *m, uint64_t index, uint64_t n)
{
	if (index < m->base || index - m->base + n > m->npages)
		return -1;
	return (int)(index - m->base);
}

int model_add_task(struct model *m, const struct model_task_desc *d)
{
	static const char pick[] = "WFBPTRACDEGHIJKLMNOQSUVXYZ";
	struct mtask *t;
	int first, n = d->npages;
	char letter = d->letter;

	if ((unsigned)d->kind >= MODEL_TASK_KINDS || d->ino != m->ino)
		return -EINVAL;
	if (m->ntasks >= MODEL_MAX_TASKS)
		return -ENOSPC;
	if (d->kind == MODEL_TASK_TRUNCATE)
		n = 0;
	else if (n < 1)
		return -EINVAL;
	first = window_index(m, d->index, n);
	if (first < 0)
		return -EINVAL;
	if (!letter)
		for (const char *p = pick; *p && !letter; p++)
			if (model_task_find(m, *p) < 0)
				letter = *p;
	if (letter < 'A' || letter > 'Z' || model_task_find(m, letter) >= 0)
		return -EINVAL;
	t = &m->t[m->ntasks];
	memset(t, 0, sizeof(*t));
	t->kind = (uint8_t)d->kind;
	t->letter = (uint8_t)letter;
	t->first = (uint8_t)first;
	t->n = (uint8_t)n;
	t->cur = (uint8_t)first;
	t->copied = (uint8_t)(d->copied_bytes / 4096 > (uint64_t)n ? (unsigned)n
							     : d->copied_bytes / 4096);
	t->slot = model_first_slot[d->kind];
	t->wait_lock = -1;
	return m->ntasks++;
}

int model_preset_extent(struct model *m, uint64_t index, unsigned n, enum model_ext_type type)
{
	int first = window_index(m, index, n);

	if (first < 0 || (unsigned)type > MODEL_EXT_REAL)
		return -EINVAL;
	for (int i = first; i < first + (int)n; i++) {
		if (m->b[i].type != MODEL_EXT_HOLE)
			return -EINVAL;
		if (type == MODEL_EXT_HOLE)
			continue;
		if (m->fdblocks <= 0)
			return -ENOSPC;
		m->fdblocks--;
		m->b[i].type = (uint8_t)type;
		if (type == MODEL_EXT_DELALLOC) {
			m->delayed++;
		} else {
			m->allocated++;
			m->b[i].blk = ++m->next_blk;
		}
	}
	return 0;
}

int model_preset_folio(struct model *m, uint64_t index, int dirty)
{
	int i = window_index(m, index, 1);

	if (i < 0)
		return -EINVAL;
	m->f[i].st = FS_CACHED | FS_UPTODATE | (dirty ? FS_DIRTY | FS_DATA : 0);
	m->f[i].dirtied_by = -1;
	m->f[i].mapped = 0;
	return 0;
}

int model_ntasks(const struct model *m) { return m->ntasks; }

char model_task_letter(const struct model *m, int task)
{
	return task >= 0 && task < m->ntasks ? (char)m->t[task].letter : '?';
}

int model_task_find(const struct model *m, char letter)
{
	for (int i = 0; i < m->ntasks; i++)
		if (m->t[i].letter == (uint8_t)letter)
			return i;
	return -1;
}

const char *model_variant_of(const struct model *m)
{
	return model_variants[m->variant].name;
}

int model_kernel_count(void)
{
	return MK_COUNT;
}

const char *model_kernel_name(int i)
{
	return i >= 0 && i < MK_COUNT ? kernel_names[i] : NULL;
}

int model_kernel_find(const char *name)
{
	for (int i = 0; i < MK_COUNT; i++)
		if (!strcmp(kernel_names[i], name))
			return i;
	return -1;
}

const char *model_kernel_of(const struct model *m)
{
	return kernel_names[m->kernel];
}

/* --- stepping -------------------------------------------------------------- */

int model_need(struct model *m, int task, int *mode)
{
	struct mtask *t = &m->t[task];

	*mode = 0;
	return model_slot(m, t->slot)->step->need(m, t, mode);
}

int model_runnable(struct model *m, int task)
{
	int mode, lock;

	if (task < 0 || task >= m->ntasks || m->t[task].done)
		return 0;
	lock = model_need(m, task, &mode);
	return lock < 0 || model_lock_grantable(m, lock, mode, task);
}

int model_finished(const struct model *m)
{
	for (int i = 0; i < m->ntasks; i++)
		if (!m->t[i].done)
			return 0;
	return 1;
}

/* I1 and I5 over what the step touched. */
static void check_invariants(struct model *m, struct mtask *t)
{
	struct mfp touched = m->wr;

	for (int i = 0; i < m->npages; i++) {
		if (!(((touched.pg | touched.ex) >> i) & 1))
			continue;
		RD(m, A_PAGE(i), A_EXT(i), A_ISIZE);
		if ((m->f[i].st & FS_CACHED) && (m->f[i].st & (FS_DIRTY | FS_WB)) &&
		    i < m->isize && m->b[i].type == MODEL_EXT_HOLE)
			hit(m, t, MODEL_UNBACKED_DIRTY, i, m->f[i].dirtied_by);
	}
	if (fp_meets(touched, A_ACCT)) {
		int delalloc = 0, alloc = 0;

		RD(m, A_ACCT, A_EXT_ALL);
		for (int i = 0; i < m->npages; i++) {
			delalloc += m->b[i].type == MODEL_EXT_DELALLOC;
			alloc += m->b[i].type == MODEL_EXT_UNWRITTEN || m->b[i].type == MODEL_EXT_REAL;
		}
		if (m->delayed != delalloc || m->allocated != alloc ||
		    m->fdblocks + m->delayed + m->allocated != m->total || m->fdblocks < 0)
			hit(m, t, MODEL_RESERVATION_LEAK, -1, -1);
	}
}

void model_step_raw(struct model *m, int task)
{
	struct mtask *t = &m->t[task];
	const struct mslot *s = model_slot(m, t->slot);
	int mode, nx;

	m->rd = m->wr = (struct mfp){ 0 };
	m->step_hits = 0;
	m->folio = -1;
	m->ntpev = 0;
	(void)s->step->need(m, t, &mode);	/* its reads are part of the step */
	nx = s->step->run(m, t);
	if (nx == NX_NEXT)
		nx = s->next;
	if (nx == NX_RESUME)
		nx = t->resume;
	if (nx == NX_DONE)
		t->done = 1;
	else
		t->slot = (uint8_t)nx;
	t->nsteps++;
	check_invariants(m, t);
	m->nsteps++;
}

void model_refresh_waiters(struct model *m)
{
	for (int i = 0; i < LK_COUNT; i++)
		m->lk[i].wait_s = m->lk[i].wait_x = 0;
	for (int i = 0; i < m->ntasks; i++) {
		int mode, lock;

		m->t[i].wait_lock = -1;
		if (m->t[i].done)
			continue;
		lock = model_need(m, i, &mode);
		if (lock >= 0 && !model_lock_grantable(m, lock, mode, i)) {
			m->t[i].wait_lock = (int8_t)lock;
			if (mode == LM_X)
				m->lk[lock].wait_x |= (uint16_t)(1u << i);
			else
				m->lk[lock].wait_s |= (uint16_t)(1u << i);
		}
	}
}

const char *model_next_step(const struct model *m, int task)
{
	const struct mtask *t;

	if (task < 0 || task >= m->ntasks)
		return NULL;
	t = &m->t[task];
	return t->done ? NULL : model_slot(m, t->slot)->step->name;
}

/* One step; rec->tp is formatted into buf (NULL: none emitted). */
static int step_rec(struct model *m, int task, struct model_step_rec *rec, char *buf, size_t len)
{
	struct mtask *t;
	const struct mstep *st;

	if (!model_runnable(m, task))
		return -EAGAIN;
	t = &m->t[task];
	st = model_slot(m, t->slot)->step;
	model_step_raw(m, task);
	model_refresh_waiters(m);
	if (rec) {
		rec->task = (uint8_t)task;
		rec->extra = 0;
		rec->folio = m->folio;
		rec->name = st->name;
		rec->tp = tp_format(m, buf, len) ? buf : NULL;
		rec->hits = m->step_hits;
	}
	return 0;
}

int model_step(struct model *m, int task, struct model_step_rec *rec)
{
	return step_rec(m, task, rec, m->tptext, sizeof(m->tptext));
}

enum model_outcome model_outcome_of(struct model *m, int *stuck)
{
	int any = 0, unfinished = 0;

	for (int i = 0; i < m->ntasks; i++) {
		if (m->t[i].done)
			continue;
		unfinished = 1;
		if (model_runnable(m, i))
			any = 1;
	}
	*stuck = unfinished && !any;
	if (*stuck && !(m->hits & (1u << MODEL_DEADLOCK))) {
		int w = -1;

		for (int i = 0; i < m->ntasks && w < 0; i++)
			if (!m->t[i].done)
				w = i;
		m->hits |= 1u << MODEL_DEADLOCK;
		m->first[MODEL_DEADLOCK] = (struct mhit){ (int16_t)m->nsteps, (int16_t)w, -1, -1 };
	}
	for (int o = 1; o < MODEL_OUTCOMES; o++)
		if (m->hits & (1u << o))
			return (enum model_outcome)o;
	return MODEL_OK;
}

/* --- runs ------------------------------------------------------------------ */

static uint64_t run_digest(const struct model *m, const struct model_run *r)
{
	uint64_t h = MODEL_FNV_INIT;
	const char *v = model_variants[m->variant].name;

	h = model_fnv1a(h, v, strlen(v) + 1);
	for (size_t i = 0; i < r->nsteps; i++) {
		uint8_t rec[2] = { (uint8_t)m->t[r->step[i].task].letter, (uint8_t)r->step[i].folio };

		h = model_fnv1a(h, rec, sizeof(rec));
		h = model_fnv1a(h, r->step[i].name, strlen(r->step[i].name) + 1);
	}
	h = model_fnv1a(h, model_outcome_name(r->outcome), strlen(model_outcome_name(r->outcome)) + 1);
	for (int o = 0; o < MODEL_OUTCOMES; o++) {
		int32_t w[3] = { r->where[o].step, r->where[o].task, r->where[o].folio };

		h = model_fnv1a(h, w, sizeof(w));
	}
	return h;
}

int model_run(struct model *m, const uint8_t *sched, size_t n, struct model_run *r)
{
	uint8_t used[MODEL_MAX_RUN] = { 0 };
	size_t head = 0, text = 0;
	int stuck;

	if (n > MODEL_MAX_RUN)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (sched[i] >= m->ntasks)
			return -EINVAL;
	memset(r, 0, sizeof(*r));
	model_refresh_waiters(m);
	while (r->nsteps < MODEL_MAX_RUN) {
		int task = -1, extra = 0;

		/* the first pending schedule entry whose task can run */
		while (head < n && (used[head] || m->t[sched[head]].done))
			head++;
		for (size_t i = head; i < n && task < 0; i++)
			if (!used[i] && model_runnable(m, sched[i])) {
				task = sched[i];
				used[i] = 1;
			}
		/* past the schedule: the lowest-numbered runnable task */
		for (int i = 0; i < m->ntasks && task < 0; i++)
			if (model_runnable(m, i)) {
				task = i;
				extra = 1;
			}
		if (task < 0)
			break;
		step_rec(m, task, &r->step[r->nsteps], r->tptext + text, sizeof(r->tptext) - text);
		if (r->step[r->nsteps].tp)
			text += strlen(r->tptext + text) + 1;
		r->step[r->nsteps].extra = (uint8_t)extra;
		r->task_steps[task]++;
		r->nsteps++;
	}
	r->truncated = r->nsteps == MODEL_MAX_RUN && !model_finished(m);
	r->outcome = model_outcome_of(m, &stuck);
	r->hits = m->hits;
	for (int o = 0; o < MODEL_OUTCOMES; o++)
		r->where[o] = (struct model_where){ m->first[o].step, m->first[o].task,
						    m->first[o].folio, m->first[o].other };
	r->digest = run_digest(m, r);
	return 0;
}

/* --- schedules ------------------------------------------------------------- */

int model_schedule_parse(const struct model *m, const char *text, uint8_t *sched, size_t max,
			 size_t *n, char *err, size_t errlen)
{
	const char *p = text;

	*n = 0;
	while (*p) {
		int task;
		unsigned long count = 1;

		if (*p == ',' || *p == ' ') {
			p++;
			continue;
		}
		if (*p < 'A' || *p > 'Z') {
			snprintf(err, errlen, "schedule: unexpected '%c' at position %d "
				 "(want task letters, e.g. W3,F,W)", *p, (int)(p - text) + 1);
			return -EINVAL;
		}
		task = model_task_find(m, *p);
		if (task < 0) {
			char tasks[2 * MODEL_MAX_TASKS + 1] = "";

			for (int i = 0; i < m->ntasks; i++)
				snprintf(tasks + strlen(tasks), sizeof(tasks) - strlen(tasks), "%s%c",
					 i ? "," : "", m->t[i].letter);
			snprintf(err, errlen, "schedule: no task '%c' (tasks: %s)", *p, tasks);
			return -EINVAL;
		}
		p++;
		if (*p >= '0' && *p <= '9') {
			char *end;

			count = strtoul(p, &end, 10);
			if (count < 1 || count > MODEL_MAX_RUN) {
				snprintf(err, errlen, "schedule: repeat count of '%c' must be 1..%d",
					 m->t[task].letter, MODEL_MAX_RUN);
				return -EINVAL;
			}
			p = end;
		}
		if (*n + count > max) {
			snprintf(err, errlen, "schedule: longer than %zu steps", max);
			return -EINVAL;
		}
		while (count--)
			sched[(*n)++] = (uint8_t)task;
	}
	if (!*n) {
		snprintf(err, errlen, "schedule: empty");
		return -EINVAL;
	}
	return 0;
}

void model_schedule_format(const struct model *m, const uint8_t *task, size_t n, char *buf,
			   size_t len)
{
	size_t used = 0;

	if (len)
		buf[0] = 0;
	for (size_t i = 0; i < n; ) {
		size_t j = i;
		int w;

		while (j < n && task[j] == task[i])
			j++;
		if (j - i > 1)
			w = snprintf(buf + used, len - used, "%s%c%zu", i ? "," : "",
				     model_task_letter(m, task[i]), j - i);
		else
			w = snprintf(buf + used, len - used, "%s%c", i ? "," : "",
				     model_task_letter(m, task[i]));
		if (w < 0 || (size_t)w >= len - used)
			break;
		used += (size_t)w;
		i = j;
	}
}

uint64_t model_multinomial(const unsigned *steps, int n)
{
	/* C(a+b, b) products, exact with overflow detection */
	uint64_t r = 1;
	unsigned total = 0;

	for (int i = 0; i < n; i++) {
		for (unsigned k = 1; k <= steps[i]; k++) {
			unsigned __int128 x = (unsigned __int128)r * (total + k);

			x /= k;
			if (x > UINT64_MAX)
				return UINT64_MAX;
			r = (uint64_t)x;
		}
		total += steps[i];
	}
	return r;
}
