/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * import.h - trace.dat -> foliotrace database.
 *
 * import_trace() is the whole job: it decodes the file in a sandboxed child
 * (decode.c via sandbox.c), loads the stream into a new database at a
 * temporary path beside the output, and renames it into place only when the
 * load is complete.  On any failure the output path is left as it was.
 *
 * import_stream() is the parent half alone: it loads one decoder stream
 * into an open store.  It trusts nothing in the stream (see wire.h).
 */
#ifndef FT_IMPORT_H
#define FT_IMPORT_H

#include <stdint.h>

#include "../core/err.h"
#include "../core/store.h"
#include "loader.h"

/* What one import may cost (0: no limit). */
struct import_limits {
	uint64_t max_events;	/* events stored */
	uint64_t max_db_bytes;	/* size of the database being written */
};

struct import_opts {
	const char *input;
	const char *output;
	int force;		/* replace an existing output */
	int progress;		/* status line on stderr */
	uint64_t mem_limit;	/* decoder address-space limit, bytes */
	unsigned cpu_limit;	/* decoder CPU seconds */
	unsigned wall_limit;	/* decoder wall-clock seconds; 0 = none */
	int no_sandbox;		/* decode in-process (debugging only) */
	int quiet;		/* no warning about refused sandbox parts */
	const char *uname_version; /* `uname -v` of the traced kernel, or NULL */
	struct import_limits lim;
};

int import_trace(const struct import_opts *o, struct import_stats *st,
		 struct ft_err *e);

/* Loads a decoder stream from fd into s.  label names the source in
 * messages and in traces.source.  lim (NULL: none) ends the import with an
 * error that names the limit. */
int import_stream(struct store *s, int fd, const char *label,
		  int64_t source_size, int progress, const struct import_limits *lim,
		  struct import_stats *st, struct ft_err *e);

/* Set from a signal handler: stops an import at the next frame. */
extern volatile int import_interrupted;

#endif
