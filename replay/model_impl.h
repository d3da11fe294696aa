/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * model_impl.h - the model's state layout and step tables, private to
 * replay/ (model.c: state and steps, variants.c: tables, explore.c).
 *
 * The whole state is one struct model of fixed-size arrays, copyable with
 * memcpy: the explorer snapshots and restores it at every node.
 *
 * Footprints.  Every step records what it read (m->rd) and wrote (m->wr) as
 * bits of a 64-bit mask, one bit per shared object: the three inode locks,
 * the accounting counters, i_size, the cleanup range, the fork sequence
 * number, and per page its folio lock, its page-cache state and its extent
 * map entry.  Taking or dropping a lock writes its bit, checking that a lock
 * is free reads it.  The invariant checks that run after a step add what
 * they read, so whether a step breaks an invariant depends only on objects
 * in its footprint.  Two steps of different tasks are dependent iff one
 * writes a bit the other reads or writes; the explorer's partial-order
 * reduction rests on that relation.  One exception: the neighbouring extents
 * a step reads only to name its extent-tree events (model.c, ev_hole_delay
 * and co.) are not recorded: they change neither the state nor an outcome,
 * only the step's event names.
 */
#ifndef FT_REPLAY_MODEL_IMPL_H
#define FT_REPLAY_MODEL_IMPL_H

#include <stddef.h>

#include "model.h"

#define MODEL_TP_EVENTS	96	/* events one step can name (a truncate of 64 folios) */
#define MODEL_TP_TEXT	512	/* model_step's text of them; model_run keeps longer ones */

/* Footprints: one bit per shared object, a word per kind of object. */
struct mfp {
	uint64_t g;	/* the inode's locks, counters, i_size, cleanup range, seq */
	uint64_t fl;	/* folio lock of page i */
	uint64_t pg;	/* page-cache state of page i */
	uint64_t ex;	/* extent map entry of block i */
};

#define A_IOLOCK	((struct mfp){ .g = 1ull << 0 })
#define A_INVAL		((struct mfp){ .g = 1ull << 1 })
#define A_ILOCK		((struct mfp){ .g = 1ull << 2 })
#define A_ACCT		((struct mfp){ .g = 1ull << 3 })
#define A_ISIZE		((struct mfp){ .g = 1ull << 4 })
#define A_CLEANUP	((struct mfp){ .g = 1ull << 5 })
#define A_SEQ		((struct mfp){ .g = 1ull << 6 })
#define A_FLOCK(i)	((struct mfp){ .fl = 1ull << (i) })
#define A_PAGE(i)	((struct mfp){ .pg = 1ull << (i) })
#define A_EXT(i)	((struct mfp){ .ex = 1ull << (i) })
#define A_EXT_ALL	((struct mfp){ .ex = ~0ull })

static inline struct mfp fp_or(struct mfp a, struct mfp b)
{
	return (struct mfp){ a.g | b.g, a.fl | b.fl, a.pg | b.pg, a.ex | b.ex };
}

static inline int fp_meets(struct mfp a, struct mfp b)
{
	return ((a.g & b.g) | (a.fl & b.fl) | (a.pg & b.pg) | (a.ex & b.ex)) != 0;
}

static inline int fp_empty(struct mfp a)
{
	return !(a.g | a.fl | a.pg | a.ex);
}

/* Two steps conflict iff one writes what the other reads or writes. */
static inline int fp_conflict(struct mfp ar, struct mfp aw, struct mfp br, struct mfp bw)
{
	return fp_meets(aw, fp_or(br, bw)) || fp_meets(bw, ar);
}

static inline void fp_addv(struct mfp *to, const struct mfp *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		*to = fp_or(*to, v[i]);
}

#define FP_LIST(...) (const struct mfp[]){ __VA_ARGS__ }, \
	sizeof((const struct mfp[]){ __VA_ARGS__ }) / sizeof(struct mfp)
/* Record reads / writes of the step being run: RD(m, A_PAGE(i), A_ISIZE). */
#define RD(m, ...) fp_addv(&(m)->rd, FP_LIST(__VA_ARGS__))
#define WR(m, ...) fp_addv(&(m)->wr, FP_LIST(__VA_ARGS__))

/* Locks: index into model.lk[]. */
enum { LK_IOLOCK, LK_INVAL, LK_ILOCK, LK_FOLIO0, LK_COUNT = LK_FOLIO0 + MODEL_MAX_PAGES };
enum { LM_S = 1, LM_X = 2 };

