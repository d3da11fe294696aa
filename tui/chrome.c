/* SPDX-License-Identifier: GPL-2.0-or-later */
/* chrome.c - what every screen shares: the title bar and the status line. */
#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "state.h"
#include "term.h"

static void fill_row(int row, int cols, int attr)
{
	attrset(attr);
	move(row, 0);
	for (int i = 0; i < cols; i++)
		addch(' ');
}

void draw_title(struct tui *t, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fill_row(0, t->cols, term_attr(TC_TITLE));
	mvaddnstr(0, 0, buf, t->cols);
	attrset(A_NORMAL);
}

void draw_status(struct tui *t, const char *hints)
{
	static const char *const prompts[] = {
		[P_GOTO] = "go to (time s, #event, wN): ", [P_SEARCH_FWD] = "/",
		[P_SEARCH_BACK] = "?", [P_FILTER] = "filter (pid=N ino=N event=NAME FIELD=V): ",
		[P_VERDICTS] = "verdicts (loss,hit,dropped,unsafe,unknown,protected; empty: all): ",
	};
	int row = t->rows - 1;

	fill_row(row, t->cols, term_attr(TC_STATUS));
	if (t->prompt > P_NONE && t->prompt < (int)(sizeof(prompts) / sizeof(prompts[0]))) {
		mvaddnstr(row, 0, prompts[t->prompt], t->cols);
		addnstr(t->pbuf, t->cols);
		addch('_');
	} else if (t->msg[0])
		mvaddnstr(row, 0, t->msg, t->cols);
	else
		mvaddnstr(row, 0, hints, t->cols);
	attrset(A_NORMAL);
}
