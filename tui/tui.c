/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tui.c - the one loop.
 *
 *   flags = REQUERY
 *   loop: quit signal?            -> leave
 *         size changed?           -> REQUERY
 *         REQUERY                 -> scr_*_query()   (only what is visible)
 *         REDRAW | REQUERY        -> scr_*_draw(), doupdate()  (timed)
 *         REPLAY                  -> run `replay --window`, REQUERY
 *         read a key (or a scripted one); none and idle work left
 *                                 -> one bounded step of idle work
 *         flags = actions_key() / actions_mouse()
 *
 * Idle work (between keys, bounded per step): find the inodes of the
 * overview (index skip-scan) and count each one's events (index scan of
 * IDLE_ROWS entries per step), and, while the trace is incomplete (record
 * still writing), re-read the trace row every second.
 */
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "state.h"
#include "term.h"
#include "tui.h"
#include "../jobs/winreplay.h"

#define IDLE_ROWS	20000
#define KEY_WAIT_MS	250

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* --- scripted keys (--bench-keys) --------------------------------------------- */

static const struct { const char *name; int key; } key_names[] = {
	{ "Enter", '\r' }, { "Left", KEY_LEFT }, { "Right", KEY_RIGHT }, { "Up", KEY_UP },
	{ "Down", KEY_DOWN }, { "PgUp", KEY_PPAGE }, { "PgDn", KEY_NPAGE }, { "Home", KEY_HOME },
	{ "End", KEY_END }, { "F1", KEY_F(1) }, { "Esc", 27 }, { "Space", ' ' },
};

/*
 * The next key of a space-separated script: a token is a key name
 * (key_names), or text typed one character at a time (*text holds the
 * rest of it between calls).
 */
static int script_key(const char **p, const char **text, char *name, size_t len)
{
	const char *s = *p;
	size_t l;

	if (*text && **text && **text != ' ') {
		snprintf(name, len, "%c", **text);
		return (unsigned char)*(*text)++;
	}
	while (*s == ' ')
		s++;
	if (!*s)
		return ERR;
	l = strcspn(s, " ");
	snprintf(name, len, "%.*s", (int)l, s);
	*p = s + l;
	for (size_t i = 0; l > 1 && i < sizeof(key_names) / sizeof(key_names[0]); i++)
		if (!strcmp(key_names[i].name, name))
			return key_names[i].key;
	*text = s + 1;
	snprintf(name, len, "%c", s[0]);
	return (unsigned char)s[0];
}

/* --- screens ---------------------------------------------------------------- */

int64_t tui_windows_total(const struct tui *t)
{
	unsigned mask = tq_verdicts(t->q);
	int64_t n = 0;

	if (t->wcounted != 1)
		return 0;
	for (int i = 0; i < TQ_SEV_N; i++)
		if (mask & (1u << i))
			n += t->wcount[i];
	return n;
}

int64_t tui_window_rank(struct tui *t, const struct tq_window *w)
{
	unsigned mask = tq_verdicts(t->q);
	int64_t r;

	if (t->wcounted != 1 || !(mask & (1u << w->sev)))
		return 0;
	if (t->rank_id == w->id && t->rank_mask == mask)
		return t->rank_val;
	r = tq_window_rank(t->q, w->sev, w->id, t->wcount);
	if (r <= 0)
		return 0;
	t->rank_id = w->id;
	t->rank_mask = mask;
	t->rank_val = r;
	return r;
}

/* The message drawn instead of the screens below the minimum size, wrapped
 * at spaces to the width, on as many rows as there are. */
static void draw_too_small(struct tui *t)
{
	char msg[256];
	const char *p = msg;
	int w = t->cols > 0 ? t->cols : 1;

	snprintf(msg, sizeof(msg), "terminal too small: %dx%d; foliotrace tui needs at least %d "
		 "columns and %d rows. Enlarge it, or q to quit.", t->cols, t->rows, TUI_MIN_COLS,
		 TUI_MIN_ROWS);
	for (int y = 0; *p && y < t->rows; y++) {
		int l = (int)strlen(p);

		if (l > w) {
			l = w;
			while (l > 0 && p[l] != ' ')
				l--;
			if (!l)
				l = w;
		}
		mvaddnstr(y, 0, p, l);
		p += l;
		while (*p == ' ')
			p++;
	}
}

