/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * normalize.h - raw kernel records -> struct ft_event.
 *
 * The rules (record/normalize.c, one table row per event name, aliases for
 * older kernels included) say which kind an event is and which of its
 * fields fill which normalized column.  Field layouts are read from the
 * trace's own format descriptions and bound once per event type: the hot
 * path does no lookups by name and formats no text.  Every read is
 * bounds-checked against the record: records are hostile input.
 */
#ifndef FT_NORMALIZE_H
#define FT_NORMALIZE_H

#include <stdint.h>
#include <event-parse.h>

#include "../core/event.h"

struct norm;

/* Maps a kernel text address's function name to a symbol id (>= 0). */
typedef int64_t (*norm_symbol_fn)(void *data, const char *name);

struct norm *norm_new(struct tep_handle *tep, norm_symbol_fn sym, void *sym_data);
void norm_free(struct norm *n);

/*
 * Normalizes one record into *ev (payload borrowed from rec).  Returns 0,
 * or -EINVAL for a record too short to hold its own header or of an event
 * type the trace does not describe (ev->type then says which id).
 */
int norm_record(struct norm *n, struct tep_record *rec, struct ft_event *ev);

/* The tep event behind a type id seen by norm_record (NULL if unknown). */
struct tep_event *norm_event_of(struct norm *n, uint32_t type);

/* The kind the rules give an event (FT_K_OTHER when none). */
int norm_kind_of(const char *system, const char *name);

/* The (system, name) pairs the rules know, for the recorder's preset. */
struct norm_name {
	const char *system;
	const char *name;
};
/* Returns the number of names; *names points at a static table. */
int norm_known_events(const struct norm_name **names);

#endif
