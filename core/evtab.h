/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * evtab.h - the SQLite virtual table module "foliotrace_events", which
 * serves the `events` table of schema 3 and 4 from the packed event_blocks (core/evpack.h
 * columns, zstd payload frames) and the event_keys posting lists.
 *
 * Columns (rowid = id), in this order, as the table of schema 1 and 2 had:
 *   id, trace_id, ts, cpu, pid, type_id, kind, dev, ino, offset, length,
 *   findex, forder, lock_class, lock_mode, flags, caller_id, caller_off,
 *   ext_off, ext_len, ext_block, addr, peer_pid, payload
 * Read-only.  Constraints on id (=, <, <=, >, >=, IN), ts ranges, pid =,
 * ino =, ino = AND findex =, trace_id = and kind = are evaluated by the
 * module; ORDER BY id (either direction) is consumed, and ORDER BY ts [, id]
 * when id order is ts order for the rows the query can return (evtab.c).
 *
 * Linked into foliotrace (store_register_functions) and into the loadable
 * extension ext/foliotrace_sqlite.c (compiled with FT_SQLITE_EXTENSION, so
 * that every sqlite3_* call goes through the host's API table).
 */
#ifndef FT_EVTAB_H
#define FT_EVTAB_H

#include <sqlite3.h>

/* Registers the module on db.  Returns 0 or -1. */
int evtab_register(sqlite3 *db);

#endif
