/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * actions.c - the key table and what each key does to the state.
 *
 * An action changes struct tui and returns TF_* flags; it never draws.  It
 * may ask query.h for a point fact it needs to decide (the time of an
 * event, the next window, a search hit), never for a screenful.  The help
 * screen is generated from keys[] below (a binding without help text is an
 * alias of the line above it); the man page's KEYS section
 * (docs/man/foliotrace-tui.1) is written by hand, and t0002 checks that it
 * names every key listed here.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"

#define ON(s)	(1u << (s))
#define ALL	(ON(SCR_OVERVIEW) | ON(SCR_TIMELINE) | ON(SCR_REPLAY) | ON(SCR_HELP))
#define KEY_CTRL_L 12
#define KEY_ESC 27

struct key_binding {
	int key;
	unsigned screens;
	int (*fn)(struct tui *t, int key);
	const char *keys;	/* as the help screen shows them */
	const char *help;	/* NULL: an alias, not listed */
};

/* --- helpers ------------------------------------------------------------------ */

static void push(struct tui *t, enum tui_screen s)
{
	if (t->scr == s)
		return;
	if (t->nback < (int)(sizeof(t->back) / sizeof(t->back[0])))
		t->back[t->nback++] = t->scr;
	t->scr = s;
}

static int64_t span_of(const struct tui *t)
{
	return t->t_hi - t->t_lo;
}

static void center_on_ts(struct tui *t, int64_t ts)
{
	int64_t span = span_of(t);

	t->t_lo = ts - span / 2;
	t->t_hi = t->t_lo + span;
}

static void ensure_visible(struct tui *t)
{
	int64_t ts = tq_ts_of(t->q, t->cur);

	if (ts >= 0 && (ts < t->t_lo || ts > t->t_hi))
		center_on_ts(t, ts);
}

static void clamp_view(struct tui *t)
{
	int64_t span = span_of(t), full = t->trace.last_ts - t->trace.first_ts;
	int64_t minspan = tl_plot_width(t) > 0 ? tl_plot_width(t) : 100;

	if (span < minspan)
		span = minspan;
	if (span > full + full / 4 + minspan)
		span = full + full / 4 + minspan;
	if (t->t_lo < t->trace.first_ts - span / 2)
		t->t_lo = t->trace.first_ts - span / 2;
	if (t->t_lo > t->trace.last_ts - span / 2)
		t->t_lo = t->trace.last_ts - span / 2;
	t->t_hi = t->t_lo + span;
}

static void fit_window(struct tui *t)
{
	int64_t lo = t->win.start_ns, hi = t->win.end_ns, pad = (hi - lo) / 10;

	if (pad < 1000)
		pad = 1000;
	t->t_lo = lo - pad;
	t->t_hi = hi + pad;
	clamp_view(t);
}

int actions_open_window(struct tui *t)
{
	t->cur = t->win.start_event;
	fit_window(t);
	return TF_REQUERY;
}

/* Makes w the current window and the overview's selection. */
static void select_window(struct tui *t, const struct tq_window *w)
{
	t->win = *w;
	t->have_win = 1;
	for (int i = 0; i < t->ov_n && i < ov_list_rows(t); i++)	/* on the page shown */
		if (t->ov_rows[i].id == w->id) {
			t->ov_sel = i;
			return;
		}
	t->top_sev = w->sev;
	t->top_id = w->id;
	t->top_rank = 0;
	t->ov_sel = 0;
}

static int act_ov_open(struct tui *t, int key);
static int act_prompt(struct tui *t, int key);

/* --- everywhere ------------------------------------------------------------------ */

static int act_back(struct tui *t, int key)
{
	(void)key;
	if (t->scr == SCR_OVERVIEW)
		return TF_QUIT;
	t->scr = t->nback ? t->back[--t->nback] : SCR_OVERVIEW;
	return TF_REQUERY;
}

static int act_quit(struct tui *t, int key)
{
	(void)t;
	(void)key;
	return TF_QUIT;
}

static int act_help(struct tui *t, int key)
{
	(void)key;
	if (t->scr == SCR_HELP)
		return act_back(t, key);
	t->help_scroll = 0;
	push(t, SCR_HELP);
	return TF_REDRAW;
}

