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
