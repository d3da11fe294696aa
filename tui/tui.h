/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tui.h - `foliotrace tui`: the interactive browser of a database.
 * tui_run() owns the terminal from start to end and always restores it.
 */
#ifndef FT_TUI_H
#define FT_TUI_H

#include <stdint.h>

#include "../core/err.h"

struct tui_opts {
	const char *db;
	int ascii, mono, mouse;
	int64_t window;		/* > 0: open this window's timeline first */
	const char *bench_keys;	/* scripted keys (tokens), then quit; NULL: the keyboard */
	const char *timing;	/* file for per-frame timings, or NULL */
};

/* Returns 0, or 128 + signal when SIGINT/SIGTERM/SIGHUP ended it, or < 0
 * with a message in e. */
int tui_run(const struct tui_opts *o, struct ft_err *e);

#endif
