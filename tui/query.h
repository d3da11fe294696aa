/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * query.h - every SQL statement of the TUI, over a read-only store.
 *
 * Rule: each function reads only what one screen shows, through an index
 * or a rowid range, and never counts or groups over all events.  Functions
 * that could scan far (searches, type filters, step alignment) run under a
 * work budget (an SQLite progress handler) and report when it ran out.
 *
 * Time and ids: events.id follows ts, so the id at a time is a binary
 * search over ids with point lookups (tq_id_at), and a time range is an id
 * range.
 *
 * Lifecycle: tq_open() opens DB with store_open(STORE_READONLY) and
 * prepares statements lazily; tq_close() frees everything.  Strings in the
 * returned structs are copies owned by the caller's struct (fixed arrays).
 */
#ifndef FT_TUI_QUERY_H
#define FT_TUI_QUERY_H

#include <stdint.h>

#include "../core/err.h"
#include "../core/vocab.h"

struct tq;

int tq_open(struct tq **out, const char *path, struct ft_err *e);
void tq_close(struct tq *q);
/*
 * Begins (on) or ends a read transaction: the loop holds one from a key to
 * its frame, so that the frame's hundreds of point lookups share one lock
 * and one snapshot (without it every statement locks and checks the file).
 */
void tq_snapshot(struct tq *q, int on);
/* Resets every statement, so that no read lock is held (before another
 * process writes); an inode count in progress starts again. */
void tq_close_reads(struct tq *q);

/* Trace metadata: the first trace's row, plus the last event id/ts (also
 * while record is still writing: n_events is then 0). */
struct tq_trace {
	char source[160], kernel[64], host[64], clock[16];
	int64_t first_ts, last_ts, n_events, lost, lost_unknown, cpus;
	int64_t min_id, max_id, n_traces;
	int complete;
};
int tq_trace(struct tq *q, struct tq_trace *t);

/* The smallest inode number > after (index skip-scan): 1, or 0 if none. */
int tq_next_ino(struct tq *q, int64_t after, int64_t *ino);
/* Counts ino's events incrementally: at most budget index entries per
 * call; *count accumulates; returns 1 when done, 0 when more is left. */
int tq_count_ino_step(struct tq *q, int64_t ino, int64_t budget, int64_t *count);

/* Windows, in list order: severity (tq_sev_name) then id. */
enum { TQ_SEV_N = FT_VERDICT__COUNT };	/* core/vocab.h */
const char *tq_sev_name(int sev);
int tq_sev_of(const char *verdict);

struct tq_window {
	int64_t id, dev, ino, start_event, end_event, start_ns, end_ns, first, last;
	int sev, writer, ntasks;
	int tasks[8];
	char family[24], evidence[200];
};
/* Up to max windows from key (sev, id) inclusive, forward in list order.
 * Returns how many (0 at the end) or < 0. */
int tq_windows_from(struct tq *q, int sev, int64_t id, struct tq_window *out, int max);
/* The window before key (sev, id) in list order: 1 found, 0 none. */
int tq_window_before(struct tq *q, int sev, int64_t id, struct tq_window *out);
int tq_window_get(struct tq *q, int64_t id, struct tq_window *out);
/* The verdicts the list shows (tq_windows_from, tq_window_before): a mask
 * of 1 << sev; 0 or TQ_SEV_ALL: every verdict. */
#define TQ_SEV_ALL ((1u << TQ_SEV_N) - 1)
void tq_set_verdicts(struct tq *q, unsigned mask);
unsigned tq_verdicts(const struct tq *q);
/* "loss,hit" (commas or spaces) -> mask; empty: all.  -EINVAL with err. */
int tq_parse_verdicts(const char *text, unsigned *mask, char *err, int errlen);
void tq_verdicts_str(unsigned mask, char *buf, int len);
/* Windows per verdict (one scan of the table). */
int tq_window_counts(struct tq *q, int64_t counts[TQ_SEV_N]);
/* The 1-based position of window (sev, id) in the list as the verdict
 * mask filters it, from counts (tq_window_counts); < 0 on error. */
int64_t tq_window_rank(struct tq *q, int sev, int64_t id, const int64_t counts[TQ_SEV_N]);
/* Windows with ids within +-span of around that overlap events lo..hi. */
int tq_windows_near(struct tq *q, int64_t around, int64_t span, int64_t lo, int64_t hi,
		    struct tq_window *out, int max);

