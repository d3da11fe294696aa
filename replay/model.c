/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * model.c - the kernel-path model: state, rw-semaphores, step machines and
 * the invariant checks.  docs/kernel-paths*.md (shared) describe the kernel
 * code modelled; the steps here follow section 7 of the detail file.
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
	"write", "fault", "writeback", "punch", "truncate", "read",
};

const uint8_t model_first_slot[MODEL_TASK_KINDS] = {
	[MODEL_TASK_WRITE] = W_IOLOCK, [MODEL_TASK_FAULT] = F_READ,
	[MODEL_TASK_WRITEBACK] = B_LOCK, [MODEL_TASK_PUNCH] = P_IOLOCK,
	[MODEL_TASK_TRUNCATE] = P_IOLOCK, [MODEL_TASK_READ] = R_IOLOCK,
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

/* The first cached folio of [lo, hi) locked by someone, as a need. */
static int need_range_folios(struct model *m, int lo, int hi, int *mode)
{
	for (int i = lo; i < hi; i++) {
		if (!cached(m, i))
			continue;
		if (!model_lock_grantable(m, LK_FOLIO0 + i, LM_X, -1))
			return need_lock(m, LK_FOLIO0 + i, LM_X, mode);
		RD(m, A_FLOCK(i));
	}
	return -1;
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

/* xfs_bmapi_reserve_delalloc for one block: 0, or -ENOSPC. */
static int reserve_delalloc(struct model *m, int i)
{
	RD(m, A_ACCT);
	if (m->fdblocks <= 0)
		return -ENOSPC;
	ext_set(m, i, MODEL_EXT_DELALLOC);
	m->fdblocks--;
	m->delayed++;
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
	/* I2: no folio appears in a range whose punch holds invalidate_lock X. */
	if (m->cl_task >= 0 && m->cl_task != tid(m, t) && i >= m->cl_lo && i < m->cl_hi)
		hit(m, t, MODEL_STALE_FOLIO, i, m->cl_task);
}

static void folio_delete(struct model *m, struct mtask *t, int i, int owner)
{
	struct mfolio *f = &m->f[i];

	WR(m, A_PAGE(i));
	/* I3: a write-failure cleanup must not drop another task's dirty data. */
	if (!owner && (f->st & (FS_DIRTY | FS_WB)) && f->dirtied_by != tid(m, t))
		hit(m, t, MODEL_DIRTY_DROPPED, i, f->dirtied_by);
	f->st = 0;
	f->dirtied_by = -1;
}

static void folio_dirty(struct model *m, struct mtask *t, int i)
{
	WR(m, A_PAGE(i));
	m->f[i].st |= FS_UPTODATE | FS_DIRTY;
	m->f[i].dirtied_by = (int8_t)tid(m, t);
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

static int w_iolock(struct model *m, struct mtask *t)
{
	lock_take(m, t, LK_IOLOCK, LM_X);
	t->cur = t->first;
	t->resume = W_IOUNLOCK;
	return NX_NEXT;
}

/* xfs_buffered_write_iomap_begin: found, or reserve delalloc over the hole. */
static int w_begin(struct model *m, struct mtask *t)
{
	int end = t->first + t->n, i = t->cur;
	int type = blk_type(m, i);

	t->map_lo = (uint8_t)i;
	t->written = 0;
	t->stale = 0;
	if (type != MODEL_EXT_HOLE) {
		while (i < end && blk_type(m, i) == type)
			i++;
		t->map_type = (uint8_t)type;
		t->map_new = 0;
		m->tp = "xfs_ilock(ILOCK_EXCL), xfs_iomap_found";
	} else {
		while (i < end && blk_type(m, i) == MODEL_EXT_HOLE) {
			if (reserve_delalloc(m, i) < 0)
				break;
			i++;
		}
		if (i == t->map_lo) {	/* ENOSPC: the write fails */
			m->tp = "xfs_ilock(ILOCK_EXCL), xfs_delalloc_enospc";
			return W_IOUNLOCK;
		}
		t->map_type = MODEL_EXT_DELALLOC;
		t->map_new = 1;
		m->tp = "xfs_ilock(ILOCK_EXCL), xfs_iext_insert, xfs_iomap_alloc";
	}
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

static int w_folio_common(struct model *m, struct mtask *t, int validate)
{
	int i = t->cur, created = 0;

	if (t->ncopied >= t->copied) {
		/* fault_in_iov_iter_readable fails: the copy stops here */
		m->tp = NULL;
		t->short_copy = 1;
		return W_END;
	}
	m->folio = (int8_t)i;
	RD(m, A_FLOCK(i));
	if (!cached(m, i)) {
		folio_insert(m, t, i, 0);
		created = 1;
	}
	if (validate) {
		RD(m, A_SEQ);
		if (t->cookie != m->seq) {
			/* iomap_valid fails: IOMAP_F_STALE, the mapping ends short */
			t->stale = 1;
			m->tp = created ? "mm_filemap_add_to_page_cache, xfs_iomap_invalid"
					: "xfs_iomap_invalid";
			return W_END;
		}
	}
	m->tp = (m->f[i].st & FS_DIRTY) ? (created ? "mm_filemap_add_to_page_cache" : NULL)
		: (created ? "mm_filemap_add_to_page_cache, writeback_dirty_folio"
			   : "writeback_dirty_folio");
	folio_dirty(m, t, i);
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

/* xfs_buffered_write_iomap_end: punch [first unwritten block, mapping end)
 * of a new delalloc mapping that was not written in full. */
static int w_end(struct model *m, struct mtask *t)
{
	int end = t->first + t->n;

	(void)m;
	if (t->short_copy || t->cur >= end)
		t->resume = W_IOUNLOCK;
	else
		t->resume = W_BEGIN;
	if (t->map_type == MODEL_EXT_DELALLOC && t->map_new && t->cur < t->map_hi) {
		t->cl_lo = t->cur;
		t->cl_hi = t->map_hi;
		return NX_NEXT;
	}
	return t->resume;
}

static int w_iounlock(struct model *m, struct mtask *t)
{
	lock_drop(m, t, LK_IOLOCK);
	return NX_DONE;
}

/* --- write-failure cleanup ----------------------------------------------- */

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
	int any = 0;

	for (int i = t->cl_lo; i < t->cl_hi; i++)
		if (cached(m, i)) {
			folio_delete(m, t, i, 0);
			if (!any)
				m->folio = (int8_t)i;
			any = 1;
		}
	m->tp = any ? "mm_filemap_delete_from_page_cache" : NULL;
	return NX_NEXT;
}

/* xfs_bmap_punch_delalloc_range(R), skipping the pages in t->keep. */
static int punch_range(struct model *m, struct mtask *t, int leak)
{
	int any = 0;

	for (int i = t->cl_lo; i < t->cl_hi; i++) {
		if ((t->keep >> i) & 1 || blk_type(m, i) != MODEL_EXT_DELALLOC)
			continue;
		if (leak) {
			ext_set(m, i, MODEL_EXT_HOLE);	/* the blocks are not given back */
			m->delayed--;
		} else {
			punch_delalloc(m, i);
		}
		any = 1;
	}
	m->tp = any ? "xfs_ilock(ILOCK_EXCL), xfs_iext_remove" : "xfs_ilock(ILOCK_EXCL)";
	return NX_NEXT;
}

static int cl_punch(struct model *m, struct mtask *t)
{
	t->keep = 0;
	return punch_range(m, t, 0);
}

static int cl_punch_clean(struct model *m, struct mtask *t)
{
	return punch_range(m, t, 0);
}

static int cl_punch_leak(struct model *m, struct mtask *t)
{
	t->keep = 0;
	return punch_range(m, t, 1);
}

/* iomap_write_delalloc_release: keep the delalloc under dirty folios (and
 * under folios in writeback) inside EOF, punch the rest. */
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

/* --- mmap write fault (F) -------------------------------------------------- */

static int need_f_read(struct model *m, struct mtask *t, int *mode)
{
	if (cached(m, t->cur))
		return -1;
	return need_lock(m, LK_INVAL, LM_S, mode);
}

/* filemap_fault: create and read the folio under invalidate_lock S. */
static int f_read_common(struct model *m, struct mtask *t)
{
	int i = t->cur;

	m->folio = (int8_t)i;
	if (cached(m, i)) {
		m->tp = NULL;	/* already cached: mapped by fault-around */
		return NX_NEXT;
	}
	folio_insert(m, t, i, FS_UPTODATE);
	(void)blk_type(m, i);	/* xfs_read_iomap_begin: hole/delalloc read as zeroes */
	m->tp = "xfs_filemap_fault, mm_filemap_add_to_page_cache, xfs_ilock(ILOCK_SHARED), "
		"xfs_iomap_found";
	return NX_NEXT;
}

static int f_read(struct model *m, struct mtask *t)
{
	return f_read_common(m, t);
}

static int f_mklock(struct model *m, struct mtask *t)
{
	lock_take(m, t, LK_INVAL, LM_S);
	return NX_NEXT;
}

static int f_mklock_none(struct model *m, struct mtask *t)
{
	(void)m; (void)t;
	return NX_NEXT;
}

static int need_f_flock(struct model *m, struct mtask *t, int *mode)
{
	if (!cached(m, t->cur))
		return -1;
	return need_lock(m, LK_FOLIO0 + t->cur, LM_X, mode);
}

/* Lock the folio; if it was truncated meanwhile, retry the fault. */
static int f_flock_common(struct model *m, struct mtask *t, int mklocked)
{
	int i = t->cur;

	m->folio = (int8_t)i;
	if (!cached(m, i)) {
		if (mklocked)
			lock_drop(m, t, LK_INVAL);
		t->retries++;
		m->tp = NULL;
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

static int f_begin_common(struct model *m, struct mtask *t, int reserve)
{
	int i = t->cur;

	m->folio = (int8_t)i;
	if (blk_type(m, i) != MODEL_EXT_HOLE) {
		m->tp = "xfs_ilock(ILOCK_EXCL), xfs_iomap_found";
		return NX_NEXT;
	}
	if (reserve && reserve_delalloc(m, i) == 0)
		m->tp = "xfs_ilock(ILOCK_EXCL), xfs_iext_insert, xfs_iomap_alloc";
	else
		m->tp = "xfs_ilock(ILOCK_EXCL)";
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

static int f_dirty(struct model *m, struct mtask *t)
{
	int i = t->cur;

	m->folio = (int8_t)i;
	RD(m, A_PAGE(i));
	m->tp = (m->f[i].st & FS_DIRTY) ? NULL : "writeback_dirty_folio";
	folio_dirty(m, t, i);
	return NX_NEXT;
}

static int f_nop(struct model *m, struct mtask *t)
{
	(void)m; (void)t;
	return NX_NEXT;
}

static int f_mkunlock(struct model *m, struct mtask *t)
{
	lock_drop(m, t, LK_INVAL);
	return NX_NEXT;
}

/* The fault completes (folio unlocked) and user space stores its data. */
static int f_store(struct model *m, struct mtask *t)
{
	int i = t->cur;

	m->folio = (int8_t)i;
	lock_drop(m, t, LK_FOLIO0 + i);
	t->cur++;
	return t->cur < t->first + t->n ? F_READ : NX_DONE;
}

/* --- writeback (B) --------------------------------------------------------- */

static int wb_next_dirty(struct model *m, struct mtask *t)
{
	for (int i = t->cur; i < t->first + t->n; i++)
		if (cached(m, i) && (m->f[i].st & FS_DIRTY))
			return i;
	return -1;
}

static int need_b_lock(struct model *m, struct mtask *t, int *mode)
{
	int i = wb_next_dirty(m, t);

	return i < 0 ? -1 : need_lock(m, LK_FOLIO0 + i, LM_X, mode);
}

/* write_cache_pages: lock the next dirty folio, clear dirty, set writeback. */
static int b_lock(struct model *m, struct mtask *t)
{
	int i = wb_next_dirty(m, t);

	if (i < 0) {
		m->tp = NULL;
		return NX_DONE;
	}
	m->folio = (int8_t)i;
	lock_take(m, t, LK_FOLIO0 + i, LM_X);
	WR(m, A_PAGE(i));
	m->f[i].st = (uint8_t)((m->f[i].st & ~FS_DIRTY) | FS_WB);
	t->wb_page = (uint8_t)i;
	return NX_NEXT;
}

static void wb_finish(struct model *m, struct mtask *t, int i)
{
	WR(m, A_PAGE(i));
	m->f[i].st &= (uint8_t)~FS_WB;
	lock_drop(m, t, LK_FOLIO0 + i);
	t->cur = (uint8_t)(i + 1);
}

/* xfs_map_blocks: lookup under ILOCK_SHARED. */
static int b_map(struct model *m, struct mtask *t)
{
	int i = t->wb_page, type = blk_type(m, i);

	m->folio = (int8_t)i;
	RD(m, A_PAGE(i));
	switch (type) {
	case MODEL_EXT_HOLE:
		/* iomap skips hole blocks: the folio ends clean, its data unwritten */
		hit(m, t, MODEL_DATA_LOSS, i, m->f[i].dirtied_by);
		m->tp = "xfs_ilock(ILOCK_SHARED), xfs_map_blocks_found (hole)";
		wb_finish(m, t, i);
		return B_LOCK;
	case MODEL_EXT_DELALLOC:
		m->tp = "xfs_ilock(ILOCK_SHARED)";
		return B_CONVERT;
	default:
		m->tp = "xfs_ilock(ILOCK_SHARED), xfs_map_blocks_found";
		return B_SUBMIT;
	}
}

/* xfs_bmapi_convert_delalloc under ILOCK_EXCL: allocate the whole delalloc
 * extent around the page as unwritten; if it vanished: WARN, -EAGAIN,
 * xfs_discard_folio. */
static int b_convert(struct model *m, struct mtask *t)
{
	int i = t->wb_page, lo = i, hi = i + 1;

	m->folio = (int8_t)i;
	if (blk_type(m, i) != MODEL_EXT_DELALLOC) {
		RD(m, A_PAGE(i));
		hit(m, t, MODEL_WRITEBACK_ERROR, i, m->f[i].dirtied_by);
		m->tp = "xfs_ilock(ILOCK_EXCL) (WARN, -EAGAIN, page discard)";
		wb_finish(m, t, i);
		return B_LOCK;
	}
	while (lo > 0 && blk_type(m, lo - 1) == MODEL_EXT_DELALLOC)
		lo--;
	while (hi < m->npages && blk_type(m, hi) == MODEL_EXT_DELALLOC)
		hi++;
	for (int j = lo; j < hi; j++) {
		ext_set(m, j, MODEL_EXT_UNWRITTEN);
		m->b[j].blk = ++m->next_blk;
		m->delayed--;
		m->allocated++;
	}
	m->tp = "xfs_ilock(ILOCK_EXCL), xfs_bmap_pre_update, xfs_map_blocks_alloc";
	return B_SUBMIT;
}

/* I/O and its completion: unwritten -> written, writeback ends. */
static int b_submit(struct model *m, struct mtask *t)
{
	int i = t->wb_page;

	m->folio = (int8_t)i;
	if (blk_type(m, i) == MODEL_EXT_UNWRITTEN) {
		WR(m, A_EXT(i), A_SEQ);
		m->b[i].type = MODEL_EXT_REAL;
		m->seq++;
	}
	wb_finish(m, t, i);
	return B_LOCK;
}

/* --- hole punch and truncate (P, T): the owners of their range ----------- */

static int p_hi(const struct model *m, const struct mtask *t)
{
	return t->kind == MODEL_TASK_TRUNCATE ? m->npages : t->first + t->n;
}

static int p_iolock(struct model *m, struct mtask *t)
{
	lock_take(m, t, LK_IOLOCK, LM_X);
	return NX_NEXT;
}

static int p_inval(struct model *m, struct mtask *t)
{
	lock_take(m, t, LK_INVAL, LM_X);
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
	int any = 0;

	for (int i = t->first; i < p_hi(m, t); i++)
		if (cached(m, i)) {
			folio_delete(m, t, i, 1);
			if (!any)
				m->folio = (int8_t)i;
			any = 1;
		}
	m->tp = any ? "mm_filemap_delete_from_page_cache" : NULL;
	return NX_NEXT;
}

static int p_unmap(struct model *m, struct mtask *t)
{
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
	WR(m, A_CLEANUP);
	m->cl_task = -1;
	return NX_NEXT;
}

static int p_iounlock(struct model *m, struct mtask *t)
{
	lock_drop(m, t, LK_IOLOCK);
	return NX_DONE;
}

/* --- buffered read (R) ----------------------------------------------------- */

static int r_iolock(struct model *m, struct mtask *t)
{
	lock_take(m, t, LK_IOLOCK, LM_S);
	t->cur = t->first;
	return NX_NEXT;
}

static int need_r_folio(struct model *m, struct mtask *t, int *mode)
{
	return need_f_read(m, t, mode);
}

static int r_folio(struct model *m, struct mtask *t)
{
	f_read_common(m, t);
	if (m->tp)
		m->tp = "mm_filemap_add_to_page_cache, xfs_ilock(ILOCK_SHARED), xfs_iomap_found";
	t->cur++;
	return t->cur < t->first + t->n ? R_FOLIO : NX_NEXT;
}

static int r_iounlock(struct model *m, struct mtask *t)
{
	lock_drop(m, t, LK_IOLOCK);
	return NX_DONE;
}

/* --- the steps ------------------------------------------------------------- */

const struct mstep
	st_w_iolock = { "iolock", "xfs_ilock(IOLOCK_EXCL), xfs_file_buffered_write",
			need_iolock_x, w_iolock },
	st_w_begin = { "iomap_begin", NULL, need_ilock_x, w_begin },
	st_w_folio = { "write_folio", NULL, need_w_folio, w_folio },
	st_w_folio_valid = { "write_folio", NULL, need_w_folio, w_folio_valid },
	st_w_end = { "iomap_end", "iomap_iter", need_none, w_end },
	st_w_iounlock = { "iounlock", "xfs_iunlock(IOLOCK_EXCL)", need_none, w_iounlock },
	st_cl_truncate = { "truncate_pagecache", NULL, need_cl_range, cl_truncate },
	st_cl_punch = { "punch_delalloc", NULL, need_ilock_x, cl_punch },
	st_cl_punch_clean = { "punch_clean", NULL, need_ilock_x, cl_punch_clean },
	st_cl_punch_leak = { "punch_delalloc (leaks)", NULL, need_ilock_x, cl_punch_leak },
	st_cl_inval_lock = { "invalidate_lock", NULL, need_inval_x, cl_inval_lock },
	st_cl_inval_unlock = { "invalidate_unlock", NULL, need_none, cl_inval_unlock },
	st_cl_inval_unlock_leak = { "invalidate_unlock (forgotten)", NULL, need_none,
				    cl_inval_unlock_leak },
	st_cl_scan = { "release_scan", NULL, need_cl_scan, cl_scan },
	st_cl_scan_nolock = { "release_scan (no folio locks)", NULL, need_none, cl_scan_nolock },
	st_f_read = { "fault_read", NULL, need_f_read, f_read },
	st_f_read_nolock = { "fault_read (no invalidate_lock)", NULL, need_none, f_read },
	st_f_mklock = { "mkwrite_lock", "xfs_filemap_fault(write_fault=1), xfs_ilock(MMAPLOCK_SHARED)",
			need_inval_s, f_mklock },
	st_f_mklock_none = { "mkwrite_lock (none)", "xfs_filemap_fault(write_fault=1)",
			     need_none, f_mklock_none },
	st_f_flock = { "mkwrite_folio_lock", NULL, need_f_flock, f_flock },
	st_f_flock_nomk = { "mkwrite_folio_lock", NULL, need_f_flock, f_flock_nomk },
	st_f_begin = { "mkwrite_iomap_begin", NULL, need_ilock_x, f_begin },
	st_f_begin_noreserve = { "mkwrite_iomap_begin (never reserves)", NULL, need_ilock_x,
				 f_begin_noreserve },
	st_f_dirty = { "mkwrite_dirty", NULL, need_none, f_dirty },
	st_f_end_written = { "mkwrite_iomap_end", "iomap_iter", need_none, f_nop },
	st_f_end_fault = { "mkwrite_iomap_end (IOMAP_FAULT)", "iomap_iter", need_none, f_nop },
	st_f_mkunlock = { "mkwrite_unlock", "xfs_iunlock(MMAPLOCK_SHARED)", need_none, f_mkunlock },
	st_f_mkunlock_none = { "mkwrite_unlock (none)", NULL, need_none, f_nop },
	st_f_store = { "fault_done_store", NULL, need_none, f_store },
	st_b_lock = { "wb_lock_folio", "iomap_writepage", need_b_lock, b_lock },
	st_b_map = { "wb_map_blocks", NULL, need_ilock_s, b_map },
	st_b_convert = { "wb_convert_delalloc", NULL, need_ilock_x, b_convert },
	st_b_submit = { "wb_submit_end", "iomap_add_to_ioend", need_none, b_submit },
	st_p_iolock = { "iolock", "xfs_ilock(IOLOCK_EXCL)", need_iolock_x, p_iolock },
	st_p_inval = { "mmaplock", "xfs_ilock(MMAPLOCK_EXCL)", need_inval_x, p_inval },
	st_p_trunc = { "truncate_pagecache", NULL, need_p_trunc, p_trunc },
	st_p_unmap = { "bunmap", "xfs_ilock(ILOCK_EXCL), xfs_bunmap", need_ilock_x, p_unmap },
	st_p_size = { "set_size", NULL, need_none, p_size },
	st_p_invunlock = { "mmapunlock", "xfs_iunlock(MMAPLOCK_EXCL)", need_none, p_invunlock },
	st_p_iounlock = { "iounlock", "xfs_iunlock(IOLOCK_EXCL)", need_none, p_iounlock },
	st_r_iolock = { "iolock", "xfs_ilock(IOLOCK_SHARED)", need_iolock_s, r_iolock },
	st_r_folio = { "read_folio", NULL, need_r_folio, r_folio },
	st_r_iounlock = { "iounlock", "xfs_iunlock(IOLOCK_SHARED)", need_none, r_iounlock };

/* --- state ----------------------------------------------------------------- */

int model_new(struct model **out, const struct model_config *c)
{
	struct model *m;
	int v;

	*out = NULL;
	if (!c || !c->variant || (v = model_variant_find(c->variant)) < 0)
		return -EINVAL;
	if (c->npages < 1 || c->npages > MODEL_MAX_PAGES || c->isize_pages > c->npages ||
	    c->free_blocks > 1u << 20)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->variant = (uint8_t)v;
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
	m->f[i].st = FS_CACHED | FS_UPTODATE | (dirty ? FS_DIRTY : 0);
	m->f[i].dirtied_by = -1;
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
	m->tp = s->step->tp;
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

int model_step(struct model *m, int task, struct model_step_rec *rec)
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
		rec->tp = m->tp;
		rec->hits = m->step_hits;
	}
	return 0;
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
	size_t head = 0;
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
		model_step(m, task, &r->step[r->nsteps]);
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
