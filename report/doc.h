/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * doc.h - the postmortem document as data: what report.c gathers from the
 * database (through query.c) and the writers (html.c, markdown.c, svg.c)
 * turn into text.  Private to report/.  The vocabulary (verdicts,
 * variants, lock names) is core/vocab.h's: no file of report/ defines any.
 *
 * Ownership: a struct rp_doc owns everything it points to (strings are
 * copies, arrays are heap blocks); doc_free() releases it.  Writers only
 * read it.  Every string may hold hostile bytes (comm names, paths from a
 * customer trace): writers escape all of them.
 *
 * Sizes are bounded whatever the database: at most RP_MAX_EVENTS events and
 * RP_MAX_EDGES edges per window figure, RP_MAX_PAGES racing pages with
 * RP_MAX_STATES state changes each, RP_MAX_LANES task lanes, and the
 * detailed windows are capped by report_opts.max_detail (the cap is said
 * in the document).
 */
#ifndef FT_REPORT_DOC_H
#define FT_REPORT_DOC_H

#include <stdint.h>
#include <stdio.h>

#include "../core/vocab.h"	/* verdicts (names, severity, words), variants */

#define RP_MAX_EVENTS	160
#define RP_MAX_EDGES	64
#define RP_MAX_PAGES	4
#define RP_MAX_STATES	16
#define RP_MAX_LANES	6
#define RP_MAX_REPLAYS	8
#define RP_MAX_EXAMPLES	5	/* examples listed for summarised verdicts */

struct rp_event {
	int64_t id, ts;
	int pid;
	int64_t findex;			/* -1 when none */
	char *name;			/* tracepoint name */
	char *kind;			/* normalized kind */
	char *what;			/* short detail: lock, caller, range */
	int racing;			/* named as racing (evidence or a racer) */
	int lane;			/* index in rp_window.lane[] */
};

struct rp_edge {
	int64_t src, dst;
	char why[16];
	int implied;
};

struct rp_state {			/* one change on a racing page */
	int64_t id, ts;
	int pid;
	char *name;
	const char *state;		/* static: absent, cached, dirty, writeback */
	char extent[48];		/* the page's extent after it: delalloc, hole, block N */
};

struct rp_page {
	int64_t index;
	int pid;			/* the racing task */
	int64_t event;			/* its racing event */
	int before_cleanup, written_back;
	/* where the trace shows the page's data lost: deleted while dirty, or
	 * written back over a hole; 0 none shown */
	int64_t loss_event, loss_ts;
	const char *loss_how;		/* static */
	int64_t same_loss;		/* another detailed window whose page shows the
					 * same loss event (one deletion, two windows) */
	const char *same_verdict;	/* its verdict (points into that window) */
	int nstates, states_cut;
	struct rp_state state[RP_MAX_STATES];
};

struct rp_replay {
	char *model, *outcome, *digest, *schedule, *where, *counterexamples;
	int64_t explored, bad;		/* -1: not explored */
};

struct rp_lane {
	int pid;			/* task lanes */
	int64_t index;			/* page lanes (pid = -1) */
	char *label;
};

struct rp_window {
	int64_t id, dev, ino, start_event, end_event, start_ns, end_ns, first, last;
	char *family, *verdict, *tasks, *racing, *lock;
	int writer, detailed;
	/* below: only for detailed windows */
	int64_t t0, t1;			/* figure's time range: to the pages' loss events */
	int64_t punch_event;		/* the writer's delalloc punch (its first
					 * xfs_bmap_del_extent_delay update), 0 none */
	int nevents, events_cut;
	struct rp_event *ev;
	int nedges;
	struct rp_edge edge[RP_MAX_EDGES];
	int nlanes, lanes_cut;
	struct rp_lane lane[RP_MAX_LANES + RP_MAX_PAGES];
	int npages;
	struct rp_page page[RP_MAX_PAGES];
	int nreplays;
	struct rp_replay replay[RP_MAX_REPLAYS];
	int replay_timed_out;		/* the report's replay of it was stopped */
};

struct rp_count {
	char *name;
	int64_t n;
};

struct rp_doc {
	char *db;			/* path as given */
	char *source, *host, *kernel, *uname, *clock, *variant, *notes, *tool;
	int64_t trace_id, source_size, first_ts, last_ts, n_events, lost_events, lost_unknown;
	int64_t lost_rows, cpus;
	int analysed;			/* an analysis ran on this trace */
	struct rp_count *types;		/* recorded tracepoints with counts */
	int ntypes;
	char **missing;			/* normalized kinds with no event */
	int nmissing;
	int64_t nverdict[FT_VERDICT__COUNT];
	int64_t nwindows;
	struct rp_window *win;		/* listed windows: every loss/hit/dropped/unsafe, */
	int nwin;			/* up to max_list of them, plus examples */
	int64_t unlisted;		/* read-worthy windows not listed (cap) */
	char summary[512];
	int replays_run, replays_failed;	/* spawned by the report */
	int replays_timed_out;		/* of the failed ones, stopped at the timeout */
	double replay_timeout;		/* seconds, 0: none */
};

void doc_free(struct rp_doc *d);

/* Whether a replay's model is the variant the analysis found (core/vocab.h
 * identity: both names known and the same variant). */
static inline int rp_is_trace_variant(const struct rp_doc *d, const char *model)
{
	int v = ft_variant_find(model);

	return v >= 0 && v == ft_variant_find(d->variant);
}

/* Writers: 0, or -EIO when the stream failed. */
int html_write(FILE *f, const struct rp_doc *d);
int markdown_write(FILE *f, const struct rp_doc *d);
/* One window's timeline figure (inline SVG, no external references). */
void svg_timeline(FILE *f, const struct rp_window *w);

/* Escapes text for HTML/XML (element content and quoted attributes). */
void rp_xml(FILE *f, const char *s);

#endif
