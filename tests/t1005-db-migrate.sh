#!/bin/bash
# t1005: schema evolution.  tests/fixtures/schema-v1.db.gz is a database
# written by foliotrace 0.1.0 (schema 1: import + analyze of
# xfs-shortwrite-v6.dat).  Read-only commands read it as it is and leave it
# byte for byte unchanged; analyze migrates it to the current schema (3) in
# one transaction (events rows become event blocks with their payloads and
# keys, events a virtual table, folios a view, hb_edges without rowid): every
# event keeps its id, columns and payload bytes, and the analysis then gives
# what a fresh import of the same trace gives; a migration that fails leaves
# the old database as it was.
. "$FT_ROOT/tests/lib/harness.sh"
t_tmpdir
fix=$FT_ROOT/tests/fixtures
db=$T_TMP/v1.db
zcat "$fix/schema-v1.db.gz" > "$db"
q() { "$FT" sql --csv "$1" "$2" | tail -n +2 | tr -d '\r'; }
ver() { sqlite3 "$1" "PRAGMA user_version"; }

t_eq "the fixture is schema 1" 1 "$(ver "$db")"
sum0=$(sha256sum < "$db")
"$FT" info "$db" > "$T_TMP/info" 2>&1; rc=$?
t_eq "info reads a schema-1 database" 0 "$rc"
t_match "info shows its trace" "xfs-shortwrite-v6.dat" "$(cat "$T_TMP/info")"
"$FT" windows "$db" > /dev/null 2>&1; rc=$?
t_eq "windows reads a schema-1 database" 0 "$rc"
t_eq "read-only commands leave it unchanged" "$sum0" "$(sha256sum < "$db")"

# A failed migration: an object in the way makes it fail half-way; the
# database must be exactly what it was.
cp "$db" "$T_TMP/blocked.db"
sqlite3 "$T_TMP/blocked.db" "CREATE TABLE event_keys (x)"
sumb=$(sha256sum < "$T_TMP/blocked.db")
err=$("$FT" analyze "$T_TMP/blocked.db" 2>&1 >/dev/null); rc=$?
t_check "a migration that fails exits non-zero" [ "$rc" -ne 0 ]
t_eq "its error is one line" 1 "$(printf '%s\n' "$err" | wc -l)"
t_match "its error names the file" "blocked.db" "$err"
t_match "its error says the database was not modified" "cannot upgrade from schema 1 to 4 .*not modified" "$err"
t_eq "the database is left as it was" "$sumb" "$(sha256sum < "$T_TMP/blocked.db")"

# The migration proper.  The schema-1 rows, read with plain sqlite3 before
# it, are the reference for every event after it.
n_events=$(q "$db" "SELECT n_events FROM traces")
cols="id, trace_id, ts, cpu, pid, type_id, kind, dev, ino, offset, length, findex, forder,
	lock_class, lock_mode, flags, caller_id, caller_off, ext_off, ext_len, ext_block, addr,
	peer_pid, hex(payload)"
rows="SELECT $cols FROM events ORDER BY id"
sqlite3 -csv "$db" "$rows" > "$T_TMP/rows-v1.csv"
back_v1=$(sqlite3 "$db" "SELECT count(*) FROM (SELECT ts, max(ts) OVER (ORDER BY id ROWS BETWEEN
	UNBOUNDED PRECEDING AND 1 PRECEDING) AS m FROM events) WHERE ts < m")
order_v1=$(sqlite3 "$db" "SELECT group_concat(id, ' ') FROM (SELECT id FROM events ORDER BY ts, id)" | sha256sum)
out=$("$FT" analyze "$db" 2>&1); rc=$?
t_eq "analyze on a schema-1 database exits 0" 0 "$rc"
t_eq "it is migrated to schema 4" 4 "$(ver "$db")"
"$FT" sql --csv "$db" "$rows" | tail -n +2 | tr -d '\r' > "$T_TMP/rows-v3.csv"
t_eq "every event ($(wc -l < "$T_TMP/rows-v1.csv") rows) keeps its id, columns and payload bytes" \
	"$(sha256sum < "$T_TMP/rows-v1.csv")" "$(sha256sum < "$T_TMP/rows-v3.csv")"
t_check "the reference is not empty" [ "$(wc -l < "$T_TMP/rows-v1.csv")" -eq "$n_events" ]
t_eq "the migration counts the events earlier than one before them ($back_v1, from the rows)" \
	"$back_v1" "$(q "$db" "SELECT coalesce((SELECT value FROM meta WHERE key = 'trace:1:ts_backwards'), 0)")"
t_eq "events in time order as the schema-1 rows sort them" "$order_v1" \
	"$(q "$db" "SELECT group_concat(id, ' ') FROM (SELECT id FROM events ORDER BY ts, id)" | sha256sum)"
t_eq "the old rows are gone (events is the virtual table)" "virtual" \
	"$(sqlite3 "$db" "SELECT CASE WHEN sql LIKE 'CREATE VIRTUAL TABLE%' THEN 'virtual' ELSE sql END
	   FROM sqlite_master WHERE name = 'events'")"
t_eq "no table of the old rows is left" 0 \
	"$(sqlite3 "$db" "SELECT count(*) FROM sqlite_master WHERE name LIKE 'events_%' AND type != 'view'")"
