/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * scr_replay.c - the replay pane of a window: the stored replay under each
 * model variant (outcome, schedule, exploration counts, where it broke),
 * and the selected variant's steps, each beside the trace events it stands
 * for (the ids the window replay stored with the step: query.h,
 * tq_replay_steps).  'r' runs the replay (tui.c) and re-queries.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "state.h"
#include "term.h"
#include "../jobs/winreplay.h"

static int outcome_color(const char *o)
{
	if (!strcmp(o, "ok"))
		return TC_SEV0 + 5;
	if (!strcmp(o, "data_loss"))
		return TC_SEV0;
	if (!strcmp(o, "dirty_dropped"))
		return TC_SEV0 + 2;
	return TC_SEV0 + 1;
}

/* The first row of the steps, and how many rows they have. */
static int steps_row(const struct tui *t)
{
	return 4 + (t->nrp ? t->nrp : 1) + (t->nrp ? 2 : 0);
}

int rp_step_rows(const struct tui *t)
{
	int n = t->rows - 1 - steps_row(t);

	return n < 1 ? 1 : n;
}

void scr_replay_query(struct tui *t)
{
	int n = tq_replays(t->q, t->win.id, t->rp, (int)(sizeof(t->rp) / sizeof(t->rp[0])));

	t->nrp = n < 0 ? 0 : n;
	t->win_rank = tui_window_rank(t, &t->win);
	if (t->rp_sel >= t->nrp)
		t->rp_sel = 0;
	t->nsteps = 0;
	if (t->nrp) {
		n = tq_replay_steps(t->q, t->rp[t->rp_sel].id, t->steps, RP_MAXSTEPS);
		t->nsteps = n < 0 ? 0 : n;
	}
}

void scr_replay_draw(struct tui *t)
{
	const struct tq_window *w = &t->win;
	char pos[48] = "";
	int y;

	if (t->win_rank > 0)
		snprintf(pos, sizeof(pos), " (%lld/%lld)", (long long)t->win_rank,
			 (long long)tui_windows_total(t));
	draw_title(t, " replay of window #%lld %s%s  ino %lld pages %lld-%lld  writer %d  |  "
		   "stored rows of "
		   "'foliotrace replay --window %lld'", (long long)w->id, tq_sev_name(w->sev), pos,
		   (long long)w->ino, (long long)w->first, (long long)w->last, w->writer, (long long)w->id);
	attrset(term_attr(TC_AXIS) | A_BOLD);
	draw_text(t, 2, 1, "%-10s %-16s %-28s %9s %9s  %s", "model", "outcome", "schedule", "explored",
		 "bad", "where");
	attrset(A_NORMAL);
	if (!t->nrp)
		draw_text(t, 3, 1, "no stored replay of this window: press r to run one (all variants, "
			 "explored; stopped after %g s)", WINREPLAY_TIMEOUT);
	for (int i = 0; i < t->nrp; i++) {
		const struct tq_replay *r = &t->rp[i];
		char ex[24], bad[24];

		snprintf(ex, sizeof(ex), r->explored >= 0 ? "%lld" : "-", (long long)r->explored);
		snprintf(bad, sizeof(bad), r->bad >= 0 ? "%lld" : "-", (long long)r->bad);
		attrset(i == t->rp_sel ? term_attr(TC_SEL) : (int)A_NORMAL);
		draw_text(t, 3 + i, 1, "%-10s ", r->model);
		if (i != t->rp_sel)
			attrset(term_attr(outcome_color(r->outcome)));
		add_text(t, "%-16s", r->outcome);
		attrset(i == t->rp_sel ? term_attr(TC_SEL) : (int)A_NORMAL);
		add_text(t, " %-28.28s %9s %9s  %s", r->schedule, ex, bad, r->where);
		attrset(A_NORMAL);
	}
	y = 4 + (t->nrp ? t->nrp : 1);
	if (t->nrp) {
		attrset(term_attr(TC_AXIS) | A_BOLD);
		draw_text(t, y++, 1, "steps under %s (%d), beside the trace events each stands for:",
			 t->rp[t->rp_sel].model, t->nsteps);
		draw_text(t, y++, 1, "%4s %-4s %-20s %5s  %-52s %s", "#", "task", "step", "page", "tracepoints",
			 "trace events");
		attrset(A_NORMAL);
	}
	for (int i = t->rp_scroll; i < t->nsteps && y < t->rows - 1; i++, y++) {
		const struct tq_step *s = &t->steps[i];
		char page[24], ev[160], line[512];

		snprintf(page, sizeof(page), s->page >= 0 ? "%lld" : "-", (long long)s->page);
		ev[0] = 0;
		if (!s->has_events)
			snprintf(ev, sizeof(ev), "(not stored: r replays again)");
		for (int k = 0; k < s->nev; k++)
			snprintf(ev + strlen(ev), sizeof(ev) - strlen(ev), "%s#%lld", k ? " " : "",
				 (long long)s->events[k]);
		if (s->events_cut)
			snprintf(ev + strlen(ev), sizeof(ev) - strlen(ev), " %s", term_glyph(G_ELLIPSIS));
		else if (s->has_events && !s->nev)
			snprintf(ev, sizeof(ev), "-");
		if (s->hits[0])
			attrset(term_attr(TC_SEV0));
		snprintf(line, sizeof(line), "%4d %-4s %-20.20s %5s  %-52.52s %s%s%s", i + 1, s->task,
			 s->step, page, s->tracepoints[0] ? s->tracepoints : "(no tracepoint)", ev,
			 s->hits[0] ? "  breaks: " : "", s->hits);
		mvaddnstr(y, 1, line, t->cols - 1);
		attrset(A_NORMAL);
	}
	draw_status(t, " r run replay  Up/Down model  PgDn/PgUp/Home/End steps  n/N window  Enter timeline  "
		    "F1/H help  q back");
}
