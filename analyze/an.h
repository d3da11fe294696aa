/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * an.h - what the modules of one analysis pass share (internal to
 * analyze/): the pass state, per-task state, pending windows and the
 * history of recent page-cache events.  See analyze.c for the design.
 */
#ifndef FT_ANALYZE_AN_H
#define FT_ANALYZE_AN_H

#include <stdint.h>

#include "../core/event.h"
#include "../core/kinds.h"
#include "analyze.h"
#include "folio.h"
#include "hb.h"
#include "variant.h"

/* What a caller symbol tells about the code path of an event. */
enum role {
	R_NONE,
	R_WRITE,		/* xfs_file_buffered_write (IOLOCK_EXCL) */
	R_PUNCH,		/* xfs_bmap_punch_delalloc_range */
	R_DEL_DELAY,		/* xfs_bmap_del_extent_delay */
	R_FAULT,		/* __xfs_write_fault, __xfs_filemap_fault */
	R_CONVERT,		/* xfs_bmap_add_extent_unwritten_real, _delay_real:
				 * an unwritten or delalloc extent becomes written
				 * or allocated (writeback, its I/O completion) */
};

/* --- history of recent events that can race a window ------------------- */

enum hkind { H_ADD, H_LOOKUP, H_DIRTY, H_DELETE };

struct hrec {
	int64_t id, ino, first, count;	/* page range */
	int pid;
	enum hkind kind;
	int was_dirty_by;		/* H_DELETE: dirtier of the deleted folio, or 0 */
};

#define HIST 65536

/* --- windows ---------------------------------------------------------------- */

#define RACING_LEN 768

struct window {
	const char *family;
	int64_t dev, ino, start_id, end_id, start_ts, end_ts;
	int64_t first, last;		/* page range, inclusive */
	int pid;
	int verdict;
	int range_inferred;
	int granted;			/* end_id is the grant of the punch's lock */
	int64_t removed_id;		/* the punch's first extent removal event */
	const char *lock;		/* what protects it (static text), or NULL */
	char *racing;			/* evidence text, allocated when needed */
	int racers[8], nracers;
	int64_t wid;			/* 1, 2, ... in opening order */
	int closed;			/* judged */
	int watchers;			/* folios whose fate may still turn it to loss */
	int doubt;			/* the trace contradicts the lock that protects it */
	int drops, retried;		/* dirty folios its cleanup deleted; of which the
					 * dirtier's store was retried */
	int64_t loss_ids[4];		/* the events where folios it explains were lost */
	int nloss;
};

/*
 * Windows in memory are the pending ones: open, or judged `hit` while a
 * folio they watch may still be lost.  The others are written as soon as
 * they are judged, so memory follows the open state, not the trace length.
 * Pending windows are found by wid (tasks and folios hold wids).
 */
struct wmap {
	struct window **slot;
	uint64_t cap, n;
};

/* Per-task state. */
#define WB_PEND 16

struct tstate {
	int pid;
	int in_write;
	int64_t write_ino, write_dev;
	int64_t alloc_first, alloc_count;	/* last reservation (pages) */
	int64_t last_progress;			/* id */
	int64_t last_progress_ts;
	int mmap_excl;				/* traced MMAPLOCK_EXCL holds */
	int io_excl;				/* traced IOLOCK_EXCL holds */
	int in_fault;
	int64_t punching;			/* wid of the open window, 0 none */
	int punch_wait;				/* its lock requested, not yet granted */
	int64_t pre_off, pre_len;		/* last bmap pre-update of the punch */
	int64_t rem_off, rem_len;		/* a removal the next insert may trim */
	/* writeback: folios taken dirty whose mapping is still to be seen,
	 * and the last mapping xfs_map_blocks looked up (pages) */
	int nwb;
	struct { int64_t ino, idx; } wb[WB_PEND];
	int64_t map_ino, map_dev, map_first, map_last;
	int map_hole, map_valid;
	/*
	 * stale_iomap (stale.c): the mapping this task's buffered write looked
	 * up (snap: its iomap_apply/iomap_iter event; the bytes it writes with
	 * it), the part of it other tasks converted since (pages), and the
	 * pages of that part other tasks then deleted from the page cache.
	 */
	int64_t snap_id, snap_ts, snap_ino, snap_dev, snap_lo, snap_hi;
	int64_t conv_first, conv_last, conv_id;
	int conv_pid;
	int nstale;
	struct { int64_t idx, del_id, add_id; int del_pid; } stale[8];
};

