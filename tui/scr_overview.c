/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * scr_overview.c - the first screen: trace metadata, inodes with event
 * counts (filled in between keys, see tui.c), and the windows list, most
 * severe first, one keyset page at a time.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "state.h"
#include "term.h"

#define LIST_ROW 7

int ov_list_row(const struct tui *t)
{
	(void)t;
	return LIST_ROW;
}

int ov_list_rows(const struct tui *t)
{
	int n = t->rows - LIST_ROW - 1;

	return n < 1 ? 1 : n;
}

void scr_overview_query(struct tui *t)
{
	int page = ov_list_rows(t), want = 2 * page + 1, n;

	tq_trace(t->q, &t->trace);
	if (want > OV_MAXROWS)
		want = OV_MAXROWS;
	n = tq_windows_from(t->q, t->top_sev, t->top_id, t->ov_rows, want);
	t->ov_n = n < 0 ? 0 : n;
	if (t->ov_sel >= t->ov_n)
		t->ov_sel = t->ov_n ? t->ov_n - 1 : 0;
	if (t->ov_sel >= page)
		t->ov_sel = page - 1;
	/* the position counter: the top row's rank, once (then kept by moves) */
	if (!t->top_rank && t->ov_n)
		t->top_rank = tui_window_rank(t, &t->ov_rows[0]);
}

static void fmt_time(char *buf, size_t len, int64_t ns)
{
	snprintf(buf, len, "%.6f", ns / 1e9);
}

void scr_overview_draw(struct tui *t)
{
	const struct tq_trace *tr = &t->trace;
	char a[32], b[32], line[512], pos[80], verdicts[96];
	int page = ov_list_rows(t);
	int64_t total = tui_windows_total(t);

	/* "window 12/80": the selection's position in the list (as filtered) */
	if (t->top_rank > 0 && t->ov_n)
		snprintf(a, sizeof(a), "%lld", (long long)(t->top_rank + t->ov_sel));
	else
		snprintf(a, sizeof(a), "%s", t->ov_n ? term_glyph(G_ELLIPSIS) : "0");
	if (t->wcounted == 1)
		snprintf(b, sizeof(b), "%lld", (long long)total);
	else
		snprintf(b, sizeof(b), "%s", term_glyph(G_ELLIPSIS));
	snprintf(pos, sizeof(pos), "window %s/%s", a, b);
	tq_verdicts_str(tq_verdicts(t->q), verdicts, sizeof(verdicts));
	draw_title(t, " foliotrace tui  %s  |  windows, most severe first  |  %s  verdicts: %s  |  "
		   "F1/H help  q quit", t->db, pos, verdicts);
	draw_text(t, 1, 1, "trace   %s%s", tr->source, tr->n_traces > 1 ? "  (and later traces)" : "");
	draw_text(t, 2, 1, "kernel  %s   host %s   clock %s   cpus %lld", tr->kernel[0] ? tr->kernel : "?",
		  tr->host[0] ? tr->host : "?", tr->clock[0] ? tr->clock : "?", (long long)tr->cpus);
	fmt_time(a, sizeof(a), tr->first_ts);
	fmt_time(b, sizeof(b), tr->last_ts);
	draw_text(t, 3, 1, "span    %.6f s (%s .. %s)   events %lld   lost ",
		  (tr->last_ts - tr->first_ts) / 1e9, a, b, (long long)tr->n_events);
	if (tr->lost || tr->lost_unknown)
		attrset(term_attr(TC_SEV0));
	add_text(t, "%lld", (long long)tr->lost);
	if (tr->lost_unknown)
		add_text(t, " + %lld gaps of unknown size", (long long)tr->lost_unknown);
	attrset(A_NORMAL);
	if (!tr->complete)
		add_text(t, "   (incomplete: still recording, or interrupted)");
	line[0] = 0;
	for (int i = 0; i < t->nino; i++) {
		char one[64];

		if (t->ino_done[i])
			snprintf(one, sizeof(one), "%s%lld: %lld", i ? "   " : "", (long long)t->ino[i],
				 (long long)t->ino_count[i]);
		else
			snprintf(one, sizeof(one), "%s%lld: %s%s", i ? "   " : "", (long long)t->ino[i],
				 t->ino_count[i] ? "" : "", term_glyph(G_ELLIPSIS));
		if (strlen(line) + strlen(one) + 8 >= sizeof(line))
			break;
		strcat(line, one);
	}
	draw_text(t, 4, 1, "inodes  %s%s", t->nino ? "" :
		  (t->ino_scanned ? "none" : term_glyph(G_ELLIPSIS)), line);
	if (t->ino_more)
		add_text(t, "   %s more", term_glyph(G_ELLIPSIS));
	attrset(term_attr(TC_AXIS) | A_BOLD);
	draw_text(t, 6, 0, " %-7s %-9s %-15s %-14s %-12s %-25s %-14s %s", "window", "verdict", "family",
		 "inode", "pages", "time (s)", "tasks", "evidence");
	attrset(A_NORMAL);
	if (!t->ov_n)
		draw_text(t, LIST_ROW, 1, "%s", tq_verdicts(t->q) != TQ_SEV_ALL ?
			 "(no window has these verdicts: f Enter shows every verdict)" :
			 "(no windows: run 'foliotrace analyze' on this database first)");
	for (int i = 0; i < t->ov_n && i < page; i++) {
		const struct tq_window *w = &t->ov_rows[i];
		char ino[32], pages[32], span[72], tasks[48] = "";

		snprintf(ino, sizeof(ino), "%lld:%lld/%lld", (long long)(w->dev >> 20),
			 (long long)(w->dev & 0xfffff), (long long)w->ino);
		snprintf(pages, sizeof(pages), "%lld-%lld", (long long)w->first, (long long)w->last);
		fmt_time(a, sizeof(a), w->start_ns);
		fmt_time(b, sizeof(b), w->end_ns);
		snprintf(span, sizeof(span), "%s-%s", a, b);
		for (int k = 0; k < w->ntasks; k++)
			snprintf(tasks + strlen(tasks), sizeof(tasks) - strlen(tasks), "%s%d", k ? "," : "",
				 w->tasks[k]);
		if (i == t->ov_sel)
			attrset(term_attr(TC_SEL));
		snprintf(line, sizeof(line), " %-7lld ", (long long)w->id);
		mvaddnstr(LIST_ROW + i, 0, line, t->cols);
		if (i != t->ov_sel)
			attrset(term_attr(TC_SEV0 + w->sev));
		snprintf(line, sizeof(line), "%-9s", tq_sev_name(w->sev));
		addnstr(line, t->cols > 9 ? t->cols - 9 : 0);
		if (i != t->ov_sel)
			attrset(A_NORMAL);
		snprintf(line, sizeof(line), " %-15s %-14s %-12s %-25s %-14s %s", w->family, ino, pages, span,
			 tasks, w->evidence);
		{
			int x = getcurx(stdscr);

			if (x < t->cols)
				addnstr(line, t->cols - x);
			if (i == t->ov_sel)
				for (x = getcurx(stdscr); x < t->cols && getcury(stdscr) == LIST_ROW + i; x++)
					addch(' ');
		}
		attrset(A_NORMAL);
	}
	draw_status(t, " Enter timeline  p replay  r run replay  Down/Up/n/N move  PgDn/PgUp Home/End  "
		    "f verdicts  g window  / search  F1/H/? help  q quit");
}
