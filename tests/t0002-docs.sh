#!/bin/bash
# t0002: docs generated from schema.sql are current; every table of
# schema.sql is documented; kinds in the binary match the database.
. "$FT_ROOT/tests/lib/harness.sh"
t_tmpdir
"$FT_ROOT/scripts/gen-schema-doc.sh" "$FT_ROOT/schema.sql" > "$T_TMP/schema.md"
t_check "docs/schema.md is up to date (run make docs)" cmp -s "$T_TMP/schema.md" "$FT_ROOT/docs/schema.md"
for t in $(sed -n 's/^CREATE TABLE \([a-z_]*\).*/\1/p' "$FT_ROOT/schema.sql"); do
	t_check "table $t is documented" grep -q "## Table \`$t\`" "$FT_ROOT/docs/schema.md"
done
t_check "ARCHITECTURE.md exists" test -s "$FT_ROOT/docs/ARCHITECTURE.md"
t_done
