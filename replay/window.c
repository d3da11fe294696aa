/* SPDX-License-Identifier: GPL-2.0-or-later */
/* window.c - see window.h. */
#include "window.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char fault_letters[] = "FGHI";

int replay_window_scenario(const struct replay_window_in *in, struct scenario *sc, char *note,
			   size_t notelen)
{
	int64_t lo = in->first, wend = in->write_first + in->write_pages, base, npages, copied;
	int64_t wb_lo = INT64_MAX, wb_hi = -1;
	size_t used = 0;
	unsigned t = 0;

	note[0] = '\0';
	if (in->write_pages <= 0 || in->first < in->write_first || in->first >= wend)
		return -EINVAL;
	for (int i = 0; i < in->nracers; i++)
		if (i == 0 || in->racer[i].index < lo)
			lo = in->racer[i].index;
	/* A few pages before the first racing page: some of the write's copied
	 * part when it is that close. */
	base = lo - 4 > in->write_first ? lo - 4 : in->write_first;
	npages = wend - base < MODEL_MAX_PAGES ? wend - base : MODEL_MAX_PAGES;
	if (npages <= 0)
		return -EINVAL;
	copied = in->first - base;
	copied = copied < 0 ? 0 : copied > npages ? npages : copied;

	memset(sc, 0, sizeof(*sc));
	sc->name = "window";
	sc->summary = "a recorded window";
	sc->schedule = "";
	sc->npages = (unsigned)npages;
	sc->isize_pages = (unsigned)npages;
	sc->free_blocks = 64;
	sc->ino = in->ino;
	sc->base_index = (uint64_t)base;
	sc->task[t++] = (struct model_task_desc){ .kind = MODEL_TASK_WRITE, .letter = 'W',
		.ino = in->ino, .index = (uint64_t)base, .npages = (unsigned)npages,
		.copied_bytes = (uint64_t)copied * 4096 };
	for (int i = 0; i < in->nracers && i < REPLAY_WINDOW_RACERS; i++) {
		int64_t idx = in->racer[i].index;

		if (idx < base || idx >= base + npages) {
			used += (size_t)snprintf(note + used, used < notelen ? notelen - used : 0,
						 "%sfault on page %lld outside the model's pages %lld-%lld",
						 used ? "; " : "", (long long)idx, (long long)base,
						 (long long)(base + npages - 1));
			continue;
		}
		sc->task[t++] = (struct model_task_desc){ .kind = MODEL_TASK_FAULT,
			.letter = fault_letters[i], .ino = in->ino, .index = (uint64_t)idx,
			.npages = 1 };
		if (in->racer[i].written_back) {
			wb_lo = idx < wb_lo ? idx : wb_lo;
			wb_hi = idx > wb_hi ? idx : wb_hi;
		}
	}
	if (wb_hi >= 0)
		sc->task[t++] = (struct model_task_desc){ .kind = MODEL_TASK_WRITEBACK, .letter = 'B',
			.ino = in->ino, .index = (uint64_t)wb_lo,
			.npages = (unsigned)(wb_hi - wb_lo + 1) };
	sc->ntasks = t;
	if (wend - base > MODEL_MAX_PAGES)
		snprintf(note + used, used < notelen ? notelen - used : 0,
			 "%sthe write's pages %lld-%lld are cut to %lld-%lld", used ? "; " : "",
			 (long long)in->write_first, (long long)(wend - 1), (long long)base,
			 (long long)(base + npages - 1));
	return 0;
}

static int is_cleanup(const char *step)
{
	static const char *const names[] = {
		"truncate_pagecache", "invalidate_lock", "release_scan", "punch_delalloc",
		"punch_clean", "invalidate_unlock",
	};

	for (size_t i = 0; step && i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(step, names[i]))
			return 1;
	return 0;
}

static int opens_window(const char *step)
{
	return step && (!strcmp(step, "truncate_pagecache") || !strcmp(step, "release_scan"));
}

struct sched {
	struct model *m;
	uint8_t task[MODEL_MAX_RUN];
	size_t n;
};

static int step(struct sched *s, int t)
{
	if (s->n == MODEL_MAX_RUN || !model_runnable(s->m, t) || model_step(s->m, t, NULL) < 0)
		return 0;
	s->task[s->n++] = (uint8_t)t;
	return 1;
}

/* Runs task t while it can (and, with stop, until stop says so). */
static void run(struct sched *s, int t, int (*stop)(const char *next))
{
	while (!(stop && stop(model_next_step(s->m, t))) && step(s, t))
		;
}

int replay_window_schedule(const struct scenario *sc, const struct replay_window_in *in,
			   const char *variant, char *buf, size_t len)
{
	struct sched s = { 0 };
	int nt, ret = scenario_build(sc, variant, &s.m);

	if (ret < 0)
		return ret;
	nt = model_ntasks(s.m);
	/* 1: W up to its cleanup */
	run(&s, 0, is_cleanup);
	/* 2: faults whose dirty page the cleanup deleted */
	for (int i = 0; i < in->nracers && i < REPLAY_WINDOW_RACERS; i++) {
		int t = model_task_find(s.m, fault_letters[i]);

		if (t >= 0 && in->racer[i].before_cleanup)
			run(&s, t, NULL);
	}
	/* 3: W's cleanup up to the truncate or release scan */
	while (model_next_step(s.m, 0) && !opens_window(model_next_step(s.m, 0)) && step(&s, 0))
		;
	if (opens_window(model_next_step(s.m, 0)))
		step(&s, 0);
	/* 4: faults inside the window, as far as each can go */
	for (int t = 1; t < nt; t++)
		if (model_task_letter(s.m, t) != 'B')
			run(&s, t, NULL);
	/* 5: the rest of W; 6: what waited, then the writeback */
	run(&s, 0, NULL);
	for (int t = 1; t < nt; t++)
		if (model_task_letter(s.m, t) != 'B')
			run(&s, t, NULL);
	for (int t = 1; t < nt; t++)
		run(&s, t, NULL);
	/* then the lowest runnable task, to the end */
	for (int progress = 1; progress && !model_finished(s.m); ) {
		progress = 0;
		for (int t = 0; t < nt && !progress; t++)
			progress = step(&s, t);
	}
	model_schedule_format(s.m, s.task, s.n, buf, len);
	model_free(s.m);
	return 0;
}