static int act_redraw(struct tui *t, int key)
{
	(void)key;
	clearok(curscr, TRUE);	/* state only: the loop repaints everything */
	t->msg[0] = 0;
	return TF_REQUERY;
}

static int act_replay_pane(struct tui *t, int key)
{
	(void)key;
	if (t->scr == SCR_OVERVIEW) {
		if (!t->ov_n) {
			snprintf(t->msg, sizeof(t->msg), "no window selected: the list is empty");
			return TF_REDRAW;
		}
		select_window(t, &t->ov_rows[t->ov_sel]);
	}
	if (!t->have_win) {
		snprintf(t->msg, sizeof(t->msg), "no window selected");
		return TF_REDRAW;
	}
	t->rp_sel = 0;
	t->rp_scroll = 0;
	push(t, SCR_REPLAY);
	return TF_REQUERY;
}

static int act_run_replay(struct tui *t, int key)
{
	int f = act_replay_pane(t, key);

	if (!t->have_win || t->scr != SCR_REPLAY)	/* no window: the pane said why */
		return f;
	snprintf(t->msg, sizeof(t->msg), "replaying window %lld under every model variant...",
		 (long long)t->win.id);
	return f | TF_REDRAW | TF_REPLAY;
}

/* --- overview ---------------------------------------------------------------------- */

/*
 * Moves the overview's selection by delta rows, scrolling the keyset page:
 * ov_rows holds the page and the rows after it (up to two pages), so a
 * page down needs no query to know where the next page begins.
 */
static int ov_move(struct tui *t, int delta)
{
	int page = ov_list_rows(t), moved = 0, want = delta;
	struct tq_window w;

	for (; delta > 0; delta--, moved++) {
		if (t->ov_sel + 1 < t->ov_n && t->ov_sel + 1 < page) {
			t->ov_sel++;
		} else if (t->ov_n > page) {
			memmove(t->ov_rows, t->ov_rows + 1, (size_t)(t->ov_n - 1) * sizeof(w));
			t->ov_n--;
			if (t->top_rank)
				t->top_rank++;
		} else
			break;
	}
	for (; delta < 0; delta++, moved++) {
		if (t->ov_sel > 0) {
			t->ov_sel--;
		} else if (t->ov_n && tq_window_before(t->q, t->ov_rows[0].sev, t->ov_rows[0].id, &w) == 1) {
			if (t->ov_n == OV_MAXROWS)
				t->ov_n--;
			memmove(t->ov_rows + 1, t->ov_rows, (size_t)t->ov_n * sizeof(w));
			t->ov_rows[0] = w;
			t->ov_n++;
			if (t->top_rank > 1)
				t->top_rank--;
		} else
			break;
	}
	if (t->ov_n) {
		t->top_sev = t->ov_rows[0].sev;
		t->top_id = t->ov_rows[0].id;
	}
	if (!moved && want)
		snprintf(t->msg, sizeof(t->msg), "%s", !t->ov_n ? "the list is empty" :
			 want > 0 ? "the last window of the list" : "the first window of the list");
	return TF_REQUERY;
}

static int act_ov_down(struct tui *t, int key) { (void)key; return ov_move(t, 1); }
static int act_ov_up(struct tui *t, int key) { (void)key; return ov_move(t, -1); }
static int act_ov_pgdn(struct tui *t, int key) { (void)key; return ov_move(t, ov_list_rows(t) - 1); }
static int act_ov_pgup(struct tui *t, int key) { (void)key; return ov_move(t, -(ov_list_rows(t) - 1)); }

static int act_ov_home(struct tui *t, int key)
{
	(void)key;
	t->top_sev = 0;
	t->top_id = 0;
	t->top_rank = 1;
	t->ov_sel = 0;
	return TF_REQUERY;
}

/* The last page of the list: its last window, and the page-1 before it. */
static int act_ov_end(struct tui *t, int key)
{
	struct tq_window w;
	int page = ov_list_rows(t), n = 1;

	(void)key;
	if (tq_window_before(t->q, TQ_SEV_N - 1, INT64_MAX, &w) != 1) {
		snprintf(t->msg, sizeof(t->msg), "the list is empty");
		return TF_REDRAW;
	}
	while (n < page && tq_window_before(t->q, w.sev, w.id, &w) == 1)
		n++;
	t->top_sev = w.sev;
	t->top_id = w.id;
	t->ov_sel = n - 1;
	t->top_rank = tui_windows_total(t) ? tui_windows_total(t) - n + 1 : 0;
	return TF_REQUERY;
}

