#!/bin/bash
# scripts/gen-schema-doc.sh SCHEMA.SQL - print docs/schema.md: the database
# format page, generated from schema.sql (comments become prose, each table
# a section with its columns).  `make docs` regenerates it; t0002 checks it
# is current.
set -euo pipefail
schema=$1
cat <<'HEAD'
# foliotrace database format

Generated from `schema.sql` by `scripts/gen-schema-doc.sh` (`make docs`):
do not edit by hand.  A foliotrace database is an SQLite 3 file with
`PRAGMA application_id = 0x466f6c69` ("Foli") and `PRAGMA user_version`
equal to the schema version; foliotrace refuses other files and newer
versions without modifying them.

## How the events are stored (schema 3 and 4)

Each event is stored once.  A trace's events are cut into blocks of up to
1024 consecutive ids (fewer where a commit falls); a block is one
`event_blocks` row holding the normalized columns of its events packed
(`data`: per event, varints of the differences from the previous event,
`core/evpack.h`) and their raw kernel records (`payloads`: one zstd frame
of length-prefixed records).  Since schema 4 a block's columns are packed
in runs of 128 events whose differences start again from zero, with the
runs' byte lengths at the end, so that a reader reaches any event by
decoding at most 128; a block of schema 3 is one run and is read as it is
(the reader tells the two layouts from the first two bytes; opening a
schema-3 database for writing rewrites nothing).  `event_keys` lists, for
every pid, inode and folio (inode, page index), the blocks that hold
events with it and how many.  `events` is a virtual table
(`core/evtab.c`) that serves the rows from the blocks: a query
constrained on `id`, `ts`, `pid`, `ino`, or `ino` and `findex`, reads
only the blocks that can hold matching events (id ranges from the block's
first id, time ranges from its `min_ts`/`max_ts`, keys from `event_keys`,
whose counts also end a block's walk after its last event with the key),
decodes only the runs it needs and only when a column is used, and
decompresses its payloads only when `payload` is read.  A block decoded by
one statement is kept for the next while SQLite's data version says the
file has not changed.

Why.  Schema 2 wrote every event twice (a row with its payload and three
secondary indexes maintained row by row, plus the packed columns): 154.5
bytes per event on the 1,138,323-event bench trace, and loading spent its
time in SQLite's B-tree inserts.  Whole-trace passes (analyze) already read
the packed blocks; SQL lookups need only a coarse map from a key to the
blocks that hold it, because decoding a run of 128 events costs about two
microseconds.  This is the approach of columnar trace stores behind SQLite
(the Perfetto trace processor): compact storage, with a virtual table for
SQL.  The price is that the events are not readable without the module:
`foliotrace sql` registers it, and the stock sqlite3 CLI reads them after
`.load`ing the extension `foliotrace_sqlite` (README.md).  The table is
read-only.

Measured on the bench trace (1,138,323 events recorded on a loop XFS),
against schema 2 on the same trace (`make bench`, store section):
24.9 MB in all, 21.9 bytes per event, raw payloads included (schema 2:
154.5): packed columns 16.9 (the runs cost 0.3), payloads 3.2 (zstd level
1 over 1024 records of about 51 bytes), `event_keys` 1.0 (10,373 pid,
1,118 inode and 46,787 folio rows), the rest page slack and the other
tables.  Import 0.74 s, 5.2 times faster than `trace-cmd report` on the
same file.  A folio's events, an inode's events in time order, analyze,
timeline and the TUI take about as long as with schema 2 (between 0.9 and
1.2 times, within the run-to-run spread of this 2-core machine).  What
costs more, and why:

- `SELECT count(*) FROM events`: 16 ms against 2.3 ms.  SQLite counts a
  plain table's rows from its B-tree pages without a per-row step, but
  steps through a virtual table row by row (a module that does nothing
  per row takes as long); there is no way to hand it a count.
  `traces.n_events` holds each trace's count.  A real per-event table
  only to be counted, a rowid and nothing else, measured 8.0 bytes per
  event (29.9 in all) and 0.6 s to fill, which would lose the import
  target of five times `trace-cmd report`.
- A full scan of `events_v`: about 1.05 to 1.15 times schema 2 in-process
  (1.04 through the sqlite3 CLI, where printing dominates): SQLite calls
  the module once per column per row, about 27 million calls here, where
  a plain table's record is read in place.
- Looking up events by id in random blocks, every column read: about 55 µs
  each against 5 µs (2000 random ids), most of it reading the block and
  decompressing its payload frame (52 KB for 1024 records; smaller frames
  compress the payloads much worse).

HEAD
awk '
function flush_comment() { if (nc) { for (i = 1; i <= nc; i++) print cm[i]; print ""; nc = 0 } }
/^-- @post-load/ { next }
/^$/ { flush_comment(); next }
/^--/ {
	line = $0; sub(/^-- ?/, "", line)
	if (line ~ /^-+$/) next
	cm[++nc] = line; next
}
/^CREATE TABLE/ {
	name = $3; sub(/\(.*/, "", name)
	print "## Table `" name "`\n"; flush_comment()
	print "| column | definition | note |"; print "|---|---|---|"
	intable = 1; next
}
/^CREATE VIRTUAL TABLE/ {
	mod = $6; sub(/;$/, "", mod)
	print "## Virtual table `" $4 "` (module `" mod "`)\n"; flush_comment(); next
}
/^CREATE VIEW/ { name = $3; print "## View `" name "`\n"; flush_comment(); next }
/^CREATE INDEX/ {
	if (!idx) { print "## Indexes\n"; flush_comment(); idx = 1 }
	sub(/;$/, ""); print "- `" $0 "`"; next
}
intable && /^\) STRICT/ { intable = 0; print ""; next }
intable {
	line = $0; note = ""
	if (match(line, /--.*/)) { note = substr(line, RSTART + 3); line = substr(line, 1, RSTART - 1) }
	gsub(/^ +| +$|,$/, "", line); sub(/, *$/, "", line)
	if (line == "") next
	col = line; sub(/ .*/, "", col); def = line; sub(/^[^ ]+ */, "", def)
	printf "| %s | %s | %s |\n", col, def, note; next
}
' "$schema"
