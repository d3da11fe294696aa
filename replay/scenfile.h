/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * scenfile.h - scenario files: a scenario of the model written as plain text
 * (`foliotrace replay --scenario-file F`), so a user describes pages,
 * presets, tasks, models and a schedule without recompiling.
 *
 * The format (replay/README.md, "Scenario files", has the full reference):
 *
 *	# comment
 *	name      punch-race
 *	summary   write W of pages 0-3 copies 1 page and fails; ...
 *	models    all
 *	kernel    5.10
 *	pages     8
 *	isize     8
 *	free      64
 *	ino       131
 *	base      0
 *	extent    0-3 delalloc
 *	folio     2 dirty
 *	task      W write 0-3 copied 4096
 *	task      F fault 2
 *	schedule  W6,F8,W2
 *
 * One key per line, its values separated by blanks; '#' at the start of a
 * line or after a blank starts a comment.  Every limit is the model's
 * (MODEL_MAX_PAGES, MODEL_MAX_TASKS, MODEL_MAX_RUN); the file is checked
 * whole (ranges inside the window, free blocks for the extents, the
 * schedule's letters) before anything runs, by building the model once.
 */
#ifndef FT_REPLAY_SCENFILE_H
#define FT_REPLAY_SCENFILE_H

#include <stdio.h>

#include "scenario.h"

#define SCENFILE_LINE_MAX	4096	/* bytes in a line, newline excluded */
#define SCENFILE_NAME_MAX	64

struct scenfile {
	struct scenario sc;		/* name, summary, schedule point below */
	unsigned models;		/* bit i: user-facing variant i; 0: not given */
	char kernel[16];		/* "": the variant's kernel */
	char name[SCENFILE_NAME_MAX + 1];
	char summary[SCENFILE_LINE_MAX + 1];
	char schedule[SCENFILE_LINE_MAX + 1];
};

/*
 * Reads a scenario file into *sf (which must then stay where it is: sf->sc
 * points into it).  Returns 0, or -EINVAL (bad content) / -errno (the file
 * cannot be read) with a one-line reason in err and the 1-based line it is
 * about in *line (0: the file as a whole).  Quoted file content in err is
 * printable ASCII (other bytes are shown as \xNN).  path names the file
 * (NULL: the name defaults to "scenario" instead of the file's base name).
 */
int scenfile_read(FILE *f, const char *path, struct scenfile *sf, unsigned *line, char *err,
		  size_t errlen);
int scenfile_load(const char *path, struct scenfile *sf, unsigned *line, char *err,
		  size_t errlen);

#endif
