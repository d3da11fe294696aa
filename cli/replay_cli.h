/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * replay_cli.h - what the two halves of `foliotrace replay` share:
 * cmd_replay.c (options, scenarios, one variant's run and exploration) and
 * replay_window.c (a recorded window of a database as a model run).
 */
#ifndef FT_CLI_REPLAY_H
#define FT_CLI_REPLAY_H

#include <stdint.h>
#include <stdio.h>

#include "../core/err.h"
#include "../replay/model.h"
#include "../replay/scenario.h"

struct replay_opts {
	const char *scenario;
	const char *model;
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

/* The default search's budgets when it has no time budget (a window's
 * --explore): DPOR executions, then states of the state search and of each
 * preemption-bounded search. */
#define REPLAY_DET_EXECUTIONS	20000
#define REPLAY_DET_STATES	300000

/* Explores init as the options say (mode, budget, time per variant, the
 * default's fallback); fills x and a one-line guarantee.  0 or -ENOMEM. */
int replay_explore(const struct replay_opts *o, const struct model *init, struct model_explore *x,
		   char *guarantee, size_t glen);
/* {"outcome":"shortest schedule",...} of x's counterexamples. */
void replay_counterexamples_json(FILE *out, const struct model *m, const struct model_explore *x);
/* The "explore" JSON object of x (the same in scenario and window output). */
void replay_explore_json(FILE *out, const struct model *m, const struct model_explore *x,
			 const char *guarantee);

/* What a window replay keeps of one variant's run (to store and compare). */
struct kept {
	char model[16], outcome[24], schedule[4 * MODEL_MAX_RUN];
	uint64_t digest;
	int64_t explored, bad;
	char *detail;		/* the JSON object, malloc'd */
};

/* Runs one variant of sc with sched_text (or the options' / scenario's
 * schedule); prints it (text or JSON, first: no leading comma) and, with
 * keep, fills *keep.  Returns an FT_EXIT_* code. */
int replay_one(const struct replay_opts *o, const struct scenario *sc, const char *variant,
	       int first, const char *sched_text, struct kept *keep, struct ft_err *e);
/* foliotrace replay DB --window ID. */
int replay_window(const struct replay_opts *o, int64_t id, struct ft_err *e);

#endif
