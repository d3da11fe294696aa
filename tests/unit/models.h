/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * models.h - for the replay unit tests: a model built through the public
 * API (model_new, then model_add_task for each task), as a trace-driven
 * replay builds one.
 */
#ifndef FT_TESTS_MODELS_H
#define FT_TESTS_MODELS_H

#include "../../replay/model.h"

/* The model of c with tasks t[0..n), or NULL if one is refused. */
static inline struct model *model_with_tasks(const struct model_config *c,
					     const struct model_task_desc *t, int n)
{
	struct model *m;

	if (model_new(&m, c) < 0)
		return NULL;
	for (int i = 0; i < n; i++)
		if (model_add_task(m, &t[i]) < 0) {
			model_free(m);
			return NULL;
		}
	return m;
}

#endif
