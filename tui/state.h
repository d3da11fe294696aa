/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * state.h - the TUI's state: what is on screen and what the user chose.
 *
 * Data flow, one way (the htop habit):
 *   key/mouse -> actions.c (change state, return TF_* flags; never draw)
 *   -> tui.c loop: TF_REQUERY -> scr_*_query() (fills the caches below
 *      through query.h, only what is visible) ; TF_REDRAW -> scr_*_draw()
 *      (reads state, calls curses, never queries).
 * Invariants: the caches (ov_rows, ev, lanes, detail, replays, steps)
 * describe the current view after every query; draw functions may rely on
 * them and on rows/cols.
 */
#ifndef FT_TUI_STATE_H
#define FT_TUI_STATE_H

#include <stdint.h>

#include "query.h"

enum tui_screen { SCR_OVERVIEW, SCR_TIMELINE, SCR_REPLAY, SCR_HELP, SCR__N };

enum tui_flags {
	TF_HANDLED	= 1 << 0,
	TF_REDRAW	= 1 << 1,
	TF_REQUERY	= 1 << 2,	/* implies a redraw */
	TF_QUIT		= 1 << 3,
	TF_REPLAY	= 1 << 4,	/* run the replay of t->win after drawing */
};

enum tui_prompt { P_NONE, P_GOTO, P_SEARCH_FWD, P_SEARCH_BACK, P_FILTER, P_VERDICTS };

#define OV_MAXROWS	256
#define TUI_NINODES	24
#define TL_MAXEV	8192
#define TL_MAXLANES	64
#define TL_LABEL	24	/* lane label width */
#define TL_DETAIL	6	/* rows of the event detail pane */
#define RP_MAXSTEPS	256
/* Below this size the screens do not fit: a message says so instead. */
#define TUI_MIN_COLS	60
#define TUI_MIN_ROWS	16

struct tui {
	struct tq *q;
	const char *db;
	int rows, cols;
	enum tui_screen scr;
	enum tui_screen back[8];
	int nback;
	char msg[256];			/* one-shot status message */

	enum tui_prompt prompt;		/* line editor on the status line */
	char pbuf[128];
	int plen;

	struct tq_trace trace;

	/* overview: inodes (found and counted lazily, between keys) */
	int64_t ino[TUI_NINODES], ino_count[TUI_NINODES];
	int ino_done[TUI_NINODES];
	int nino, ino_more, ino_scanned, ino_counted;

	/* overview: windows list, a keyset page from (top_sev, top_id) */
	int top_sev;
	int64_t top_id;
	struct tq_window ov_rows[OV_MAXROWS];
	int ov_n, ov_sel, ov_more;
	/* position counter: windows per verdict (counted between keys), the
	 * list position of ov_rows[0] (0: not known yet) */
	int64_t wcount[TQ_SEV_N];
	int wcounted;
	int64_t top_rank;
	/* the timeline's and replay pane's counter: the rank of rank_id under
	 * rank_mask (win_rank: the selected window's, 0 if not known) */
	int64_t rank_id, rank_val, win_rank;
	unsigned rank_mask;

	/* the selected window (timeline, replay) */
	struct tq_window win;
	int have_win;

	/* timeline: view [t_lo, t_hi] ns; cursor event id */
	int64_t t_lo, t_hi, cur;
	int folio_lanes;
	struct tq_filter filter, search;
	int64_t search_resume;		/* where a budget-limited search stopped, or -1 */
	struct tq_event *ev;
	int nev, partial, dense;
	int64_t id_lo, id_hi;
	int64_t lane_key[TL_MAXLANES];	/* pid or page index; last may be "others" */
	int nlanes, lanes_cut;
	struct tq_window near[32];
	int nnear;
	char detail[8][256];
	int ndetail;
	int64_t hb_peer[16];
	int hb_dir[16], nhb;

	/* replay pane */
	struct tq_replay rp[8];
	int nrp, rp_sel, rp_scroll;
	struct tq_step steps[RP_MAXSTEPS];
	int nsteps;

	int help_scroll;
	int last_click_row;
	int too_small;			/* rows/cols below TUI_MIN_*: only a message is drawn */
};

/* Screen modules: query what is visible, then draw it. */
void scr_overview_query(struct tui *t);
void scr_overview_draw(struct tui *t);
void scr_timeline_query(struct tui *t);
void scr_timeline_draw(struct tui *t);
void scr_replay_query(struct tui *t);
void scr_replay_draw(struct tui *t);
void scr_help_draw(struct tui *t);
/* The help screen's number of lines at the current width (for scrolling). */
int scr_help_lines(const struct tui *t);

/* Timeline geometry shared by drawing and mouse actions. */
int tl_plot_width(const struct tui *t);
int tl_lane_rows(const struct tui *t);
int tl_col_of(const struct tui *t, int64_t ts);
/* The lane of an event in the current lanes, or -1 (not shown). */
int tl_lane_of(const struct tui *t, const struct tq_event *ev);
#define TL_FIRST_LANE_ROW 3
/* Replay pane geometry: the rows of the steps list. */
int rp_step_rows(const struct tui *t);
/* Overview geometry: the first row of the windows list. */
int ov_list_row(const struct tui *t);
int ov_list_rows(const struct tui *t);

/* The number of windows the list shows (verdict filter), 0 if not counted. */
int64_t tui_windows_total(const struct tui *t);
/* The list position of window w (1-based), 0 if not known. */
int64_t tui_window_rank(struct tui *t, const struct tq_window *w);
/* The glyph legend of the timeline: entry i ("G kind[, kind]"), NULL after the last. */
const char *tl_legend(int i, char *buf, int len);

/* Common drawing: title bar, status line (message, prompt or hints). */
void draw_title(struct tui *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void draw_status(struct tui *t, const char *hints);
/* printf-like text at (y, x) or at the cursor, cut at the row's end: a
 * narrow terminal cuts lines, it never wraps them onto the next row. */
void draw_text(struct tui *t, int y, int x, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void add_text(struct tui *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* actions.c: the key table. */
int actions_key(struct tui *t, int key);
int actions_mouse(struct tui *t);
/* The help text of a screen: lines "KEYS  what", from the key table; the
 * keys of every screen are listed once, under s = SCR__N, not under each. */
int actions_help_lines(enum tui_screen s, const char **keys, const char **help, int max);
/* Opens the timeline of t->win (fitted to it). */
int actions_open_window(struct tui *t);

#endif
