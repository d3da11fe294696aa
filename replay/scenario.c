/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * scenario.c - built-in scenarios.  Pages are 4 KiB, the file is an 8-page
 * hole inside EOF (ftruncate'd, as tests/workloads/shortwrite.c makes it).
 * Default schedules are written for the prefix variant's step counts: the
 * write W takes 6 steps to reach its truncate (iolock, iomap_begin,
 * write_folio, the failing write_folio, iomap_end, truncate_pagecache), the
 * fault F takes 9 (its last, the user's store, lands in the folio: the
 * store comes after the fault returns, docs/model-steps.md), then W punches; W's second round (docs/model-steps.md)
 * follows: iomap_begin, the failing write_folio, iomap_end, truncate, punch,
 * iounlock.  In punch-race-writeback B (lock, map, convert, submit of page
 * 0, lock and map of page 2, the end) runs between the two rounds, while
 * F's page is over the hole.  Other variants run the same letters: a
 * blocked task's entries wait (model.h, "schedule").
 * Each has its twin in replay/scenarios/NAME.scn: change both (t4003 checks
 * that they give byte-identical output).
 */
#include <errno.h>
#include <string.h>

#include "scenario.h"

#define INO 131
#define WRITE(first, n, copied) { .kind = MODEL_TASK_WRITE, .letter = 'W', .ino = INO, \
	.index = (first), .npages = (n), .copied_bytes = (copied) * 4096ull }
#define FAULT(page) { .kind = MODEL_TASK_FAULT, .letter = 'F', .ino = INO, .index = (page), \
	.npages = 1 }
#define WRITEBACK(first, n) { .kind = MODEL_TASK_WRITEBACK, .letter = 'B', .ino = INO, \
	.index = (first), .npages = (n) }
#define PUNCH(first, n) { .kind = MODEL_TASK_PUNCH, .letter = 'P', .ino = INO, \
	.index = (first), .npages = (n) }
#define NO_PRESETS 0, { { 0, 0, 0, 0 } }, NULL

static const struct scenario scenarios[] = {
	{ "punch-race",
	  "write W of pages 0-3 copies 1 page and fails; fault F stores into page 2 "
	  "between W's truncate and punch (the 198dd8aedee6 race)",
	  "W6,F9,W2", 8, 8, 64, 2, { WRITE(0, 4, 1), FAULT(2) }, INO, 0, NO_PRESETS },
	{ "short-write",
	  "write W of pages 0-3 copies 1 page and fails; fault F stores into page 6, "
	  "outside W's range (race-free)",
	  "W6,F9,W2", 8, 8, 64, 2, { WRITE(0, 4, 1), FAULT(6) }, INO, 0, NO_PRESETS },
	{ "punch-race-writeback",
	  "punch-race, then writeback B of pages 0-3 maps the faulted page "
	  "(a lost write under prefix)",
	  "W6,F9,W,B7", 8, 8, 64, 3, { WRITE(0, 4, 1), FAULT(2), WRITEBACK(0, 4) }, INO, 0,
	  NO_PRESETS },
	{ "hole-punch",
	  "fault F dirties page 2, then fallocate(PUNCH_HOLE) P of pages 0-3 drops it "
	  "(the owner of the range: no invariant broken)",
	  "F9,P6", 8, 8, 64, 2, { FAULT(2), PUNCH(0, 4) }, INO, 0, NO_PRESETS },
};

int scenario_count(void)
{
	return (int)(sizeof(scenarios) / sizeof(scenarios[0]));
}

const struct scenario *scenario_at(int i)
{
	return i >= 0 && i < scenario_count() ? &scenarios[i] : NULL;
}

const struct scenario *scenario_find(const char *name)
{
	for (int i = 0; i < scenario_count(); i++)
		if (!strcmp(scenarios[i].name, name))
			return &scenarios[i];
	return NULL;
}

int scenario_build(const struct scenario *sc, const char *variant, struct model **out)
{
	struct model_config c = { .variant = variant, .ino = sc->ino ? sc->ino : INO,
				  .base_index = sc->base_index,
				  .npages = sc->npages, .isize_pages = sc->isize_pages,
				  .free_blocks = sc->free_blocks, .kernel = sc->kernel };
	int ret = model_new(out, &c);

	for (unsigned i = 0; !ret && i < sc->npresets; i++) {
		const struct scenario_preset *p = &sc->preset[i];

		if (p->ext >= 0)
			ret = model_preset_extent(*out, p->index, p->npages, p->ext);
		else
			for (unsigned k = 0; !ret && k < p->npages; k++)
				ret = model_preset_folio(*out, p->index + k, p->dirty);
	}
	for (unsigned i = 0; !ret && i < sc->ntasks; i++)
		if ((ret = model_add_task(*out, &sc->task[i])) > 0)
			ret = 0;
	if (ret < 0) {
		model_free(*out);
		*out = NULL;
	}
	return ret;
}