/* / on the overview: the selected window's timeline, with the search prompt
 * open (events are searched in a timeline). */
static int act_ov_search(struct tui *t, int key)
{
	int f;

	if (!t->ov_n) {
		snprintf(t->msg, sizeof(t->msg), "no window to search in: the list is empty");
		return TF_REDRAW;
	}
	f = act_ov_open(t, key);
	return f | act_prompt(t, key);
}

static int act_ov_open(struct tui *t, int key)
{
	(void)key;
	if (!t->ov_n) {
		snprintf(t->msg, sizeof(t->msg), "no window to open: the list is empty%s",
			 tq_verdicts(t->q) != TQ_SEV_ALL ? " (f Enter shows every verdict)" : "");
		return TF_REDRAW;
	}
	select_window(t, &t->ov_rows[t->ov_sel]);
	push(t, SCR_TIMELINE);
	return actions_open_window(t);
}

/* --- timeline -------------------------------------------------------------------------- */

static int act_pan(struct tui *t, int key)
{
	int64_t span = span_of(t), d, was = t->t_lo;

	switch (key) {
	case KEY_LEFT: case 'h': d = -span / 8; break;
	case KEY_RIGHT: case 'l': d = span / 8; break;
	case KEY_PPAGE: d = -span; break;
	default: d = span; break;
	}

	t->t_lo += d;
	t->t_hi += d;
	clamp_view(t);
	if (t->t_lo == was)
		snprintf(t->msg, sizeof(t->msg), "the %s of the trace: the view goes no further",
			 d < 0 ? "start" : "end");
	return TF_REQUERY;
}

static int act_zoom(struct tui *t, int key)
{
	int64_t span = span_of(t), ts = tq_ts_of(t->q, t->cur), mid, was = span;

	mid = ts >= t->t_lo && ts <= t->t_hi ? ts : t->t_lo + span / 2;
	span = key == '-' ? span * 2 : span / 2;
	/* keep the cursor (or the centre) at the same screen position */
	t->t_lo = mid - (int64_t)((double)(mid - t->t_lo) / (double)span_of(t) * (double)span);
	t->t_hi = t->t_lo + span;
	clamp_view(t);
	if (span_of(t) == was)
		snprintf(t->msg, sizeof(t->msg), "%s", key == '-' ? "zoomed out to the whole trace" :
			 "zoomed in as far as it goes (a nanosecond per column)");
	return TF_REQUERY;
}

static int act_fit(struct tui *t, int key)
{
	(void)key;
	if (!t->have_win) {
		snprintf(t->msg, sizeof(t->msg), "no window to fit");
		return TF_REDRAW;
	}
	fit_window(t);
	return TF_REQUERY;
}

static int act_next_window(struct tui *t, int key)
{
	struct tq_window w;
	int r;

	if (t->scr == SCR_OVERVIEW)
		return ov_move(t, key == 'n' ? 1 : -1);
	if (!t->have_win) {
		snprintf(t->msg, sizeof(t->msg), "no window selected");
		return TF_REDRAW;
	}
	if (key == 'n')
		r = tq_windows_from(t->q, t->win.sev, t->win.id + 1, &w, 1);
	else
		r = tq_window_before(t->q, t->win.sev, t->win.id, &w);
	if (r != 1) {
		snprintf(t->msg, sizeof(t->msg), "no %s window", key == 'n' ? "next" : "previous");
		return TF_REDRAW;
	}
	select_window(t, &w);
	if (t->scr == SCR_REPLAY) {
		t->rp_sel = 0;
		t->rp_scroll = 0;
		return TF_REQUERY;
	}
	return actions_open_window(t);
}

static int act_cursor(struct tui *t, int key)
{
	int64_t found;
	int dir = key == KEY_DOWN || key == 'j' ? 1 : -1, r;

	r = tq_search(t->q, t->cur, dir, &t->filter, &found);
	if (r == 1) {
		t->cur = found;
		ensure_visible(t);
	} else
		snprintf(t->msg, sizeof(t->msg), "no %s event%s", dir > 0 ? "next" : "previous",
			 r == 2 ? " nearby (the filter matches rarely)" : "");
	return TF_REQUERY;
}

