/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * recorder.h - live recording: tracefs ring buffers -> database.
 *
 * States (recorder.c):
 *
 *   SETUP --instance, temp db, command forked (held)--> RECORDING
 *   RECORDING --command exits | --duration | SIGINT/SIGTERM--> DRAINING
 *   DRAINING --tracing off, buffers flushed, stats read--> FINISHING
 *   FINISHING --trace complete, fsync, rename--> DONE
 *   any state --second SIGINT or error--> ABORTED (temp db removed)
 *
 * Invariants:
 *  R1. Events reach the database in timestamp order: the per-cpu streams
 *      are merged and an event is written only once every cpu has been
 *      drained past its time stamp (the watermark).
 *  R2. Nothing is lost silently: per-page gaps become lost rows with their
 *      time range; the per-cpu overrun/dropped counters are stored at the
 *      end and printed.
 *  R3. The output path receives the database only when complete (as
 *      import); while recording, readers may open the temporary file (WAL)
 *      and see whole batches.
 *  R4. The tracing instance is foliotrace's own and is removed on every
 *      exit path; nothing else in tracefs is written.
 */
#ifndef FT_RECORDER_H
#define FT_RECORDER_H

#include <stdint.h>

#include "../core/err.h"
#include "tracing.h"

struct recorder_opts {
	const char *output;
	int force;
	int progress;		/* status line on stderr */
	int quiet;
	struct tracing_opts tr;
	double duration;	/* seconds; 0: until the command ends or a signal */
	char **command;		/* NULL-terminated argv, or NULL */
	const char *dat;	/* also write a trace-cmd file, or NULL */
};

struct recorder_result {
	uint64_t events;
	uint64_t lost;
	uint64_t lost_gaps;
	int command_status;	/* wait status of the command, -1 if none */
	double seconds;
	char missing[2048];	/* events this kernel lacks */
};

int recorder_run(const struct recorder_opts *o, struct recorder_result *r,
		 struct ft_err *e);

/* Set by the front end's signal handler. */
extern volatile int recorder_stop_requested;	/* first SIGINT/SIGTERM */
extern volatile int recorder_abort_requested;	/* second one */

#endif
