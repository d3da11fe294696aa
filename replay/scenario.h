/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * scenario.h - the built-in scenarios of `foliotrace replay --scenario`:
 * a named initial state, its tasks and a default schedule.
 *
 * scenario_build() returns a new model (free it with model_free) built only
 * through the public API of model.h, as a trace-driven replay would.
 */
#ifndef FT_REPLAY_SCENARIO_H
#define FT_REPLAY_SCENARIO_H

#include "model.h"

/* An initial-state preset (model_preset_extent / model_preset_folio), applied
 * in order before the tasks are added. */
struct scenario_preset {
	uint64_t index;			/* first page (absolute) */
	unsigned npages;
	int ext;			/* enum model_ext_type, or -1: a folio preset */
	int dirty;			/* folio preset: 1 dirty, 0 clean (cached) */
};

#define SCENARIO_MAX_PRESETS	(2 * MODEL_MAX_PAGES)

struct scenario {
	const char *name;
	const char *summary;		/* one line */
	const char *schedule;		/* the default schedule (model_schedule_parse) */
	unsigned npages, isize_pages, free_blocks;
	unsigned ntasks;
	struct model_task_desc task[MODEL_MAX_TASKS];
	uint64_t ino, base_index;	/* 0, 0: the built-ins' inode 131 from page 0 */
	unsigned npresets;		/* scenario files (replay/scenfile.h) */
	struct scenario_preset preset[SCENARIO_MAX_PRESETS];
	const char *kernel;		/* model_config.kernel; NULL: the variant's */
};

int scenario_count(void);
const struct scenario *scenario_at(int i);
const struct scenario *scenario_find(const char *name);	/* or NULL */
/* 0, -EINVAL for an unknown variant, -ENOMEM */
int scenario_build(const struct scenario *sc, const char *variant, struct model **out);

#endif