static int act_cursor_window(struct tui *t, int key)
{
	if (!t->have_win) {
		snprintf(t->msg, sizeof(t->msg), "no window selected");
		return TF_REDRAW;
	}
	t->cur = key == KEY_END ? t->win.end_event : t->win.start_event;
	ensure_visible(t);
	return TF_REQUERY;
}

static int act_center(struct tui *t, int key)
{
	int64_t ts = tq_ts_of(t->q, t->cur);

	(void)key;
	if (ts >= 0)
		center_on_ts(t, ts);
	clamp_view(t);
	return TF_REQUERY;
}

static int act_lanes(struct tui *t, int key)
{
	(void)key;
	t->folio_lanes = !t->folio_lanes;
	return TF_REQUERY;
}

static int act_prompt(struct tui *t, int key)
{
	t->prompt = key == 'g' ? P_GOTO : key == '/' ? P_SEARCH_FWD : key == '?' ? P_SEARCH_BACK :
		t->scr == SCR_OVERVIEW ? P_VERDICTS : P_FILTER;
	t->plen = 0;
	t->pbuf[0] = 0;
	t->msg[0] = 0;
	return TF_REDRAW;
}

/* --- replay pane ------------------------------------------------------------------------ */

static int act_rp_move(struct tui *t, int key)
{
	int d = key == KEY_DOWN || key == 'j' ? 1 : -1;

	if (t->rp_sel + d >= 0 && t->rp_sel + d < t->nrp) {
		t->rp_sel += d;
		t->rp_scroll = 0;
	} else
		snprintf(t->msg, sizeof(t->msg), "%s", !t->nrp ? "no stored replay: r runs one" :
			 d > 0 ? "the last variant" : "the first variant");
	return TF_REQUERY;
}

static int act_rp_scroll(struct tui *t, int key)
{
	int page = t->rows / 2, was = t->rp_scroll;

	if (key == KEY_HOME || key == KEY_END)
		t->rp_scroll = key == KEY_HOME ? 0 : t->nsteps - rp_step_rows(t);
	else
		t->rp_scroll += key == KEY_NPAGE || key == ' ' ? page : -page;
	if (t->rp_scroll > t->nsteps - 1)
		t->rp_scroll = t->nsteps - 1;
	if (t->rp_scroll < 0)
		t->rp_scroll = 0;
	if (t->rp_scroll == was)
		snprintf(t->msg, sizeof(t->msg), "%s", !t->nsteps ? "no steps to scroll" :
			 key == KEY_NPAGE || key == ' ' || key == KEY_END ? "the last step" :
			 "the first step");
	return TF_REDRAW;
}

static int act_rp_timeline(struct tui *t, int key)
{
	(void)key;
	t->scr = SCR_TIMELINE;
	if (t->nback && t->back[t->nback - 1] == SCR_TIMELINE)
		t->nback--;
	return actions_open_window(t);
}

static int act_help_scroll(struct tui *t, int key)
{
	int was = t->help_scroll, max = scr_help_lines(t) - (t->rows - 2);

	if (key == KEY_HOME || key == KEY_END)
		t->help_scroll = key == KEY_HOME ? 0 : max;
	else
		t->help_scroll += key == KEY_DOWN || key == 'j' ? 1 : key == KEY_UP || key == 'k' ? -1 :
			key == KEY_NPAGE || key == ' ' ? t->rows / 2 : -t->rows / 2;
	if (t->help_scroll > max)
		t->help_scroll = max;
	if (t->help_scroll < 0)
		t->help_scroll = 0;
	if (t->help_scroll == was)
		snprintf(t->msg, sizeof(t->msg), "%s", max <= 0 ? "all of the help is on the screen" :
			 t->help_scroll ? "the end of the help" : "the top of the help");
	return TF_REDRAW;
}

/* --- the table ---------------------------------------------------------------------------- */

#define OV	ON(SCR_OVERVIEW)
#define TL	ON(SCR_TIMELINE)
#define RP	ON(SCR_REPLAY)
#define HP	ON(SCR_HELP)

