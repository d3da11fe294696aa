/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * replay_cli.h - `foliotrace replay`: cmd_replay.c (options, scenarios, one
 * variant's run); the window job, the options and the search chain are in
 * the library (jobs/winreplay.h).
 */
#ifndef FT_CLI_REPLAY_H
#define FT_CLI_REPLAY_H

#include <stdint.h>
#include <stdio.h>

#include "../core/err.h"
#include "../replay/model.h"
#include "../replay/scenario.h"
#include "../jobs/winreplay.h"

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

#endif
