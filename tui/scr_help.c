/* SPDX-License-Identifier: GPL-2.0-or-later */
/* scr_help.c - the help screen, generated from the key table (actions.c). */
#include <curses.h>
#include <stdio.h>

#include "state.h"
#include "term.h"

static const struct { enum tui_screen s; const char *title; } sections[] = {
	{ SCR_OVERVIEW, "overview (trace, inodes, windows list)" },
	{ SCR_TIMELINE, "timeline (lanes, events, cursor)" },
	{ SCR_REPLAY, "replay pane" },
	{ SCR_HELP, "this help" },
};

void scr_help_draw(struct tui *t)
{
	const char *keys[64], *help[64];
	int y = 2 - t->help_scroll, line = 0;

	draw_title(t, " foliotrace tui help  |  F1 or H (h on the overview) opens it; h also pans left in the timeline");
	for (size_t s = 0; s < sizeof(sections) / sizeof(sections[0]); s++) {
		int n = actions_help_lines(sections[s].s, keys, help, 64);

		if (y >= 1 && y < t->rows - 1) {
			attrset(term_attr(TC_AXIS) | A_BOLD);
			mvprintw(y, 1, "%s", sections[s].title);
			attrset(A_NORMAL);
		}
		y++;
		for (int i = 0; i < n; i++, y++, line++)
			if (y >= 1 && y < t->rows - 1)
				mvprintw(y, 3, "%-20s %s", keys[i], help[i]);
		y++;
	}
	if (y >= 1 && y < t->rows - 1)
		mvprintw(y, 1, "glyphs: + page add  x page delete  d dirty  w writeback  W buffered write  "
			 "F/M read/write fault  L/u lock/unlock  P bunmap (punch)  I/R extent insert/remove  "
			 "s ^ sched  i/f/a iomap");
	(void)line;
	draw_status(t, " q back  Down/Up/PgDn/PgUp scroll");
}