static const struct key_binding keys[] = {
	{ KEY_F(1), ALL, act_help, "F1 H", "help (this screen); on the overview also h" },
	{ 'H', ALL, act_help, NULL, NULL },
	{ 'h', OV, act_help, NULL, NULL },
	{ 'q', ALL, act_back, "q Esc", "back to the previous screen; quit from the overview" },
	{ KEY_ESC, ALL & ~OV, act_back, NULL, NULL },
	{ 'Q', ALL, act_quit, "Q", "quit from anywhere" },
	{ KEY_CTRL_L, ALL, act_redraw, "^L", "repaint the screen" },

	{ KEY_DOWN, OV, act_ov_down, "Down j n", "next window in the list" },
	{ 'j', OV, act_ov_down, NULL, NULL },
	{ KEY_UP, OV, act_ov_up, "Up k N", "previous window in the list" },
	{ 'k', OV, act_ov_up, NULL, NULL },
	{ KEY_NPAGE, OV, act_ov_pgdn, "PgDn PgUp", "a page down, up" },
	{ ' ', OV, act_ov_pgdn, NULL, NULL },
	{ KEY_PPAGE, OV, act_ov_pgup, NULL, NULL },
	{ KEY_HOME, OV, act_ov_home, "Home End", "the top, the bottom of the list" },
	{ KEY_END, OV, act_ov_end, NULL, NULL },
	{ '?', OV, act_help, "?", "help (in the timeline ? searches backward)" },
	{ '/', OV, act_ov_search, "/",
	  "search events: the selected window's timeline, search prompt open" },
	{ 'f', OV, act_prompt, "f", "verdict filter: loss,hit,... (comma-separated); empty shows all" },
	{ 'g', OV, act_prompt, "g", "go to a window of the list (w7 or 7)" },
	{ '\r', OV, act_ov_open, "Enter l Right", "the timeline of the selected window" },
	{ '\n', OV, act_ov_open, NULL, NULL },
	{ KEY_ENTER, OV, act_ov_open, NULL, NULL },
	{ 'l', OV, act_ov_open, NULL, NULL },
	{ KEY_RIGHT, OV, act_ov_open, NULL, NULL },

	{ 'n', OV | TL | RP, act_next_window, "n N", "next, previous window (list order: severity, then id)" },
	{ 'N', OV | TL | RP, act_next_window, NULL, NULL },

	{ KEY_LEFT, TL, act_pan, "Left Right h l", "pan by an eighth of the view" },
	{ KEY_RIGHT, TL, act_pan, NULL, NULL },
	{ 'h', TL, act_pan, NULL, NULL },
	{ 'l', TL, act_pan, NULL, NULL },
	{ KEY_PPAGE, TL, act_pan, "PgUp PgDn", "pan by a whole view" },
	{ KEY_NPAGE, TL, act_pan, NULL, NULL },
	{ '+', TL, act_zoom, "+ -", "zoom in, out (around the cursor)" },
	{ '=', TL, act_zoom, NULL, NULL },
	{ '-', TL, act_zoom, NULL, NULL },
	{ 'z', TL, act_fit, "z", "zoom to fit the window" },
	{ KEY_DOWN, TL, act_cursor, "Down Up j k", "cursor to the next, previous event (of the filter)" },
	{ 'j', TL, act_cursor, NULL, NULL },
	{ KEY_UP, TL, act_cursor, NULL, NULL },
	{ 'k', TL, act_cursor, NULL, NULL },
	{ KEY_HOME, TL, act_cursor_window, "Home End", "cursor to the window's first, last event" },
	{ KEY_END, TL, act_cursor_window, NULL, NULL },
	{ 'c', TL, act_center, "c", "centre the view on the cursor" },
	{ 'g', TL, act_prompt, "g", "go to a time (12.5), an event (#123 or 123) or a window (w7)" },
	{ '/', TL, act_prompt, "/ ?", "search forward, backward: NAME, pid=N, ino=N, FIELD=VALUE" },
	{ '?', TL, act_prompt, NULL, NULL },
	{ 'f', TL, act_prompt, "f", "filter: pid=N, ino=N, event=NAME, FIELD=VALUE; empty clears" },
	{ 't', TL, act_lanes, "t", "lanes per task or per folio (page index)" },

	{ 'p', OV | TL, act_replay_pane, "p", "replay pane of the window (stored replays)" },
	{ 'r', OV | TL | RP, act_run_replay, "r", "run the replay of the window now, then show it" },
	{ KEY_DOWN, RP, act_rp_move, "Down Up j k", "select a model variant" },
	{ 'j', RP, act_rp_move, NULL, NULL },
	{ KEY_UP, RP, act_rp_move, NULL, NULL },
	{ 'k', RP, act_rp_move, NULL, NULL },
	{ KEY_NPAGE, RP, act_rp_scroll, "PgDn PgUp Home End", "scroll the steps; the first, last ones" },
	{ KEY_HOME, RP, act_rp_scroll, NULL, NULL },
	{ KEY_END, RP, act_rp_scroll, NULL, NULL },
	{ ' ', RP, act_rp_scroll, NULL, NULL },
	{ KEY_PPAGE, RP, act_rp_scroll, NULL, NULL },
	{ '\r', RP, act_rp_timeline, "Enter", "the window's timeline" },
	{ '\n', RP, act_rp_timeline, NULL, NULL },

	{ KEY_DOWN, HP, act_help_scroll, "Down Up PgDn PgUp Home End", "scroll" },
	{ KEY_HOME, HP, act_help_scroll, NULL, NULL },
	{ KEY_END, HP, act_help_scroll, NULL, NULL },
	{ ' ', HP, act_help_scroll, NULL, NULL },
	{ 'j', HP, act_help_scroll, NULL, NULL },
	{ KEY_UP, HP, act_help_scroll, NULL, NULL },
	{ 'k', HP, act_help_scroll, NULL, NULL },
	{ KEY_NPAGE, HP, act_help_scroll, NULL, NULL },
	{ KEY_PPAGE, HP, act_help_scroll, NULL, NULL },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

int actions_help_lines(enum tui_screen s, const char **k, const char **h, int max)
{
	int n = 0;

	for (size_t i = 0; i < NKEYS && n < max; i++)
		if (keys[i].help && (s == SCR__N ? keys[i].screens == ALL :
				     (keys[i].screens & ON(s)) && keys[i].screens != ALL)) {
			k[n] = keys[i].keys;
			h[n++] = keys[i].help;
		}
	return n;
}

/* --- the prompt (line editor on the status line) -------------------------------------------- */

static int run_goto(struct tui *t, const char *s)
{
	char *end;

	if (*s == 'w' || *s == 'W' || t->scr == SCR_OVERVIEW) {
		struct tq_window w;
		const char *num = *s == 'w' || *s == 'W' ? s + 1 : s;
		int64_t id = strtoll(num, &end, 10);

		if (end == num || *end || tq_window_get(t->q, id, &w) != 1) {
			snprintf(t->msg, sizeof(t->msg), "no window '%s'", num);
			return TF_REDRAW;
		}
		if (!(tq_verdicts(t->q) & (1u << w.sev))) {
			char v[96];

			tq_verdicts_str(tq_verdicts(t->q), v, sizeof(v));
			snprintf(t->msg, sizeof(t->msg), "window %lld is %s: the verdict filter (%s) hides "
				 "it; f Enter shows every verdict", (long long)w.id, tq_sev_name(w.sev), v);
			return TF_REDRAW;
		}
		select_window(t, &w);
		if (t->scr == SCR_OVERVIEW)
			return TF_REQUERY;
		return actions_open_window(t);
	}
	if (*s == '#' || !strchr(s, '.')) {
		int64_t id = strtoll(*s == '#' ? s + 1 : s, &end, 10);

		if (*end || tq_ts_of(t->q, id) < 0) {
			snprintf(t->msg, sizeof(t->msg), "no event '%s'", s);
			return TF_REDRAW;
		}
		t->cur = id;
		center_on_ts(t, tq_ts_of(t->q, id));
	} else {
		double sec = strtod(s, &end);
		int64_t ts = (int64_t)(sec * 1e9 + 0.5);

		if (*end) {
			snprintf(t->msg, sizeof(t->msg), "not a time: '%s'", s);
			return TF_REDRAW;
		}
		t->cur = tq_id_at(t->q, ts);
		if (t->cur > t->trace.max_id)
			t->cur = t->trace.max_id;
		center_on_ts(t, ts);
	}
	clamp_view(t);
	return TF_REQUERY;
}

static int run_search(struct tui *t, const char *s, int dir)
{
	char err[192];
	int64_t found, from = t->cur;
	int r;

	if (*s) {
		if (tq_filter_parse(s, &t->search, err, sizeof(err)) < 0 ||
		    tq_filter_check(t->q, &t->search, err, sizeof(err)) < 0) {
			snprintf(t->msg, sizeof(t->msg), "search '%.40s': %.180s", s, err);
			t->search.kind = TQ_F_NONE;
			return TF_REDRAW;
		}
		t->search_resume = -1;
	} else if (t->search.kind == TQ_F_NONE) {
		snprintf(t->msg, sizeof(t->msg), "nothing to search for");
		return TF_REDRAW;
	} else if (t->search_resume >= 0)
		from = t->search_resume;
	r = tq_search(t->q, from, dir, &t->search, &found);
	t->search_resume = -1;
	if (r == 1) {
		t->cur = found;
		ensure_visible(t);
		snprintf(t->msg, sizeof(t->msg), "found event #%lld", (long long)found);
		return TF_REQUERY;
	}
	if (r == 2) {
		t->search_resume = found;
		snprintf(t->msg, sizeof(t->msg), "not found up to event #%lld yet: %c Enter goes on",
			 (long long)found, dir > 0 ? '/' : '?');
	} else
		snprintf(t->msg, sizeof(t->msg), "not found: %s", s[0] ? s : "(last search)");
	return TF_REDRAW;
}

static int run_filter(struct tui *t, const char *s)
{
	char err[192];
	struct tq_filter f;

	if (tq_filter_parse(s, &f, err, sizeof(err)) < 0 ||
	    tq_filter_check(t->q, &f, err, sizeof(err)) < 0) {
		/* the filter in force stays; the lanes are not blanked by a typo */
		snprintf(t->msg, sizeof(t->msg), "filter '%.40s': %.180s", s, err);
		return TF_REDRAW;
	}
	t->filter = f;
	return TF_REQUERY;
}

static int run_verdicts(struct tui *t, const char *s)
{
	char err[160];
	unsigned mask;

	if (tq_parse_verdicts(s, &mask, err, sizeof(err)) < 0) {
		snprintf(t->msg, sizeof(t->msg), "verdict filter '%.40s': %s", s, err);
		return TF_REDRAW;
	}
	tq_set_verdicts(t->q, mask);
	/* the list starts again from its top under the new filter */
	t->top_sev = 0;
	t->top_id = 0;
	t->top_rank = 1;
	t->ov_sel = 0;
	return TF_REQUERY;
}

static int prompt_key(struct tui *t, int key)
{
	enum tui_prompt p = t->prompt;

	if (key == KEY_ESC || key == 7 /* ^G */) {
		t->prompt = P_NONE;
		return TF_REDRAW;
	}
	if (key == KEY_BACKSPACE || key == 127 || key == 8) {
		if (t->plen > 0)
			t->pbuf[--t->plen] = 0;
		return TF_REDRAW;
	}
	if (key == '\r' || key == '\n' || key == KEY_ENTER) {
		t->prompt = P_NONE;
		switch (p) {
		case P_GOTO:
			if (t->plen)
				return run_goto(t, t->pbuf);
			snprintf(t->msg, sizeof(t->msg), "go to: nothing entered");
			return TF_REDRAW;
		case P_SEARCH_FWD: return run_search(t, t->pbuf, 1);
		case P_SEARCH_BACK: return run_search(t, t->pbuf, -1);
		case P_FILTER: return run_filter(t, t->pbuf);
		case P_VERDICTS: return run_verdicts(t, t->pbuf);
		default: return TF_REDRAW;
		}
	}
	if (key >= 32 && key < 127 && t->plen + 1 < (int)sizeof(t->pbuf)) {
		t->pbuf[t->plen++] = (char)key;
		t->pbuf[t->plen] = 0;
	}
	return TF_REDRAW;
}

static const char *const screen_names[SCR__N] = {
	[SCR_OVERVIEW] = "the overview", [SCR_TIMELINE] = "the timeline",
	[SCR_REPLAY] = "the replay pane", [SCR_HELP] = "the help screen",
};

/* The name of a key as the help shows it: 'x', or curses' name (KEY_F(2)). */
static void key_label(int key, char *buf, size_t len)
{
	const char *n;

	if (key > 32 && key < 127)
		snprintf(buf, len, "'%c'", key);
	else if (key == ' ')
		snprintf(buf, len, "Space");
	else if (key == KEY_ESC)
		snprintf(buf, len, "Esc");
	else if (key == KEY_END)
		snprintf(buf, len, "End");
	else if ((n = keyname(key)) != NULL)
		snprintf(buf, len, "%s", n);
	else
		snprintf(buf, len, "key %d", key);
}

/* An unbound key says why it does nothing: what it does elsewhere, or that
 * it is no key of this screen. */
static int unbound(struct tui *t, int key)
{
	char name[32];

	key_label(key, name, sizeof(name));
	for (size_t i = 0; i < NKEYS; i++) {
		size_t h = i;

		if (keys[i].key != key)
			continue;
		while (!keys[h].help && h > 0)		/* an alias: the help is above */
			h--;
		for (int s = 0; s < SCR__N; s++)
			if (keys[i].screens & ON(s)) {
				snprintf(t->msg, sizeof(t->msg), "%s is not a key of %s; in %s: %s "
					 "(F1 lists the keys)", name, screen_names[t->scr], screen_names[s],
					 keys[h].help);
				return TF_REDRAW;
			}
	}
	snprintf(t->msg, sizeof(t->msg), "%s is not a key of %s (F1 lists the keys)", name,
		 screen_names[t->scr]);
	return TF_REDRAW;
}

int actions_key(struct tui *t, int key)
{
	if (t->prompt != P_NONE)
		return prompt_key(t, key);
	t->msg[0] = 0;
	if (t->too_small) {
		if (key == 'q' || key == 'Q')
			return TF_QUIT;
		return key == KEY_CTRL_L ? TF_REQUERY : TF_REDRAW;
	}
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].key == key && (keys[i].screens & ON(t->scr)))
			return keys[i].fn(t, key) | TF_HANDLED;
	return unbound(t, key);
}

