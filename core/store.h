/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * store.h - the foliotrace database (SQLite, schema in schema.sql).
 *
 * Lifecycle: store_create() makes a new database file (the caller picks a
 * temporary path and renames it into place when the load is complete);
 * store_open() opens an existing one after checking that it is a foliotrace
 * database of a schema version this build understands; store_close() frees
 * everything.  struct store is opaque; store_db() exposes the SQLite handle
 * for read-only queries by front ends (info, sql, tui).
 *
 * Bulk load protocol (import, record):
 *   store_trace_begin -> (store_add_* | store_add_event)* -> store_checkpoint*
 *   -> store_trace_finish
 * Events get consecutive ids and are stored once, in blocks of up to 1024
 * (event_blocks: packed columns and a zstd frame of payloads) with their
 * keys (event_keys); the events table is a virtual table over the blocks
 * (core/evtab.c).  store_checkpoint() writes the partial block and commits
 * the current batch so that readers (WAL) see whole batches.
 * store_trace_finish() marks the trace complete.  Until then
 * traces.complete = 0.
 */
#ifndef FT_STORE_H
#define FT_STORE_H

#include <stdint.h>
#include <sqlite3.h>

#include "err.h"
#include "event.h"

#define FT_APPLICATION_ID	0x466f6c69	/* "Foli" */
#define FT_SCHEMA_VERSION	4

struct store;

enum store_mode {
	STORE_READONLY,
	STORE_READWRITE,
};

/* Opens an existing database; refuses foreign, newer or damaged ones. */
int store_open(struct store **out, const char *path, enum store_mode mode,
	       struct ft_err *e);
/*
 * Creates a new database at path (which must not exist) with the schema
 * applied, tuned for bulk loading.  ":memory:" gives an in-memory store.
 */
int store_create(struct store **out, const char *path, struct ft_err *e);
/* For live recording: WAL journal, so readers can follow batch commits. */
int store_set_live(struct store *s, struct ft_err *e);
/* Closes and frees; NULL is allowed.  Returns 0 or a negative code. */
int store_close(struct store *s);

sqlite3 *store_db(struct store *s);
/* The schema version of the open database (older ones are read as they are). */
int64_t store_schema_version(const struct store *s);
const char *store_path(const struct store *s);

/* Checks a file's header without opening it as a database (for messages). */
int store_probe_file(const char *path, struct ft_err *e);

struct store_trace_info {
	const char *source;
	int64_t source_size;
	const char *tool;
};

int store_trace_begin(struct store *s, const struct store_trace_info *ti,
		      int64_t *trace_id, struct ft_err *e);
/* Sets one column of the traces row (text or integer). */
int store_trace_set_text(struct store *s, int64_t trace_id, const char *col,
			 const char *val, struct ft_err *e);
int store_trace_set_int(struct store *s, int64_t trace_id, const char *col,
			int64_t val, struct ft_err *e);

/*
 * Sets a fact about the trace that has no traces column: the meta row
 * 'trace:<id>:<key>' (see schema.sql, table meta).
 */
int store_trace_set_meta_text(struct store *s, int64_t trace_id, const char *key,
			      const char *val, struct ft_err *e);
int store_trace_set_meta_int(struct store *s, int64_t trace_id, const char *key,
			     int64_t val, struct ft_err *e);

int store_add_buffer(struct store *s, int64_t trace_id, const char *name,
		     int cpus, const char *clock, int64_t *id, struct ft_err *e);
int store_add_type(struct store *s, int64_t trace_id, int format_id,
		   const char *system, const char *name, int kind,
		   int64_t *id, struct ft_err *e);
int store_add_field(struct store *s, int64_t type_id, int seq,
		    const char *name, const char *ctype, int offset, int size,
		    int elem_size, int flags, struct ft_err *e);
int store_add_symbol(struct store *s, const char *name, int64_t *id,
		     struct ft_err *e);
int store_add_task(struct store *s, int64_t trace_id, int pid,
		   const char *comm, struct ft_err *e);
int store_add_bdi(struct store *s, int64_t trace_id, const char *bdi,
		  int64_t dev, struct ft_err *e);
/* ts_before/ts_after < 0 store NULL. */
int store_add_lost(struct store *s, int64_t trace_id, int64_t buffer_id,
		   int cpu, const char *kind, int64_t count, int64_t ts_before,
		   int64_t ts_after, struct ft_err *e);
/*
 * Queues one event; ev->v[FT_C_CALLER] must already be a symbols.id.
 * The payload is copied.
 */
int store_add_event(struct store *s, int64_t trace_id, int64_t type_id,
		    const struct ft_event *ev, struct ft_err *e);
/* Sets event_types.n_events (the loader counts while loading). */
int store_set_type_count(struct store *s, int64_t type_id, int64_t n,
			 struct ft_err *e);
/* Writes queued events and commits the batch (opens the next one). */
int store_checkpoint(struct store *s, struct ft_err *e);
/*
 * Writes queued events, marks the trace complete, and commits (S3).
 */
int store_trace_finish(struct store *s, int64_t trace_id, struct ft_err *e);

/* --- reading events in trace order (analyze, timeline) ---------------- */

struct store_event {
	int64_t id;
	struct ft_event ev;	/* v[FT_C_CALLER] is symbols.id; payload not loaded */
	int64_t type_id;
};

struct store_iter;

/*
 * Iterates the events of a trace in id (= time) order, optionally only
 * those of one inode (ino >= 0).  store_iter_next returns 1 with *out
 * filled, 0 at the end, or a negative code.
 */
int store_iter_open(struct store *s, int64_t trace_id, int64_t ino,
		    struct store_iter **out, struct ft_err *e);
/* The same, only events whose kind is in the comma-separated list kinds.
 * Both decode event_blocks (every column but the payload; one inode's
 * blocks found through event_keys).  On an older database opened read-only
 * (schema 1 or 2, rows) they read rows, except that a whole trace is read
 * from schema 2's blocks when they cover it; the kinds reader then reads
 * only the columns an analysis reads (no cpu, type_id, lock_class,
 * lock_mode, caller_off, addr). */
int store_iter_open_kinds(struct store *s, int64_t trace_id, int64_t ino,
			  const char *kinds, struct store_iter **out, struct ft_err *e);
int store_iter_next(struct store_iter *it, struct store_event *out, struct ft_err *e);
/* 1 when the iterator decodes event blocks, 0 when it reads rows. */
int store_iter_packed(const struct store_iter *it);
void store_iter_close(struct store_iter *it);

/* Symbol names by id (array indexed by symbols.id, NULL where none). */
int store_symbols(struct store *s, char ***names, int64_t *n, struct ft_err *e);
void store_symbols_free(char **names, int64_t n);

/* Runs SQL text (several statements) in the open write transaction. */
int store_exec(struct store *s, const char *sql, struct ft_err *e);
/* Begins / commits an explicit write transaction (analyze). */
int store_begin(struct store *s, struct ft_err *e);
int store_commit(struct store *s, struct ft_err *e);
/* Abandons the open write transaction (on an error path). */
void store_rollback(struct store *s);

/* Registers ft_field(type_id, payload, name): a field's value from a raw
 * payload, using event_fields.  Done by store_open/create. */
int store_register_functions(struct store *s);

#endif