/* Time <-> event id. */
int64_t tq_ts_of(struct tq *q, int64_t id);	/* -1 if no such event */
/* First id with ts >= ts (max_id + 1 if none). */
int64_t tq_id_at(struct tq *q, int64_t ts);
/* The same, knowing that the answer lies in [lo, hi]. */
int64_t tq_id_at_range(struct tq *q, int64_t ts, int64_t lo, int64_t hi);

/* A filter on the timeline (also the search predicate). */
enum tq_fkind { TQ_F_NONE, TQ_F_PID, TQ_F_INO, TQ_F_EVENT, TQ_F_FIELD };
struct tq_filter {
	enum tq_fkind kind;
	int64_t num;		/* pid or ino */
	char name[64];		/* event name (or kind), or field name */
	char value[64];		/* field value */
};
/* Parses "pid=N", "ino=N", "event=NAME" (or a bare NAME), "FIELD=VALUE"
 * (a normalized column or a raw field).  Empty text: TQ_F_NONE. */
int tq_filter_parse(const char *text, struct tq_filter *f, char *err, int errlen);
/* Checks a parsed filter against the database: the event name or kind, the
 * pid, inode, task name, caller or field exists, a column's value is a
 * number.  0, or -EINVAL with err saying what is wrong (so that a typo is
 * an error, not an empty timeline). */
int tq_filter_check(struct tq *q, const struct tq_filter *f, char *err, int errlen);
void tq_filter_str(const struct tq_filter *f, char *buf, int len);

struct tq_event {
	int64_t id, ts, ino, findex, offset, length;
	int pid, cpu, kind, forder;
	int64_t type_id;
};
/*
 * Events with ids lo..hi matching f (NULL: all), in id order, at most max.
 * Returns the number (>= 0), or < 0; *partial is set when the work budget
 * ran out before the range was read.
 */
int tq_events(struct tq *q, int64_t lo, int64_t hi, const struct tq_filter *f,
	      struct tq_event *out, int max, int *partial);
/* The next (dir > 0) or previous matching event after/before id: 1 found
 * (*found), 0 none, 2 budget ran out (*found = where the search stopped). */
int tq_search(struct tq *q, int64_t from, int dir, const struct tq_filter *f, int64_t *found);

/* Small lookups (cached). */
const char *tq_comm(struct tq *q, int pid);		/* "" if unknown */
const char *tq_type_name(struct tq *q, int64_t type_id);
const char *tq_kind_name(struct tq *q, int kind);

/* The cursor event's details as lines of text: a summary, normalized
 * columns, raw fields (decoded from the payload).  Returns the number of
 * lines written to lines. */
int tq_event_detail(struct tq *q, int64_t id, char lines[][256], int max);
/* HB edges of id: outgoing (dst ids, *out_dir 1) and incoming (src ids,
 * -1) from sources src_lo..id, at most 65536 before id (the table's key
 * is (src, dst, why): incoming edges need a bounded range of sources). */
int tq_hb_edges(struct tq *q, int64_t id, int64_t src_lo, int64_t *peer, int *out_dir, int max);

/* Stored replays of a window. */
struct tq_replay {
	int64_t id, explored, bad;
	char model[16], outcome[24], schedule[64], where[96];
	int nsteps;
};
int tq_replays(struct tq *q, int64_t window, struct tq_replay *out, int max);
#define TQ_STEP_EVENTS 8
struct tq_step {
	char task[4], step[32], tracepoints[128], hits[48];
	int64_t page;		/* file page index, -1 if none */
	int64_t events[TQ_STEP_EVENTS];	/* the trace events the step stands for */
	int nev;
	int events_cut;		/* more events than stored or shown */
	int has_events;		/* the stored detail carries event ids (since issue 17) */
};
/* The steps of stored replay rid with the ids of the trace events each
 * stands for, as the window replay stored them ($.steps[i].events). */
int tq_replay_steps(struct tq *q, int64_t rid, struct tq_step *out, int max);

/* The last SQLite error, for the status line. */
const char *tq_errmsg(struct tq *q);
/* The first read that failed (a damaged file), as one line naming the
 * file and what was being read; NULL while none has.  The TUI ends with it. */
const char *tq_failure(struct tq *q);

#endif
