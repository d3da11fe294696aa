/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * emit.h - decoded kernel records -> wire frames.
 *
 * The one place that turns tep records into the foliotrace stream (see
 * wire.h): trace.dat decoding (decode.c, in the sandboxed decoder) and
 * live recording (recorder.c) both emit through it, and the loader
 * (loader.h) consumes the frames in both cases.  An emitter sends each
 * event type, symbol and task once, before the first event that needs it,
 * and a LOST frame before any record that follows a ring-buffer gap.
 */
#ifndef FT_EMIT_H
#define FT_EMIT_H

#include <event-parse.h>

#include "../core/wire.h"

#define EMIT_MAX_BUFFERS	64
#define EMIT_MAX_CPUS		4096

struct emitter;

/* The stream must already have its HELLO (wire_send_hello). */
struct emitter *emitter_new(struct wire_writer *w, struct tep_handle *tep);
void emitter_free(struct emitter *em);

void emitter_phase(struct emitter *em, const char *what);
void emitter_meta(struct emitter *em, const char *key, const char *val);
void emitter_meta_int(struct emitter *em, const char *key, long long v);
/* Declares a ring buffer; returns its index, or -1 (too many / bad cpus). */
int emitter_add_buffer(struct emitter *em, const char *name, int cpus, const char *clock);
/*
 * Emits one record of buffer b (rec->cpu is the cpu within that buffer).
 * Returns 0, or -1 when the record is unusable (counted as bad).
 */
int emitter_record(struct emitter *em, int b, struct tep_record *rec);
/* A lost-events gap on a cpu before ts_after (count -1: unknown size). */
void emitter_lost(struct emitter *em, int b, int cpu, long long count,
		  unsigned long long ts_after);
/* Ring-buffer statistics text ("CPU: n" blocks, or one cpu's stats file
 * when cpu >= 0): overrun, commit overrun and dropped events. */
void emitter_stats_text(struct emitter *em, int b, int cpu, const char *text);
/* A record the decoder refused without reading it: its data would run past
 * the end of its ring-buffer page.  Counted and reported at the end. */
void emitter_skip_overlong(struct emitter *em);
void emitter_done(struct emitter *em);

#endif
