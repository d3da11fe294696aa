/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * window.h - what the trace says about one analysed window, in the terms a
 * replay needs (the writer's buffered write, the racing tasks and the pages
 * they touched, whether each raced before or inside the cleanup, writeback
 * after it), and the replay results stored against a window.
 *
 * Everything is read from the events by pid, inode or folio, which the
 * events virtual table serves from the blocks event_keys lists for that key
 * (core/evtab.c); nothing is inferred that the window's verdict does not
 * already rest on.
 */
#ifndef FT_ANALYZE_WINDOW_H
#define FT_ANALYZE_WINDOW_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "../core/store.h"

#define WINDOW_MAX_RACERS 4

struct window_racer {
	int pid;
	int64_t index;		/* first page it added or dirtied in the range */
	int64_t event;		/* that event */
	int before_cleanup;	/* dirtied before the cleanup, which then deleted it */
	int written_back;	/* the page was written back after the window */
	int dirtied;		/* it dirtied the page inside the window */
	int reserved;		/* ... having reserved a block of its own for it first */
};

struct window_facts {
	int64_t id, trace_id, ino, dev;
	int64_t start_event, end_event;
	int64_t first, last;		/* punched pages */
	char verdict[16], family[32];
	char variant[16];		/* code variant analyze inferred from the kernel */
	int writer;
	int write_known;		/* the writer's buffered-write event was found */
	int64_t write_first, write_pages;	/* its range, pages */
	int64_t write_event;		/* its xfs_file_buffered_write event, 0 unknown */
	int page_shift;
	int nracers;
	struct window_racer racer[WINDOW_MAX_RACERS];
	int racers_cut;			/* more racers than WINDOW_MAX_RACERS */
};

/* Fills *f for window id; -ENOENT (with a message naming the database) when
 * there is no such window. */
int window_facts_load(struct store *s, int64_t id, struct window_facts *f, struct ft_err *e);

/*
 * The window's events, for a replay that follows them (window_trace_load).
 *
 * Tasks.  The trace's tasks are pids, but one pid can be several model
 * tasks (the writer that later calls fsync is W, then a writeback B), so
 * the events of each pid are cut into *operations*, each one model task:
 *   write      the writer W: from its IOLOCK_EXCL request before its
 *              xfs_file_buffered_write to its IOLOCK_EXCL release after the
 *              window; another pid's buffered write of the window's pages;
 *   fault      an xfs_filemap_fault (5.10) / xfs_write_fault / xfs_read_fault
 *              and what follows it on the same page (a read fault that the
 *              pid's next write fault on the page continues is one fault);
 *              a read fault with no write fault is a read_fault;
 *   writeback  consecutive iomap_writepage / iomap_writeback_folio events
 *              (the writer's own fsync, a kworker's flush alike);
 *   punch, truncate  page deletions under IOLOCK_EXCL outside a write, from
 *              that lock's request to its release (a deletion without it is
 *              a cache drop: no task);
 * and an operation counts when it touches a page of the window's pages
 * (the writer's buffered write and the punched range).  Events a modelled
 * operation shows for pages outside those pages, and a writeback's
 * page-less events that follow them (the writeback of other pages), belong
 * to no task; a punch's page-less events (its locks, its bunmap) are its.
 *
 * Span: from W's IOLOCK_EXCL request to its release, extended to the
 * writeback (map_blocks event) of every page another task dirtied in the
 * window's pages, at most WINDOW_MAX_EVENTS events.
 *
 * Order: the happens-before order of analyze (hb.h): an xfs_ilock event is
 * a request; the lock is granted at the task's next non-scheduler event,
 * so a request is ordered just before that event (`order`).  Everything
 * else keeps the trace order (events.id), which is consistent with the
 * happens-before edges analyze derives.
 */
#define WINDOW_MAX_OPS 16
#define WINDOW_MAX_EVENTS 50000

enum window_op_kind {
	WOP_WRITE, WOP_FAULT, WOP_READ_FAULT, WOP_WRITEBACK, WOP_PUNCH, WOP_TRUNCATE, WOP__COUNT
};

struct window_event {
	int64_t id;
	int64_t order;		/* position in happens-before order (2 * id, or a grant's) */
	int pid;
	int op;			/* operation it belongs to, -1: none */
	int kind;		/* FT_K_* */
	int64_t page;		/* page-cache index, -1: none */
	int forder;		/* folio order (large folios cover 1 << order pages) */
	int flags;		/* xfs lock flags (ilock/iunlock), write_fault, ... */
	char name[48];		/* the tracefs event name */
};

struct window_op {
	enum window_op_kind kind;
	int pid;
	int writer;		/* the window's writer W */
	int64_t first, last;	/* pages it touched inside the window's pages */
	int64_t all_first, all_last;	/* every page it touched (writeback: wider) */
	int64_t copied;		/* write: pages it dirtied before its cleanup */
	int64_t ev_first, ev_last;	/* its events (ids) */
	int64_t ev_stop;		/* the pid's event that ended it, 0: none */
	int64_t nevents;	/* events attributed to it */
};

struct window_trace {
	int64_t lo, hi;			/* event ids of the span */
	int64_t page_lo, page_hi;	/* the window's pages */
	struct window_event *ev;	/* in happens-before order */
	size_t nev;
	int64_t events_cut;		/* events past WINDOW_MAX_EVENTS left out */
	struct window_op op[WINDOW_MAX_OPS];
	int nops;
	int ops_cut;			/* operations past WINDOW_MAX_OPS left out */
	char *present;			/* "\nname\n..." event types the trace has */
};

/* Fills *t for window f (window_facts_load first).  Free with
 * window_trace_free. */
int window_trace_load(struct store *s, const struct window_facts *f, struct window_trace *t,
		      struct ft_err *e);
void window_trace_free(struct window_trace *t);
const char *window_op_kind_name(enum window_op_kind k);

struct window_replay {
	const char *model;		/* variant */
	const char *outcome;
	uint64_t digest;
	const char *schedule;
	int64_t explored, bad;		/* -1: not explored */
	const char *detail;		/* JSON */
};

/* Replaces the replays stored for a window with these, in one transaction. */
int window_replays_save(struct store *s, int64_t window_id, const struct window_replay *r,
			int n, struct ft_err *e);

#endif