static void query(struct tui *t)
{
	if (t->too_small)
		return;
	switch (t->scr) {
	case SCR_OVERVIEW: scr_overview_query(t); break;
	case SCR_TIMELINE: scr_timeline_query(t); break;
	case SCR_REPLAY: scr_replay_query(t); break;
	default: break;
	}
}

static void draw(struct tui *t)
{
	erase();
	if (t->too_small) {
		draw_too_small(t);
		wnoutrefresh(stdscr);
		doupdate();
		return;
	}
	switch (t->scr) {
	case SCR_OVERVIEW: scr_overview_draw(t); break;
	case SCR_TIMELINE: scr_timeline_draw(t); break;
	case SCR_REPLAY: scr_replay_draw(t); break;
	case SCR_HELP: scr_help_draw(t); break;
	default: break;
	}
	wnoutrefresh(stdscr);
	doupdate();
}

/* One bounded step of idle work; returns TF_* flags, 0 when none was left. */
static int idle_step(struct tui *t, double *last_live)
{
	if (!t->wcounted) {
		t->wcounted = tq_window_counts(t->q, t->wcount) == 0;
		if (!t->wcounted)
			t->wcounted = -1;	/* failed: no counter, not again */
		return t->scr != SCR_HELP ? TF_REQUERY : TF_HANDLED;
	}
	if (!t->ino_scanned) {
		int64_t ino;
		int r = tq_next_ino(t->q, t->nino ? t->ino[t->nino - 1] : -1, &ino);

		if (r == 1 && t->nino < TUI_NINODES) {
			t->ino[t->nino++] = ino;
		} else {
			t->ino_more = r == 1;
			t->ino_scanned = 1;
		}
		return t->scr == SCR_OVERVIEW ? TF_REDRAW : TF_HANDLED;
	}
	if (t->ino_counted < t->nino) {
		int i = t->ino_counted, r = tq_count_ino_step(t->q, t->ino[i], IDLE_ROWS, &t->ino_count[i]);

		if (r != 0) {
			t->ino_done[i] = r > 0;
			t->ino_counted++;
			return t->scr == SCR_OVERVIEW ? TF_REDRAW : TF_HANDLED;
		}
		return TF_HANDLED;
	}
	if (!t->trace.complete && now_ms() - *last_live > 1000) {
		*last_live = now_ms();
		return TF_REQUERY;
	}
	return 0;
}

static int idle_pending(const struct tui *t)
{
	return !t->wcounted || !t->ino_scanned || t->ino_counted < t->nino;
}

/* Runs the window-replay job with --explore in a child process (no exec),
 * output to /dev/null, for at most WINREPLAY_TIMEOUT seconds (its process
 * group is killed then: jobs/winreplay.h, winreplay_child); the database is
 * written by that process, not by us. */
static void run_replay(struct tui *t)
{
	int status = 0, ret;

	/* no statement may hold a read lock while the replay writes */
	if (t->ino_counted < t->nino)
		t->ino_count[t->ino_counted] = 0;
	tq_close_reads(t->q);
	ret = winreplay_child(t->db, t->win.id, WINREPLAY_TIMEOUT, &status);
	if (ret == -ETIMEDOUT)
		snprintf(t->msg, sizeof(t->msg), "replay of window %lld timed out: stopped after %g s "
			 "(the TUI's limit); 'foliotrace replay %s --window %lld' without --explore "
			 "runs the recorded schedule alone", (long long)t->win.id, WINREPLAY_TIMEOUT,
			 t->db, (long long)t->win.id);
	else if (ret == -EINTR)
		snprintf(t->msg, sizeof(t->msg), "replay of window %lld interrupted",
			 (long long)t->win.id);
	else if (ret < 0 && ret != -ECHILD)
		snprintf(t->msg, sizeof(t->msg), "replay: cannot run: %s", strerror(-ret));
	else if (!ret)
		snprintf(t->msg, sizeof(t->msg), "replayed window %lld: stored rows below", (long long)t->win.id);
	else
		snprintf(t->msg, sizeof(t->msg), "replay of window %lld failed (status %d): see "
			 "'foliotrace replay %s --window %lld'", (long long)t->win.id,
			 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), t->db,
			 (long long)t->win.id);
}