t_eq "event_keys list every inode's blocks" 0 \
	"$(q "$db" "SELECT count(*) FROM (SELECT DISTINCT e.ino, (SELECT max(first_id) FROM event_blocks
	    WHERE first_id <= e.id) AS f FROM events e WHERE e.ino IS NOT NULL) m
	    WHERE NOT EXISTS (SELECT 1 FROM event_keys k
	    WHERE k.key_kind = 2 AND k.k1 = m.ino AND k.first_id = m.f)")"
t_eq "event blocks cover every event ($n_events)" "$n_events" \
	"$(q "$db" "SELECT sum(n_events) FROM event_blocks")"
t_eq "the blocks follow each other without gaps" 0 \
	"$(q "$db" "SELECT count(*) FROM event_blocks b WHERE b.first_id > (SELECT min(first_id)
	    FROM event_blocks) AND NOT EXISTS (SELECT 1 FROM event_blocks p
	    WHERE p.first_id + p.n_events = b.first_id)")"
t_match "the analysis read the blocks" "windows:" "$out"
t_check "the analysis did not fall back to rows" \
	bash -c "! grep -q 'row by row' <<< \"\$1\"" _ "$(q "$db" "SELECT value FROM meta WHERE key LIKE 'analysis:%:notes'")"
t_eq "integrity check" ok "$(sqlite3 "$db" "PRAGMA integrity_check")"
t_eq "folios is a view now" view "$(sqlite3 "$db" "SELECT type FROM sqlite_master WHERE name = 'folios'")"

# Same results as a fresh import of the same trace with this build.
"$FT" import -q "$fix/xfs-shortwrite-v6.dat" -o "$T_TMP/fresh.db"
"$FT" analyze -q "$T_TMP/fresh.db"
w="SELECT group_concat(verdict || ':' || start_event || ':' || end_event || ':' || first_index ||
	'-' || last_index, ' ') FROM (SELECT * FROM windows ORDER BY id)"
t_eq "windows equal a fresh import's" "$(q "$T_TMP/fresh.db" "$w")" "$(q "$db" "$w")"
e="SELECT count(*) || '/' || coalesce(sum(src * 7 + dst), 0) FROM hb_edges"
t_eq "happens-before edges equal a fresh import's" "$(q "$T_TMP/fresh.db" "$e")" "$(q "$db" "$e")"
f="SELECT group_concat(findex || ':' || add_event || ':' || coalesce(del_event, '-'), ' ')
	FROM (SELECT * FROM folios ORDER BY add_event)"
t_eq "folio lifetimes equal a fresh import's" "$(q "$T_TMP/fresh.db" "$f")" "$(q "$db" "$f")"
# A schema-1 trace whose time goes back (two events moved a second
# earlier in the old rows): the migration counts them as the loader would,
# and time order is then SQLite's sort of the rows, not id order.
zcat "$fix/schema-v1.db.gz" > "$T_TMP/back.db"
sqlite3 "$T_TMP/back.db" "UPDATE events SET ts = ts - 1000000000 WHERE id IN (700, 701)"
back=$(sqlite3 "$T_TMP/back.db" "SELECT count(*) FROM (SELECT ts, max(ts) OVER (ORDER BY id ROWS
	BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS m FROM events) WHERE ts < m")
order=$(sqlite3 "$T_TMP/back.db" "SELECT group_concat(id, ' ') FROM (SELECT id FROM events ORDER BY ts, id)" | sha256sum)
t_check "the edited rows go back in time ($back events)" [ "${back:-0}" -ge 2 ]
"$FT" analyze -q "$T_TMP/back.db" > /dev/null 2>&1
t_eq "migrated: ts_backwards counts them" "$back" \
	"$(q "$T_TMP/back.db" "SELECT value FROM meta WHERE key = 'trace:1:ts_backwards'")"
t_eq "migrated: ORDER BY ts gives the rows' time order" "$order" \
	"$(q "$T_TMP/back.db" "SELECT group_concat(id, ' ') FROM (SELECT id FROM events ORDER BY ts, id)" | sha256sum)"
t_eq "a second open does not migrate again" 4 "$("$FT" analyze -q "$db"; ver "$db")"

# 3 -> 4: the blocks of schema 3 stay as they are (the reader tells their
# layout from their bytes; test_evtab reads schema-3 blocks); only the
# version changes.
cp "$db" "$T_TMP/v3.db"
sqlite3 "$T_TMP/v3.db" "PRAGMA user_version = 3"
blocks3=$(sqlite3 "$T_TMP/v3.db" "SELECT group_concat(first_id || hex(data) || hex(payloads), ',')
	FROM (SELECT * FROM event_blocks ORDER BY first_id)" | sha256sum)
"$FT" analyze -q "$T_TMP/v3.db" > /dev/null 2>&1
t_eq "a schema-3 database opened for writing is schema 4" 4 "$(ver "$T_TMP/v3.db")"
t_eq "its event blocks are the same bytes" "$blocks3" \
	"$(sqlite3 "$T_TMP/v3.db" "SELECT group_concat(first_id || hex(data) || hex(payloads), ',')
	   FROM (SELECT * FROM event_blocks ORDER BY first_id)" | sha256sum)"
t_done