/* Folio state bits. */
/* FS_DATA: the folio holds data not yet on disk (a write's copy, a fault's
 * store that landed, a preset dirty folio); page_mkwrite alone dirties a
 * folio without data: the store comes after the fault returns. */
enum { FS_CACHED = 1, FS_UPTODATE = 2, FS_DIRTY = 4, FS_WB = 8, FS_DATA = 16 };

struct mfolio {
	uint8_t st;
	int8_t dirtied_by;	/* task that dirtied it last, -1: preset/none */
	uint16_t mapped;	/* tasks with a writable PTE of it: set when a write fault
				 * returns, cleared by writeback (page_mkclean) and by a
				 * delete (the PTEs are zapped) */
};

struct mblock {
	uint8_t type;		/* enum model_ext_type */
	uint8_t pad;
	uint16_t blk;		/* block number when unwritten/real */
};

/* An rw-semaphore: one writer or a set of readers, and the waiters. */
struct mrwsem {
	int8_t writer;		/* task id or -1 */
	uint8_t pad;
	uint16_t readers;	/* bitmask of tasks */
	uint16_t wait_s, wait_x;	/* bitmasks of waiting tasks */
};

struct mtask {
	uint8_t kind, letter, slot, done;
	int8_t wait_lock;	/* lock it waits for, -1 */
	uint8_t first, n, copied;	/* range (window-relative), pages to copy */
	uint8_t cur;		/* cursor */
	uint8_t map_lo, map_hi, map_type, map_new;	/* the current iomap (W, F; B: the
							 * writeback context's cached map) */
	uint8_t written;	/* pages copied in the current mapping */
	uint8_t ncopied;	/* pages copied in all */
	uint8_t stale, sigbus, resume;	/* iomap stale; F: page_mkwrite failed (SIGBUS) */
	uint8_t cl_lo, cl_hi;	/* cleanup range */
	uint8_t wb_page, retries;
	uint8_t wb_valid;	/* B: map_lo..map_hi/cookie hold a mapping (wpc->iomap) */
	uint8_t iter_open;	/* W: the last iomap_begin succeeded, so 6.x traces one more
				 * iomap_iter at the end.  Names events only: not semantics
				 * (states.c may leave it out of the state hash) */
	uint8_t pad[2];
	uint64_t keep;		/* release scan: dirty pages to keep */
	uint16_t nsteps;
	uint32_t cookie;	/* iomap validity cookie (W), wpc data_seq (B) */
};

struct mhit {
	int16_t step, task, folio, other;
};

struct model {
	uint8_t variant, ntasks, npages, isize;
	int8_t cl_task;		/* task holding invalidate_lock X for a punch, -1 */
	uint8_t cl_lo, cl_hi;
	uint8_t kernel;		/* enum mkernel: the kernel whose tracepoints the steps name */
	uint16_t next_blk;
	uint16_t nsteps;
	int32_t fdblocks, delayed, allocated, total;
	uint32_t seq;		/* data fork sequence number (if_seq) */
	uint64_t ino, base;
	struct mfolio f[MODEL_MAX_PAGES];
	struct mblock b[MODEL_MAX_PAGES];
	struct mrwsem lk[LK_COUNT];
	struct mtask t[MODEL_MAX_TASKS];
	uint32_t hits;
	struct mhit first[MODEL_OUTCOMES];
	/* scratch of the step being run, not part of the semantics */
	struct mfp rd, wr;
	int8_t folio;
	uint8_t ntpev;		/* events in tpev[] */
	uint8_t tpev[MODEL_TP_EVENTS];	/* the events the step emits (enum tpe), in order */
	uint32_t step_hits;
	char tptext[MODEL_TP_TEXT];	/* model_step's rec->tp text (scratch) */
};

/* Kernels whose tracepoint names the steps use (model_kernel_name). */
enum mkernel { MK_510, MK_61, MK_612, MK_COUNT };

/*
 * Trace events a step emits, named per kernel by model.c (tpe_names): a step
 * appends them to m->tpev in the order the kernel emits them; model_step and
 * model_run format the names ("a, b(detail), c").  An event the kernel does
 * not have (e.g. xfs_iomap_invalid before 6.12) is skipped at formatting.
 * Only events of foliotrace's normalized set (record/normalize.c) are named.
 */
