/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * window.h - what the trace says about one analysed window, in the terms a
 * replay needs (the writer's buffered write, the racing tasks and the pages
 * they touched, whether each raced before or inside the cleanup, writeback
 * after it), and the replay results stored against a window.
 *
 * Everything is read from the events through indexes (events_pid_ts,
 * events_folio_ts, events_ino_ts); nothing is inferred that the window's
 * verdict does not already rest on.
 */
#ifndef FT_ANALYZE_WINDOW_H
#define FT_ANALYZE_WINDOW_H

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
	int page_shift;
	int nracers;
	struct window_racer racer[WINDOW_MAX_RACERS];
	int racers_cut;			/* more racers than WINDOW_MAX_RACERS */
};

/* Fills *f for window id; -ENOENT (with a message naming the database) when
 * there is no such window. */
int window_facts_load(struct store *s, int64_t id, struct window_facts *f, struct ft_err *e);

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
