/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * window.h - a recorded window as a model run: the writer, the racing
 * faults and the writeback the trace shows become tasks of a model over at
 * most MODEL_MAX_PAGES pages around the racing pages, and the recorded
 * order of their steps becomes the schedule.
 *
 * The recorded order, per variant (steps with no tracepoint are placed
 * where the trace allows, the way the analysis judged the window):
 *   1. the writer W up to its cleanup (the copy that failed included);
 *   2. faults that dirtied a page the cleanup then deleted (they happened
 *      before the cleanup's truncate, or the delete would not find them);
 *   3. W's cleanup up to its page-cache truncate or release scan (the
 *      window opens there: the analysis' window starts after W's last
 *      progress);
 *   4. faults recorded inside the window, each as far as it can go (a
 *      variant whose cleanup holds invalidate_lock blocks them here);
 *   5. the rest of W;  6. blocked faults, then the writeback B of the
 *      racing pages the trace writes back after the window;
 * then every task left, lowest first, to the end.
 */
#ifndef FT_REPLAY_WINDOW_H
#define FT_REPLAY_WINDOW_H

#include <stddef.h>
#include <stdint.h>

#include "scenario.h"

#define REPLAY_WINDOW_RACERS 4

struct replay_window_in {
	uint64_t ino;
	int64_t first, last;			/* punched pages */
	int64_t write_first, write_pages;	/* the writer's buffered write */
	int nracers;
	struct {
		int64_t index;			/* the page it faulted */
		int before_cleanup;		/* step 2 above, else step 4 */
		int written_back;		/* B writes it back afterwards */
	} racer[REPLAY_WINDOW_RACERS];
};

/*
 * Fills *sc (name "window", the pages clipped to MODEL_MAX_PAGES around the
 * racing pages; tasks W, F, G, H, I, B).  note gets a line saying what was
 * left out, or "".  Returns 0 or -EINVAL when nothing of the window fits.
 */
int replay_window_scenario(const struct replay_window_in *in, struct scenario *sc, char *note,
			   size_t notelen);
/* The recorded schedule of sc under variant (text for model_schedule_parse). */
int replay_window_schedule(const struct scenario *sc, const struct replay_window_in *in,
			   const char *variant, char *buf, size_t len);

#endif
