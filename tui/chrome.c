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

/* Text at the cursor, cut before the row's last column (writing that column
 * would move the cursor to the next row, where the next piece would land). */
static void vadd_text(struct tui *t, const char *fmt, va_list ap)
{
	char buf[1024];
	int x = getcurx(stdscr);

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (x < t->cols - 1)
		addnstr(buf, t->cols - 1 - x);
}

void add_text(struct tui *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vadd_text(t, fmt, ap);
	va_end(ap);
}

void draw_text(struct tui *t, int y, int x, const char *fmt, ...)
{
	va_list ap;

	if (y < 0 || y >= t->rows || x >= t->cols)
		return;
	move(y, x);
	va_start(ap, fmt);
	vadd_text(t, fmt, ap);
	va_end(ap);
}

void draw_status(struct tui *t, const char *hints)
{
	static const char *const prompts[] = {
		[P_GOTO] = "go to (time s, #event, wN): ", [P_SEARCH_FWD] = "/",
		[P_SEARCH_BACK] = "?", [P_FILTER] = "filter (pid=N ino=N event=NAME FIELD=V): ",
		[P_VERDICTS] = "verdicts (",
	};
	int row = t->rows - 1;

	fill_row(row, t->cols, term_attr(TC_STATUS));
	if (t->prompt > P_NONE && t->prompt < (int)(sizeof(prompts) / sizeof(prompts[0]))) {
		char line[512], all[96] = "";
		int len;

		if (t->prompt == P_VERDICTS) {	/* the names from the vocabulary */
			tq_verdicts_str(TQ_SEV_ALL & ~1u, all, sizeof(all));
			len = snprintf(line, sizeof(line), "%s%s,%s; empty: all): %s_", prompts[t->prompt],
				       tq_sev_name(0), all, t->pbuf);
		} else
			len = snprintf(line, sizeof(line), "%s%s_", prompts[t->prompt], t->pbuf);
		/* too long for the row: its end, where the typing is */
		if (len > (int)sizeof(line) - 1)
			len = (int)sizeof(line) - 1;
		mvaddnstr(row, 0, len >= t->cols ? line + len - (t->cols - 1) : line, t->cols - 1);
	} else if (t->msg[0])
		mvaddnstr(row, 0, t->msg, t->cols);
	else
		mvaddnstr(row, 0, hints, t->cols);
	attrset(A_NORMAL);
}
