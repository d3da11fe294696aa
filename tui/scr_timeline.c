/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * scr_timeline.c - a time axis, one lane per task (or per page of the
 * window's inode), events as glyphs, windows as spans, the cursor event's
 * happens-before peers, and the cursor event's fields in a pane.
 *
 * Query: the view [t_lo, t_hi] is an id range (two binary searches); when
 * it holds at most TL_MAXEV events they are read with one rowid range,
 * otherwise each screen column reads at most TL_MAXEV / width events of
 * its own id range (sampled: the title says so).
 */
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"
#include "term.h"

#define OTHERS INT64_MIN

static const struct { const char *kind; char glyph; } glyphs[] = {
	{ "page_add", '+' }, { "page_delete", 'x' }, { "dirty", 'd' }, { "writeback_folio", 'w' },
	{ "add_to_ioend", 'e' }, { "ilock", 'L' }, { "ilock_nowait", 'L' }, { "iunlock", 'u' },
	{ "sched_switch", 's' }, { "sched_wakeup", '^' }, { "sched_waking", '\'' },
	{ "iomap_iter", 'i' }, { "iomap_found", 'f' }, { "iomap_alloc", 'a' },
	{ "read_fault", 'F' }, { "write_fault", 'M' }, { "filemap_fault", 'F' },
	{ "buffered_write", 'W' }, { "iext_insert", 'I' }, { "iext_remove", 'R' },
	{ "bmap_pre_update", 'b' }, { "bmap_post_update", 'B' }, { "bunmap", 'P' },
	{ "map_blocks_alloc", 'A' }, { "map_blocks_found", 'm' }, { "invalidate_folio", 'v' },
	{ "release_folio", 'r' }, { "contention_begin", 'c' }, { "contention_end", 'C' },
	{ "delalloc_enospc", 'E' }, { "iomap_invalid", '!' }, { "wb_iomap_invalid", '!' },
};

/*
 * Entry i of the glyph legend: a glyph and every kind drawn with it
 * ("L ilock, ilock_nowait"), in the table's order; the last entry is '.'
 * for the kinds without a glyph.  The help screen shows it.
 */
const char *tl_legend(int i, char *buf, int len)
{
	const size_t n = sizeof(glyphs) / sizeof(glyphs[0]);
	int k = 0;

	for (size_t g = 0; g < n; g++) {
		int seen = 0;

		for (size_t h = 0; h < g; h++)
			seen |= glyphs[h].glyph == glyphs[g].glyph;
		if (seen)
			continue;
		if (k++ != i)
			continue;
		snprintf(buf, (size_t)len, "%c %s", glyphs[g].glyph, glyphs[g].kind);
		for (size_t h = g + 1; h < n; h++)
			if (glyphs[h].glyph == glyphs[g].glyph)
				snprintf(buf + strlen(buf), (size_t)len - strlen(buf), ", %s", glyphs[h].kind);
		return buf;
	}
	if (k == i) {
		snprintf(buf, (size_t)len, ". any other kind");
		return buf;
	}
	return NULL;
}

static char glyph_of(struct tui *t, int kind)
{
	const char *k = tq_kind_name(t->q, kind);

	for (size_t i = 0; i < sizeof(glyphs) / sizeof(glyphs[0]); i++)
		if (!strcmp(glyphs[i].kind, k))
			return glyphs[i].glyph;
	return '.';
}

int tl_plot_width(const struct tui *t)
{
	return t->cols > TL_LABEL + 10 ? t->cols - TL_LABEL : 10;
}

int tl_lane_rows(const struct tui *t)
{
	int n = t->rows - TL_FIRST_LANE_ROW - TL_DETAIL - 2;

	return n < 1 ? 1 : n > TL_MAXLANES ? TL_MAXLANES : n;
}

int tl_col_of(const struct tui *t, int64_t ts)
{
	int64_t span = t->t_hi - t->t_lo + 1;

	return (int)((double)(ts - t->t_lo) * tl_plot_width(t) / (double)span);
}

static int64_t folio_ino(const struct tui *t)
{
	if (t->filter.kind == TQ_F_INO)
		return t->filter.num;
	return t->have_win ? t->win.ino : -1;
}

int tl_lane_of(const struct tui *t, const struct tq_event *ev)
{
	if (t->folio_lanes) {
		if (ev->ino != folio_ino(t) || ev->findex < 0)
			return -1;
		for (int i = 0; i < t->nlanes; i++)
			if (t->lane_key[i] >= ev->findex && t->lane_key[i] < ev->findex + (1 << ev->forder))
				return i;
		return -1;
	}
	for (int i = 0; i < t->nlanes; i++)
		if (t->lane_key[i] == ev->pid)
			return i;
	return t->nlanes && t->lane_key[t->nlanes - 1] == OTHERS ? t->nlanes - 1 : -1;
}

static void add_lane(struct tui *t, int64_t key, int max)
{
	for (int i = 0; i < t->nlanes; i++)
		if (t->lane_key[i] == key)
			return;
	if (t->nlanes < max)
		t->lane_key[t->nlanes++] = key;
	else
		t->lanes_cut = 1;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static void make_lanes(struct tui *t)
{
	int max = tl_lane_rows(t);

	t->nlanes = 0;
	t->lanes_cut = 0;
	if (t->folio_lanes) {
		int64_t ino = folio_ino(t), keys[TL_MAXLANES * 4];
		int n = 0, start = 0;

		for (int i = 0; i < t->nev && n < (int)(sizeof(keys) / sizeof(keys[0])); i++)
			if (t->ev[i].ino == ino && t->ev[i].findex >= 0)
				keys[n++] = t->ev[i].findex;
		qsort(keys, (size_t)n, sizeof(keys[0]), cmp64);
		/* many pages: start at the window's first page */
		if (t->have_win)
			while (start < n && keys[start] < t->win.first && n - start > max)
				start++;
		for (int i = start; i < n; i++)
			if (i == start || keys[i] != keys[i - 1])
				add_lane(t, keys[i], max);
		return;
	}
	/* the window's writer first, then its racers (unless a pid filter
	 * hides them), then the rest in order of appearance */
	if (t->have_win && t->filter.kind != TQ_F_PID) {
		if (t->win.writer)
			add_lane(t, t->win.writer, max - 1);
		for (int i = 0; i < t->win.ntasks; i++)
			add_lane(t, t->win.tasks[i], max - 1);
	}
	for (int i = 0; i < t->nev; i++)
		add_lane(t, t->ev[i].pid, max - 1);
	if (t->lanes_cut)
		t->lane_key[t->nlanes++] = OTHERS;
}

void scr_timeline_query(struct tui *t)
{
	int pw = tl_plot_width(t), partial = 0, n;
	const struct tq_filter *f = &t->filter;
	int64_t range;

	if (!t->ev && !(t->ev = malloc(TL_MAXEV * sizeof(*t->ev)))) {
		snprintf(t->msg, sizeof(t->msg), "out of memory");
		return;
	}
	t->id_lo = tq_id_at(t->q, t->t_lo);
	t->id_hi = tq_id_at_range(t->q, t->t_hi + 1, t->id_lo, t->trace.max_id + 1) - 1;
	range = t->id_hi - t->id_lo + 1;
	t->nev = 0;
	t->dense = 0;
	t->partial = 0;
	if (range > 0 && (range <= TL_MAXEV || f->kind == TQ_F_EVENT || f->kind == TQ_F_FIELD)) {
		n = tq_events(t->q, t->id_lo, t->id_hi, f, t->ev, TL_MAXEV, &partial);
		t->nev = n > 0 ? n : 0;
		t->partial = partial || (range > TL_MAXEV && n == TL_MAXEV);
	} else if (range > 0) {
		/* too many to read: at most `per` events from each column's ids */
		int per = TL_MAXEV / pw;
		int64_t lo = t->id_lo, span = t->t_hi - t->t_lo + 1;

		t->dense = 1;
		for (int c = 0; c < pw && t->nev < TL_MAXEV && lo <= t->id_hi; c++) {
			int64_t hi = c == pw - 1 ? t->id_hi :
				tq_id_at_range(t->q, t->t_lo + (int64_t)((double)span * (c + 1) / pw),
					       lo, t->id_hi + 1) - 1;

			if (hi >= lo) {
				n = tq_events(t->q, lo, hi, f, t->ev + t->nev,
					      per < TL_MAXEV - t->nev ? per : TL_MAXEV - t->nev, &partial);
				if (n > 0)
					t->nev += n;
				t->partial |= partial;
			}
			lo = hi + 1;
		}
	}
	make_lanes(t);
	t->win_rank = t->have_win ? tui_window_rank(t, &t->win) : 0;
	t->nnear = t->have_win ? tq_windows_near(t->q, t->win.id, 512, t->id_lo, t->id_hi, t->near,
						 (int)(sizeof(t->near) / sizeof(t->near[0]))) : 0;
	if (t->nnear < 0)
		t->nnear = 0;
	t->ndetail = tq_event_detail(t->q, t->cur, t->detail, 7);
	t->nhb = tq_hb_edges(t->q, t->cur, t->id_lo, t->hb_peer, t->hb_dir, 16);
	if (t->nhb < 0)
		t->nhb = 0;
	/* the edges as a line of the detail pane */
	if (t->ndetail < 8) {
		char *l = t->detail[t->ndetail++];
		size_t len = sizeof(t->detail[0]);

		snprintf(l, len, "happens-before (%s outgoing, %s incoming):", term_glyph(G_HB_OUT),
			 term_glyph(G_HB_IN));
		for (int i = 0; i < t->nhb && strlen(l) + 24 < len; i++)
			snprintf(l + strlen(l), len - strlen(l), " %s#%lld", t->hb_dir[i] > 0 ?
				 term_glyph(G_HB_OUT) : term_glyph(G_HB_IN), (long long)t->hb_peer[i]);
		if (!t->nhb)
			snprintf(l + strlen(l), len - strlen(l), " none (incoming: from the view's events)");
	}
}

static void fmt_sec(char *buf, size_t len, int64_t ns, int prec)
{
	snprintf(buf, len, "%.*f", prec, ns / 1e9);
}

static void draw_axis(struct tui *t)
{
	int pw = tl_plot_width(t), every = 16;
	double tick_s = (double)(t->t_hi - t->t_lo) / pw * every / 1e9;
	int prec = tick_s > 0 ? (int)ceil(-log10(tick_s)) + 1 : 9;

	if (prec < 1)
		prec = 1;
	if (prec > 9)
		prec = 9;
	attrset(term_attr(TC_AXIS));
	draw_text(t, 1, 0, "%-*s", TL_LABEL, " time (s)");
	for (int c = 0; c < pw; c += every) {
		char lab[32];

		fmt_sec(lab, sizeof(lab), t->t_lo + (int64_t)((double)(t->t_hi - t->t_lo) * c / pw), prec);
		mvaddstr(1, TL_LABEL + c, term_glyph(G_TICK));
		if (c + 1 + (int)strlen(lab) < pw)
			mvaddnstr(1, TL_LABEL + c + 1, lab, every - 1);
	}
	attrset(A_NORMAL);
}

static void draw_windows_bar(struct tui *t)
{
	int pw = tl_plot_width(t);

	draw_text(t, 2, 0, "%-*s", TL_LABEL, " windows");
	for (int i = 0; i < t->nnear; i++) {
		const struct tq_window *w = &t->near[i];
		int a = tl_col_of(t, w->start_ns), b = tl_col_of(t, w->end_ns);
		char lab[32];

		if (a < 0)
			a = 0;
		if (b >= pw)
			b = pw - 1;
		attrset(term_attr(TC_SEV0 + w->sev) | (w->id == t->win.id ? A_BOLD : 0));
		for (int c = a; c <= b; c++)
			mvaddstr(2, TL_LABEL + c, term_glyph(G_HLINE));
		snprintf(lab, sizeof(lab), "#%lld %s", (long long)w->id, tq_sev_name(w->sev));
		if (a + (int)strlen(lab) < pw)
			mvaddstr(2, TL_LABEL + a, lab);
		attrset(A_NORMAL);
	}
}

static int is_hb_peer(const struct tui *t, int64_t id)
{
	for (int i = 0; i < t->nhb; i++)
		if (t->hb_peer[i] == id)
			return t->hb_dir[i];
	return 0;
}

/* "W" for the window's writer, "R" for its racers. */
static const char *role_of(const struct tui *t, int64_t pid)
{
	if (!t->have_win)
		return " ";
	if (pid == t->win.writer)
		return "W";
	for (int i = 0; i < t->win.ntasks; i++)
		if (t->win.tasks[i] == pid)
			return "R";
	return " ";
}

static void draw_lanes(struct tui *t)
{
	int pw = tl_plot_width(t), rows = tl_lane_rows(t);
	int wa = t->have_win ? tl_col_of(t, t->win.start_ns) : 1, wb = t->have_win ? tl_col_of(t, t->win.end_ns) : 0;

	for (int l = 0; l < t->nlanes && l < rows; l++) {
		char lab[64];
		int64_t k = t->lane_key[l];
		int y = TL_FIRST_LANE_ROW + l;

		if (k == OTHERS)
			snprintf(lab, sizeof(lab), " (other tasks)");
		else if (t->folio_lanes)
			snprintf(lab, sizeof(lab), " ino %lld idx %lld", (long long)folio_ino(t), (long long)k);
		else
			snprintf(lab, sizeof(lab), " %s %s/%lld", role_of(t, k), tq_comm(t->q, (int)k),
				 (long long)k);
		draw_text(t, y, 0, "%-*.*s", TL_LABEL - 1, TL_LABEL - 1, lab);
		attrset(term_attr(TC_DIM));
		mvaddstr(y, TL_LABEL - 1, term_glyph(G_VLINE));
		for (int c = 0; c < pw; c++) {
			attrset(c >= wa && c <= wb ? term_attr(TC_SPAN) : term_attr(TC_DIM));
			mvaddstr(y, TL_LABEL + c, term_glyph(G_HLINE));
		}
		attrset(A_NORMAL);
	}
	/* events: the cursor's and its HB peers' glyphs win a shared cell */
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < t->nev; i++) {
			const struct tq_event *ev = &t->ev[i];
			int lane = tl_lane_of(t, ev), c = tl_col_of(t, ev->ts), hb, attr;

			if (lane < 0 || lane >= rows || c < 0 || c >= pw)
				continue;
			hb = is_hb_peer(t, ev->id);
			if ((pass == 1) != (ev->id == t->cur || hb))
				continue;
			attr = ev->id == t->cur ? term_attr(TC_CURSOR) : hb ? term_attr(TC_HB) :
				c >= wa && c <= wb ? term_attr(TC_SPAN) | (int)A_BOLD : (int)A_BOLD;
			attrset(attr);
			mvaddch(TL_FIRST_LANE_ROW + lane, TL_LABEL + c, (chtype)glyph_of(t, ev->kind));
			attrset(A_NORMAL);
		}
}

static void draw_detail(struct tui *t)
{
	int y = t->rows - 1 - TL_DETAIL - 1, x;

	attrset(term_attr(TC_DIM));
	move(y, 0);
	for (x = 0; x < t->cols; x++)
		addstr(term_glyph(G_HLINE));
	attrset(term_attr(TC_AXIS) | A_BOLD);
	draw_text(t, y, 2, " cursor event (Up/Down move, g go to) ");
	attrset(A_NORMAL);
	y++;
	for (int i = 0; i < t->ndetail && y < t->rows - 1; i++) {
		const char *s = t->detail[i];
		int len = (int)strlen(s);

		/* wrap long lines */
		for (int off = 0; off < len && y < t->rows - 1; off += t->cols - 2, y++)
			mvaddnstr(y, 1, s + off, t->cols - 2);
	}
}

void scr_timeline_draw(struct tui *t)
{
	char a[32], b[32], fs[96], pos[48] = "";
	int64_t span = t->t_hi - t->t_lo;

	fmt_sec(a, sizeof(a), t->t_lo, 6);
	fmt_sec(b, sizeof(b), t->t_hi, 6);
	tq_filter_str(&t->filter, fs, sizeof(fs));
	if (t->win_rank > 0)
		snprintf(pos, sizeof(pos), " (%lld/%lld)", (long long)t->win_rank,
			 (long long)tui_windows_total(t));
	if (t->have_win)
		draw_title(t, " window #%lld %s%s  ino %lld pages %lld-%lld  |  %s .. %s s (%.3f ms)  |  "
			   "lanes: %s  filter: %s  %s", (long long)t->win.id, tq_sev_name(t->win.sev), pos,
			   (long long)t->win.ino, (long long)t->win.first, (long long)t->win.last, a, b,
			   span / 1e6, t->folio_lanes ? "folios" : "tasks", fs,
			   t->dense ? "[sampled]" : t->partial ? "[partial: zoom in]" : "");
	else
		draw_title(t, " timeline  |  %s .. %s s  |  lanes: %s  filter: %s", a, b,
			   t->folio_lanes ? "folios" : "tasks", fs);
	draw_axis(t);
	draw_windows_bar(t);
	draw_lanes(t);
	if (!t->nev)	/* below the (empty) lanes of the window's tasks, if any */
		draw_text(t, TL_FIRST_LANE_ROW + (t->nlanes < tl_lane_rows(t) ? t->nlanes :
						  tl_lane_rows(t) - 1), 1, "(no events in view%s%s%s%s)",
			  t->folio_lanes ? " with a page index of this inode" : "",
			  t->filter.kind != TQ_F_NONE ? " match the filter " : "",
			  t->filter.kind != TQ_F_NONE ? fs : "",
			  t->filter.kind != TQ_F_NONE ? "; f Enter clears it" : "");
	draw_detail(t);
	draw_status(t, " +/- zoom  z fit  h/l pan  n/N window  j/k event  / ? search  f filter  t lanes  p replay  F1/H help  q back");
}