int tui_run(const struct tui_opts *o, struct ft_err *e)
{
	struct term_opts to = { .ascii = o->ascii, .mono = o->mono, .mouse = o->mouse };
	struct tui *t = calloc(1, sizeof(*t));
	const char *script = o->bench_keys, *text = NULL;
	double start = now_ms(), key_at = -1, last_live = start, opened = 0;
	char key_name[32] = "";
	FILE *timing = NULL;
	int flags = TF_REQUERY, ret = 0, frames = 0;

	if (!t)
		return ft_error(e, -ENOMEM, "out of memory");
	t->db = o->db;
	t->search_resume = -1;
	if (tq_open(&t->q, o->db, e) < 0) {
		free(t);
		return -EIO;
	}
	tq_trace(t->q, &t->trace);
	opened = now_ms() - start;
	if (o->window > 0) {
		if (tq_window_get(t->q, o->window, &t->win) != 1) {
			ret = tq_failure(t->q) ? -EIO :
				ft_error(e, -ENOENT, "%s: no window %lld", o->db, (long long)o->window);
			goto out;
		}
		t->have_win = 1;
		t->top_sev = t->win.sev;
		t->top_id = t->win.id;
		t->back[t->nback++] = SCR_OVERVIEW;
		t->scr = SCR_TIMELINE;
	}
	if (o->timing && !(timing = fopen(o->timing, "a"))) {
		ret = ft_error(e, -errno, "%s: %s", o->timing, strerror(errno));
		goto out;
	}
	if ((ret = term_open(&to, e)) < 0)
		goto out;
	getmaxyx(stdscr, t->rows, t->cols);
	t->too_small = t->rows < TUI_MIN_ROWS || t->cols < TUI_MIN_COLS;
	tq_snapshot(t->q, 1);
	if (t->have_win)
		actions_open_window(t);
	for (;;) {
		int key, rows, cols;

		/* a damaged file: one error, not screens that look complete */
		if (tq_failure(t->q)) {
			ret = -EIO;
			break;
		}
		if (term_signal()) {
			ret = 128 + term_signal();
			break;
		}
		if (flags & TF_QUIT)
			break;
		getmaxyx(stdscr, rows, cols);
		if (rows != t->rows || cols != t->cols) {
			t->rows = rows;
			t->cols = cols;
			flags |= TF_REQUERY;
		}
		t->too_small = rows < TUI_MIN_ROWS || cols < TUI_MIN_COLS;
		if (flags & TF_REQUERY)
			query(t);
		if (tq_failure(t->q)) {
			ret = -EIO;
			break;
		}
		tq_snapshot(t->q, 0);	/* no lock held while waiting for a key */
		if (flags & (TF_REQUERY | TF_REDRAW)) {
			draw(t);
			if (timing && !frames++)
				fprintf(timing, "first_frame_ms %.2f open_ms %.2f\n", now_ms() - start, opened),
				fflush(timing);
			else if (timing && key_at >= 0)
				fprintf(timing, "key %s ms %.2f\n", key_name, now_ms() - key_at), fflush(timing);
			key_at = -1;
		}
		if (flags & TF_REPLAY) {
			run_replay(t);
			flags = TF_REQUERY;
			continue;
		}
		flags = 0;
		if (script) {
			key = script_key(&script, &text, key_name, sizeof(key_name));
			if (key == ERR) {
				flags = TF_QUIT;	/* the script ran out */
				continue;
			}
		} else {
			timeout(idle_pending(t) ? 0 : KEY_WAIT_MS);
			key = getch();
			if (key == ERR) {
				tq_snapshot(t->q, 1);
				flags = idle_step(t, &last_live);
				continue;
			}
			snprintf(key_name, sizeof(key_name), "%s", keyname(key) ? keyname(key) : "?");
		}
		key_at = now_ms();
		tq_snapshot(t->q, 1);
		if (key == KEY_RESIZE)
			flags = TF_REQUERY;
		else if (key == KEY_MOUSE)
			flags = actions_mouse(t);
		else
			flags = actions_key(t, key);
	}
out:
	term_close();
	if (ret == -EIO && tq_failure(t->q))
		ft_error(e, -EIO, "%s", tq_failure(t->q));
	if (timing)
		fclose(timing);
	free(t->ev);
	tq_close(t->q);
	free(t);
	return ret;
}
