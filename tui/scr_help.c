/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * scr_help.c - the help screen, generated from the key table (actions.c):
 * the keys of every screen once, then each screen's own keys, the
 * timeline's with its glyph legend (scr_timeline.c, tl_legend).  One layout function
 * both draws and counts the lines (scrolling stops at the last one).
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "state.h"
#include "term.h"

static const struct { enum tui_screen s; const char *title; } sections[] = {
	{ SCR__N, "everywhere" },
	{ SCR_OVERVIEW, "overview (trace, inodes, windows list)" },
	{ SCR_TIMELINE, "timeline (lanes, events, cursor)" },
	{ SCR_REPLAY, "replay pane" },
	{ SCR_HELP, "this help" },
};

/* Lays the help out from line 0; draws the lines that fall on the screen
 * when draw is set.  Returns the number of lines. */
static int layout(const struct tui *t, int draw)
{
	const char *keys[64], *help[64];
	int y = 0, top = 2 - t->help_scroll;
	char e[160];
	int x = 3;

#define ON_SCREEN(y) (draw && top + (y) >= 1 && top + (y) < t->rows - 1)
	for (size_t s = 0; s < sizeof(sections) / sizeof(sections[0]); s++) {
		int n = actions_help_lines(sections[s].s, keys, help, 64);

		if (!n)
			continue;
		if (ON_SCREEN(y)) {
			attrset(term_attr(TC_AXIS) | A_BOLD);
			mvaddnstr(top + y, 1, sections[s].title, t->cols - 1);
			attrset(A_NORMAL);
		}
		y++;
		for (int i = 0; i < n; i++, y++)
			if (ON_SCREEN(y)) {
				char line[256];

				snprintf(line, sizeof(line), "%-20s %s", keys[i], help[i]);
				mvaddnstr(top + y, 3, line, t->cols - 3);
			}
		y++;
		if (sections[s].s != SCR_TIMELINE)
			continue;
		/* the timeline's glyphs (event kinds, as filters name them), wrapped */
		if (ON_SCREEN(y)) {
			attrset(term_attr(TC_AXIS) | A_BOLD);
			mvaddnstr(top + y, 1, "timeline glyphs (event kinds, as event= filters name them)",
				  t->cols - 1);
			attrset(A_NORMAL);
		}
		y++;
		for (int i = 0; tl_legend(i, e, sizeof(e)); i++) {
			int l = (int)strlen(e);

			if (x > 3 && x + l + 3 > t->cols) {
				y++;
				x = 3;
			}
			if (ON_SCREEN(y))
				mvaddnstr(top + y, x, e, t->cols - x);
			x += l + 3;
		}
		x = 3;
		y += 2;
	}
#undef ON_SCREEN
	return y;
}

int scr_help_lines(const struct tui *t)
{
	return layout(t, 0);
}

void scr_help_draw(struct tui *t)
{
	draw_title(t, " foliotrace tui help  |  F1 or H opens it (on the overview also h and ?); "
		   "in the timeline h pans left and ? searches backward");
	layout(t, 1);
	draw_status(t, " q back  Down/Up/PgDn/PgUp/Home/End scroll");
}
