/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * report.h - the postmortem report of an analysed database (HTML or
 * Markdown) and the exports (Perfetto trace-event JSON, CSV).
 *
 * Both open the database read-only; the report may first run the
 * window-replay job with --explore (jobs/winreplay.h: winreplay_child, a
 * forked child that stores its results) for the detailed windows that
 * have no stored replay.  Output files appear complete or not at all,
 * by the discipline of core/durable.h (temp file, -f to replace a regular
 * file, written straight into a device or FIFO, never the input).
 */
#ifndef FT_REPORT_H
#define FT_REPORT_H

#include <stdint.h>

#include "../core/durable.h"
#include "../core/err.h"
#include "../jobs/winreplay.h"

enum report_format { REPORT_HTML, REPORT_MARKDOWN };

struct report_opts {
	const char *db;
	const char *out;		/* "-": standard output */
	enum report_format format;
	int max_detail;			/* windows shown in detail */
	int max_list;			/* loss/hit/dropped/unsafe rows listed */
	int run_replays;		/* replay detailed windows without one (a child each) */
	double replay_timeout;		/* seconds per child replay; 0: no limit */
	int quiet;
	int force;			/* -f: replace a regular OUT */
};

/* Writes the report; 0 or a negative code with the message in *e. */
int report_write(const struct report_opts *o, struct ft_err *e);

/* The default --replay-timeout (the TUI's limit too): winreplay.h's. */
#define RP_REPLAY_TIMEOUT	WINREPLAY_TIMEOUT

enum export_format { EXPORT_PERFETTO, EXPORT_CSV };
enum export_what { EXPORT_ALL, EXPORT_EVENTS, EXPORT_WINDOWS };

struct export_opts {
	const char *db;
	const char *out;		/* file, or a prefix for CSV with EXPORT_ALL */
	enum export_format format;
	enum export_what what;		/* CSV only */
	int64_t window;			/* -1: all; else that window's events */
	int64_t from_ns, to_ns;		/* -1: unbounded */
	int force;			/* -f: replace regular OUT files */
};

struct export_stats {
	int64_t events, windows, edges, tasks;
};

int export_write(const struct export_opts *o, struct export_stats *st, struct ft_err *e);

/*
 * Output of report and export (core/durable.h): out_open() plans path
 * (a temp file beside it, or straight into a device, FIFO or "-" for
 * stdout; refused when it is input or exists without force), out_commit()
 * flushes, fsyncs and renames it into place, out_abort() removes it.
 */
struct out_file {
	struct durable_out d;
	void *f;			/* FILE *, NULL when not open */
};

int out_open(struct out_file *o, const char *path, int force, const char *what,
	     const char *input, struct ft_err *e);
int out_commit(struct out_file *o, struct ft_err *e);
void out_abort(struct out_file *o);

#endif