/* --- mouse ----------------------------------------------------------------------------------------- */

int actions_mouse(struct tui *t)
{
	MEVENT me;
	int wheel_up, wheel_down;

	if (getmouse(&me) != OK || t->too_small)
		return 0;
	wheel_up = (me.bstate & BUTTON4_PRESSED) != 0;
#ifdef BUTTON5_PRESSED
	wheel_down = (me.bstate & BUTTON5_PRESSED) != 0;
#else
	wheel_down = 0;
#endif
	if (t->scr == SCR_OVERVIEW) {
		int i = me.y - ov_list_row(t);

		if (wheel_up || wheel_down)
			return ov_move(t, wheel_down ? 3 : -3);
		if (i < 0 || i >= t->ov_n || i >= ov_list_rows(t))
			return 0;
		if (i == t->ov_sel && (me.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_DOUBLE_CLICKED))
		    && (t->last_click_row == i || (me.bstate & BUTTON1_DOUBLE_CLICKED)))
			return act_ov_open(t, '\r');
		t->ov_sel = i;
		t->last_click_row = i;
		return TF_REDRAW;
	}
	if (t->scr == SCR_TIMELINE) {
		int lane = me.y - TL_FIRST_LANE_ROW, col = me.x - TL_LABEL, best = -1, bd = 1 << 30;

		if (wheel_up || wheel_down)
			return act_zoom(t, wheel_up ? '+' : '-');
		if (col < 0 || lane < 0 || lane >= t->nlanes || lane >= tl_lane_rows(t))
			return 0;
		for (int i = 0; i < t->nev; i++) {
			int d = abs(tl_col_of(t, t->ev[i].ts) - col);

			if (tl_lane_of(t, &t->ev[i]) == lane && d < bd) {
				bd = d;
				best = i;
			}
		}
		if (best >= 0 && bd <= 3) {
			t->cur = t->ev[best].id;
			return TF_REQUERY;
		}
		return 0;
	}
	if (t->scr == SCR_REPLAY && (wheel_up || wheel_down))
		return act_rp_scroll(t, wheel_down ? KEY_NPAGE : KEY_PPAGE);
	if (t->scr == SCR_HELP && (wheel_up || wheel_down))
		return act_help_scroll(t, wheel_down ? KEY_DOWN : KEY_UP);
	return 0;
}
