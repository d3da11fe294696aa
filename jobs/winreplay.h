/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * winreplay.h - the window-replay job as a library call: a recorded window
 * of an analysed database run in the kernel-path model under each code
 * variant, compared with what the trace shows, the runs stored in the
 * database's `replays` table.  `foliotrace replay DB --window N`, the
 * report and the TUI all call it; nobody execs the binary for it.
 *
 * Usage:
 *
 *   In this process (prints as `replay --window` does; out NULL: silent):
 *
 *	struct replay_opts o = REPLAY_OPTS_INIT;
 *	o.db = "trace.db";
 *	o.explore = 1;			// optional: --explore
 *	o.explore_default = 1;
 *	ret = winreplay_run(&o, 36, stdout, &e);
 *	// 0 done; WINREPLAY_USAGE: a bad --schedule (e.msg says why);
 *	// < 0 failed (e.msg says why)
 *
 *   In a child process with a time limit (the report's --replay-timeout,
 *   the TUI's 30 s; the child forks, does not exec, and stores the runs):
 *
 *	int status;
 *	ret = winreplay_child("trace.db", 36, WINREPLAY_TIMEOUT, &status);
 *	// 0 done; -ETIMEDOUT killed at the limit; -ECHILD failed (status);
 *	// -EINTR a SIGINT/SIGTERM/SIGHUP arrived (the child was killed and
 *	// the signal re-raised); other -errno: no child
 *
 *   The caller must hold no SQLite transaction on the database while
 *   either runs (the job writes `replays`).  winreplay_child's child never
 *   touches the caller's connections (it opens its own and _exits; SQLite
 *   forbids using a connection across fork), but closing them first, as
 *   the report does, is the safest: the child then inherits none.
 *
 * Design: the database side is analyze/window.c (the window's facts, its
 * events cut into operations in happens-before order); the model side is
 * replay/window.c (tasks, the walk that places every step at the trace
 * event it stands for); this module joins them, explores (replay_explore:
 * the same search chain as scenarios), prints and stores.  The outcome the
 * trace shows (expected) comes from the window's verdict and the trace's
 * writeback events, never from the model.  The child runner puts the child
 * in a process group of its own, standard streams on /dev/null, and kills
 * the group at the timeout.
 *
 * Test-only hook of winreplay_child: with FOLIOTRACE_TEST_REPLAY_STALL=
 * ID[,ID...] in the environment, the child for those windows forks a
 * grandchild and both sleep forever instead of replaying; with
 * FOLIOTRACE_TEST_REPLAY_STALL_PIDS=FILE they first write their two pids
 * there (tests/t6001 checks that a timeout kills the whole group).
 */
#ifndef FT_JOBS_WINREPLAY_H
#define FT_JOBS_WINREPLAY_H

#include <stdint.h>
#include <stdio.h>

#include "../core/err.h"
#include "../replay/model.h"

/* The options of `foliotrace replay` that a run and its exploration take. */
struct replay_opts {
	const char *scenario;
	const char *model;	/* a variant name or "all" */
	const char *schedule;
	int explore, json, list;
	const char *db;
	const char *window;
	int strict;		/* --window --schedule: a blocked entry is an error */
	/* --explore[=MODE], --budget, --timeout, --pct, --runs, --seed, --preemptions */
	int explore_mode;	/* enum model_explore_mode; explore != 0 */
	int explore_default;	/* --explore alone: dpor, then states if the time runs out */
	uint64_t budget;	/* executions (dpor, pct runs) or states (states); 0 none */
	double seconds;		/* per variant; 0 none */
	int timeout_given;	/* --timeout was on the command line */
	unsigned pct_depth;
	uint64_t runs, seed;
	int preemptions;	/* -1 unbounded */
};

#define REPLAY_OPTS_INIT { .model = "all", .preemptions = -1, .runs = 1000, .seed = 1 }

/* The default search's budgets when it has no time budget (a window's
 * --explore): DPOR executions, then states of the state search and of each
 * preemption-bounded search. */
#define REPLAY_DET_EXECUTIONS	100000
#define REPLAY_DET_STATES	300000

/* Explores init as the options say (mode, budget, time per variant, the
 * default's fallback); fills x and a one-line guarantee.  0 or -ENOMEM. */
int replay_explore(const struct replay_opts *o, const struct model *init, struct model_explore *x,
		   char *guarantee, size_t glen);
/* ["data_loss",...]: the outcomes set in hits; as text: "data_loss, ...". */
void replay_hits_json(FILE *out, uint32_t hits);
void replay_hits_text(FILE *out, uint32_t hits);
/* "ok":N,"data_loss":N,... of count[first..MODEL_OUTCOMES) (no braces). */
void replay_counts_json(FILE *out, const uint64_t *count, int first);
/* The members a run has in scenario and window output: ,"where":...,
 * "hits":[...],"truncated":...,"steps":[...]; step_more (may be NULL) adds
 * members to step i's object.  Pages are file page indexes. */
struct scenario;
void replay_run_json(FILE *out, const struct scenario *sc, struct model *m,
		     const struct model_run *r,
		     void (*step_more)(FILE *out, size_t step, const void *arg), const void *arg);
/* {"outcome":"shortest schedule",...} of x's counterexamples. */
void replay_counterexamples_json(FILE *out, const struct model *m, const struct model_explore *x);
/* The "explore" JSON object of x (the same in scenario and window output). */
void replay_explore_json(FILE *out, const struct model *m, const struct model_explore *x,
			 const char *guarantee);

#define WINREPLAY_USAGE		1	/* winreplay_run: a bad schedule (o->schedule) */
#define WINREPLAY_TIMEOUT	30.0	/* default seconds of a child's replay (report, TUI) */

/* Replays window id of o->db under o->model (or every variant), prints to
 * out (text, or JSON with o->json; NULL: nothing) and stores the runs. */
int winreplay_run(const struct replay_opts *o, int64_t id, FILE *out, struct ft_err *e);

/* winreplay_run(db, id, --explore, silent) in a child process, at most
 * timeout seconds (0: no limit).  See the usage comment above. */
int winreplay_child(const char *db, int64_t id, double timeout, int *status);

#endif