struct an {
	struct store *s;
	struct analyze_result *r;
	struct ft_err *e;
	struct caps caps;
	struct hb *hb;
	struct fmap fm;
	char **syms;
	int64_t nsyms;
	unsigned char *roles;		/* enum role per symbol id */
	int64_t trace_id;
	int page_shift, block_shift;
	struct hrec *hist;
	uint64_t hn;
	struct wmap pend;		/* pending windows */
	int64_t nw;			/* windows opened */
	int64_t wid_base;		/* windows.id = wid_base + wid */
	sqlite3_stmt *ins_window;
	int qerr;			/* a setup query failed */
	struct tstate *ts;
	int nts;
	int fault_events_recorded;
	int waking_recorded;		/* wakeup edges from sched_waking */
	/* losses with a time range, and whether some have none */
	struct { int64_t a, b; } *gaps;
	int ngaps;
	int unlocalized_loss;
	char implied_lock[160];
	sqlite3_stmt *ins_edge;
	/* contradictions of mutual exclusion the trace showed */
	struct contra { int64_t dev, ino, holder_ev, grant_ev; int cls, holder, task; } *contra;
	int ncontra, capcontra;
	/* stale.c: the tasks whose buffered write holds a lookup (indexes of ts) */
	int *snappers;
	int nsnappers, capsnappers;
	uint64_t stale_zeroed;		/* its loss windows: pages zero-filled */
	/*
	 * Dirty folios of other tasks that a write's cleanup deleted, until the
	 * dirtier's next dirtying says whether its store had landed: the same
	 * index again (its fault was retried after the truncate zapped the
	 * page: the store may have gone to the new folio) or anything else
	 * (it had landed: lost).  wid: the window that judges it, 0 not yet
	 * claimed, -1 the write ended without one.
	 */
	struct pdrop { int64_t dev, ino, idx, id, ts, wid; int by, writer; } pdrop[64];
	int npdrop;
	/* the last closed windows, to attribute a later loss (a ring) */
	struct recent { int64_t wid, ino, first, last; } recent[256];
	uint64_t nrecent;
	int debug;			/* check invariants as the pass goes */
	int err;
};

/* windows.c: the life of a window, its verdict and its row. */
struct window *window_open(struct an *a, struct tstate *t, const char *family, int64_t id,
			   const struct ft_event *ev);
struct window *window_get(struct an *a, int64_t wid);
void window_close(struct an *a, struct tstate *t);
void window_flush(struct an *a);
void window_free_all(struct an *a);
char *window_racing(struct an *a, struct window *w);
void window_doubt_lock(struct an *a, int64_t dev, int64_t ino, const char *why);
int window_check(struct an *a);

/* The fates of folios (windows.c). */
void folio_lost_over_hole(struct an *a, struct folio *f, int64_t ino, int64_t dev,
			  int64_t idx, int64_t id, int64_t ts);
void folio_deleted_dirty(struct an *a, struct tstate *t, struct folio *f, int64_t ino,
			 int64_t dev, int64_t idx, int64_t id, int64_t ts);
void folio_unwatch(struct an *a, struct folio *f);
void pdrop_on_dirty(struct an *a, int pid, int64_t ino, int64_t idx);
void pdrop_write_ended(struct an *a, int writer);
void pdrop_finish(struct an *a);
void loss_unexplained(struct an *a, int64_t dev, int64_t ino, int64_t idx, int by, int64_t from,
		      int64_t id, int64_t ts, const char *how);

/* punch.c: the delalloc punch detector. */
void punch_on_event(struct an *a, struct tstate *ts, int t, int64_t id,
		    const struct ft_event *ev, enum role role);
void punch_on_end(struct an *a);
void stale_on_event(struct an *a, struct tstate *ts, int t, int64_t id,
		    const struct ft_event *ev, enum role role);
void stale_on_end(struct an *a);
/* A detector's window, judged already: written now (windows.c). */
struct window *window_new(struct an *a, const char *family, int pid, int64_t dev, int64_t ino,
			  int64_t start_id, int64_t start_ts);
void window_write_judged(struct an *a, struct window *w);
void window_evidence(struct an *a, struct window *w, const char *text);
void window_add_racer(struct window *w, int pid);

/* analyze.c */
struct tstate *tstate_of(struct an *a, int t);
void hist_add(struct an *a, int64_t id, int pid, enum hkind k, int64_t ino,
	      int64_t first, int64_t count, int was_dirty_by);
struct hb_lock lock_id(int64_t dev, int64_t ino, int cls);

#endif
