# tests/lib/report.awk - turn `trace-cmd report -t -R` lines into
# "event ts cpu pid key=value..." lines for the requested keys, so tests can
# compare trace-cmd's own decoding with foliotrace's.  Variables:
#   want  - the event name to print (all events when empty: name only)
#   keys  - space-separated keys to print, in order
{
	t = 0
	for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+:$/) { t = i; break }
	if (!t) next
	ev = $(t + 1); sub(/:$/, "", ev)
	if (want == "") { print ev; next }
	if (ev != want) next
	ts = $t; sub(/:$/, "", ts); sub(/\./, "", ts); sub(/^0+/, "", ts)
	cpu = $(t - 1); gsub(/[\[\]]/, "", cpu); cpu += 0
	pid = $(t - 2); sub(/.*-/, "", pid)
	delete kv
	for (i = t + 2; i <= NF; i++) { k = $i; v = $i; sub(/=.*/, "", k); sub(/^[^=]*=/, "", v); kv[k] = v }
	out = ev " " ts " " cpu " " pid
	n = split(keys, ks, " ")
	for (j = 1; j <= n; j++) out = out " " ks[j] "=" kv[ks[j]]
	print out
}