enum tpe {
	TE_ILOCK_X = 1, TE_IUNLOCK_X, TE_ILOCK_S, TE_IUNLOCK_S,
	TE_IOLOCK_X, TE_IOUNLOCK_X, TE_IOLOCK_S, TE_IOUNLOCK_S,
	TE_MMAP_S, TE_MMAPUN_S, TE_MMAP_X, TE_MMAPUN_X, TE_IOMMAP_X, TE_IOMMAPUN_X,
	TE_BUFWRITE, TE_FOUND, TE_ALLOC, TE_ENOSPC, TE_INVALID,
	TE_IEXT_INSERT, TE_IEXT_REMOVE, TE_PRE, TE_POST, TE_BUNMAP,
	TE_ADD, TE_DELETE, TE_DIRTY, TE_ITER, TE_DSTMAP,
	TE_FAULT_R, TE_FAULT_W, TE_MM_FAULT, TE_WRITEPAGE, TE_MAP_FOUND, TE_MAP_FOUND_HOLE,
	TE_MAP_ALLOC, TE_WB_INVALID, TE_INVALIDATE,
	TE_COUNT
};

/* Special next-slot values. */
enum { NX_NEXT = -1, NX_DONE = -2, NX_RESUME = -3 };

struct mstep {
	const char *name;	/* the trace events it emits: enum tpe, appended by run() */
	/* The lock the step needs free (and takes, or checks) in the current
	 * state, or -1.  Records its reads in m->rd. */
	int (*need)(struct model *m, struct mtask *t, int *mode);
	/* Runs the step; returns a slot, NX_NEXT (the table's next), NX_DONE
	 * or NX_RESUME (t->resume). */
	int (*run)(struct model *m, struct mtask *t);
};

/* Program slots, per task kind.  A variant maps each slot to a step and a
 * next slot; a NULL step means the variant has no such step. */
enum {
	W_IOLOCK, W_BEGIN, W_FOLIO, W_END, W_CL1, W_CL2, W_CL3, W_CL4, W_IOUNLOCK,
	F_READ, F_MKLOCK, F_FLOCK, F_BEGIN, F_DIRTY, F_END, F_MKUNLOCK, F_STORE, F_USTORE,
	B_LOCK, B_MAP, B_CONVERT, B_SUBMIT,
	P_IOLOCK, P_INVAL, P_TRUNC, P_UNMAP, P_SIZE, P_INVUNLOCK, P_IOUNLOCK,
	R_IOLOCK, R_FOLIO, R_IOUNLOCK,
	RF_READ,
	SL_COUNT
};

struct mslot {
	const struct mstep *step;
	int8_t next;
};

struct mvariant {
	const char *name;
	const char *summary;
	int test_only;
	int kernel;		/* enum mkernel: the default tracepoint naming */
	struct mslot prog[SL_COUNT];
	int vocab;		/* enum ft_variant (core/vocab.h); -1: test-only */
};

extern const struct mvariant model_variants[];
extern const int model_nvariants, model_nuser_variants;
extern const uint8_t model_first_slot[MODEL_TASK_KINDS];

/* Steps (model.c), arranged into programs by variants.c. */
extern const struct mstep st_w_iolock, st_w_begin, st_w_folio, st_w_folio_valid, st_w_end,
	st_w_iounlock, st_cl_truncate, st_cl_punch, st_cl_inval_lock, st_cl_inval_unlock,
	st_cl_scan, st_cl_punch_clean,
	st_f_read, st_f_mklock, st_f_flock, st_f_begin, st_f_dirty, st_f_end_written,
	st_f_mkunlock, st_f_store, st_f_ustore,
	st_b_lock, st_b_map, st_b_convert, st_b_submit,
	st_p_iolock, st_p_inval, st_p_trunc, st_p_unmap, st_p_size, st_p_invunlock, st_p_iounlock,
	st_r_iolock, st_r_folio, st_r_iounlock, st_rf_read,
	/* deliberately broken steps for the invariant tests */
	st_f_begin_noreserve, st_cl_punch_leak, st_f_read_nolock, st_f_mklock_none,
	st_f_mkunlock_none, st_f_flock_nomk, st_cl_inval_unlock_leak,
	st_cl_scan_nolock;

static inline const struct mslot *model_slot(const struct model *m, int slot)
{
	return &model_variants[m->variant].prog[slot];
}

/* The lock a task's next step needs (and mode), -1 if none; fills m->rd. */
int model_need(struct model *m, int task, int *mode);
int model_lock_grantable(const struct model *m, int lock, int mode, int task);
struct mfp model_lock_bit(int lock);
/* Runs one step without the runnable check; the footprint is in m->rd/wr. */
void model_step_raw(struct model *m, int task);
/* The most severe outcome hit so far, deadlock included if stuck. */
enum model_outcome model_outcome_of(struct model *m, int *stuck);
void model_refresh_waiters(struct model *m);

#endif
