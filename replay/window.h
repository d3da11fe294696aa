/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * window.h - a recorded window as a model run that follows the trace.
 *
 * The caller (jobs/winreplay.c) reads the window from the database
 * (analyze/window.h: window_trace_load cuts the pids' events into
 * operations, in happens-before order) and hands this module plain
 * descriptions: nothing here touches SQLite.
 *
 *   replay_window_scenario  the operations become model tasks over at most
 *                           MODEL_MAX_PAGES pages that hold the window's
 *                           punched pages and every task's pages; what does
 *                           not fit is said in the note, with how much.
 *   replay_window_follow    the recorded schedule: walks the events in
 *                           happens-before order, advancing each event's
 *                           task to the step that emits it, and maps every
 *                           step to the trace events it stands for; the
 *                           first place where the model cannot do what the
 *                           trace shows is the divergence.
 *   replay_window_check     a user schedule (--schedule) against the model,
 *                           --strict: a blocked entry is an error naming it.
 *
 * Pages are file page indexes everywhere in this interface.
 */
#ifndef FT_REPLAY_WINDOW_H
#define FT_REPLAY_WINDOW_H

#include <stddef.h>
#include <stdint.h>

#include "scenario.h"

/* A task the trace shows (an operation of analyze/window.h). */
struct replay_window_op {
	int kind;			/* enum window_op_kind of analyze/window.h */
	int pid;
	int writer;			/* the window's writer W */
	int64_t first, last;		/* its pages inside the window's pages */
	int64_t all_first, all_last;	/* every page it touched */
	int64_t copied;			/* write: pages copied */
	int64_t nevents;
	int open;			/* it goes on past the span's last event */
};

#define REPLAY_WINDOW_OPS 16

struct replay_window_in {
	uint64_t ino;
	int64_t first, last;		/* the window's punched pages: never moved */
	int nops;
	struct replay_window_op op[REPLAY_WINDOW_OPS];	/* op[0] is W */
	int ops_cut;			/* operations the loader left out */
	int64_t events_cut;		/* events past the loader's limit */
};

/* Which model task each operation became (-1: left out), and why not. */
struct replay_window_map {
	int task[REPLAY_WINDOW_OPS];
	char letter[REPLAY_WINDOW_OPS];
	uint32_t open;			/* model tasks (bits) that go on past the span */
};

/*
 * Fills *sc (name "window") and *map.  note gets what was left out or cut,
 * with how much ("" when nothing).  Returns 0, or -EINVAL when the
 * window's punched pages are not in the writer's write.
 */
int replay_window_scenario(const struct replay_window_in *in, struct scenario *sc,
			   struct replay_window_map *map, char *note, size_t notelen);

/* One event in happens-before order, already given its model task. */
struct replay_window_event {
	int64_t id;
	int task;			/* model task, -1: none (skipped) */
	int pid;
	int64_t page;			/* file page index, -1 */
	int64_t npages;			/* pages of its folio (large folios), >= 1 */
	int flags;			/* xfs lock flags, or write_fault */
	const char *name;		/* the tracefs event name */
};

enum replay_div_kind {
	RDIV_NONE,
	RDIV_UNEXPLAINED,	/* the trace shows an event no next step of the task emits */
	RDIV_MISSING,		/* a step emits an event the trace does not show */
	RDIV_BLOCKED,		/* the task's next step waits for a lock in the model */
	RDIV_ORDER,		/* a user schedule runs a step before one the trace shows earlier */
};

struct replay_divergence {
	enum replay_div_kind kind;
	int64_t event;			/* trace event id, -1: after the trace's events */
	char event_name[48];
	int pid;
	int64_t event_page;		/* -1 */
	char task;			/* model task letter */
	char step[48];			/* the model step */
	int64_t step_page;		/* file page index, -1 */
	int run_step;			/* 0-based position in the run, -1 */
	char why[200];
};

#define REPLAY_STEP_EVENTS 6

struct replay_follow {
	size_t n;				/* steps placed by following the trace */
	uint8_t sched[MODEL_MAX_RUN];		/* their tasks: the recorded schedule */
	uint8_t nev[MODEL_MAX_RUN];		/* events each step stands for (may exceed */
	int64_t ev[MODEL_MAX_RUN][REPLAY_STEP_EVENTS];	/* REPLAY_STEP_EVENTS: the rest are cut) */
	int ndiv;				/* divergences in all */
	struct replay_divergence div;		/* the first one, in trace order */
	unsigned matched, skipped;		/* trace events of modelled tasks */
	unsigned walks;				/* walks tried (untraced steps placed early) */
};

/*
 * Follows the events under variant (see window.c's Design).  present is
 * "\nname\n..." listing the event types the trace has (a step's tracepoint
 * that the trace never records is not looked for); open: the tasks (bits)
 * whose trace goes on past the last event (what they do after it is no
 * divergence).  Returns 0, -EINVAL (unknown variant) or -ENOMEM.
 */
int replay_window_follow(const struct scenario *sc, const char *variant,
			 const struct replay_window_event *ev, size_t nev, const char *present,
			 uint32_t open, struct replay_follow *out);

/*
 * The events of a run of an arbitrary schedule: step i of task t that is t's
 * k-th step stands for the events follow gave t's k-th step.  ev/nev are
 * filled for the run's steps; *div gets the first step that runs before a
 * step whose events the trace shows later (RDIV_ORDER), or RDIV_NONE.
 */
void replay_window_map_run(const struct model *m, const struct model_run *r,
			   const struct replay_follow *f, uint8_t *nev,
			   int64_t (*ev)[REPLAY_STEP_EVENTS], struct replay_divergence *div);

/*
 * --strict: runs sched on a copy of m entry by entry; the first entry whose
 * task is blocked (or finished) is an error: err names the entry (1-based
 * position, task), the step and the lock it waits for and its holder.
 * Returns 0 or -EINVAL.
 */
int replay_window_strict(const struct model *m, const uint8_t *sched, size_t n, char *err,
			 size_t errlen);

#endif
