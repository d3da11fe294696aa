#!/bin/bash
# manifest.sh - write tests/corpus/MANIFEST from the entries' guest.kv and
# the runs' records (runs/*.kv, written by add-lab-run.sh).
set -euo pipefail
cd "$(dirname "$0")"
kv() { sed -n "s/^$1=//p" "$2" | head -1; }
words() { wc -w <<<"$1" | tr -d ' '; }
{
	echo "# tests/corpus/MANIFEST - written by tests/corpus/manifest.sh; see README.md"
	echo "#"
	echo "# entries: one batch each (trace.dat + guest.kv)"
	printf '%-28s %-9s %-14s %8s %5s %7s %8s %8s  %s\n' '# entry' kernel shape attempts race dropped events bytes race_pages
	for e in [0-9]*-[0-9][0-9][0-9]; do
		g=$e/guest.kv
		ver=${e%%-*}
		shape=${e#*-}
		shape=${shape%-*}
		pages=""
		for o in $(kv race_offsets "$g"); do pages="$pages $((o / 4096))"; done
		printf '%-28s %-9s %-14s %8s %5s %7s %8s %8s  %s\n' "$e" "$ver" "$shape" "$(kv attempts "$g")" \
			"$(words "$(kv race_offsets "$g")")" "$(words "$(kv dropped_offsets "$g")")" \
			"$(kv ring_entries "$g")" "$(stat -c %s "$e/trace.dat")" "${pages# }"
	done
	echo "#"
	echo "# runs: every lab run of the corpus's sessions, those that kept nothing too"
	printf '%-38s %8s %6s %7s %7s %5s %6s %6s  %s\n' '# run' attempts race dropped reread kept guest_s qemu_s shape
	for r in runs/*.kv; do
		dropped=$(($(kv lost_pages_total "$r") - $(kv race_lost_pages_total "$r")))
		printf '%-38s %8s %6s %7s %7s %5s %6s %6s  %s\n' "$(basename "$r" .kv)" "$(kv attempts "$r")" \
			"$(kv race_lost_pages_total "$r")" "$dropped" "$(kv reread_lost_pages_total "$r")" \
			"$(kv kept_batches "$r")" "$(kv elapsed_s "$r")" "$(kv qemu_wall_s "$r")" \
			"$(kv shortwrite_shape "$r"), -d $(kv delay_us "$r"), guest pin $(kv guest_pin "$r")"
	done
	echo "#"
	echo "# totals per kernel and shape (runs; race pages per attempt)"
	printf '%-24s %5s %8s %6s %8s %7s %6s\n' '# kernel-shape' runs attempts race "1 per" entries qemu_s
	for ks in $(ls runs | sed 's/-[0-9]\{8\}-[0-9]\{4\}\.kv$//' | sort -u) \
		$(ls runs | sed 's/-.*//' | sort -u); do
		n=0 a=0 rc=0 q=0
		d8='[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]-[0-9][0-9][0-9][0-9]'
		if [[ $ks == *-* ]]; then
			runs=(runs/$ks-$d8.kv)
			ent=$(find . -maxdepth 1 -name "$ks-[0-9][0-9][0-9]" | wc -l)
		else
			runs=(runs/$ks-*.kv)
			ent=$(find . -maxdepth 1 -name "$ks-*-[0-9][0-9][0-9]" | wc -l)
		fi
		for r in "${runs[@]}"; do
			n=$((n + 1))
			a=$((a + $(kv attempts "$r")))
			rc=$((rc + $(kv race_lost_pages_total "$r")))
			q=$((q + $(kv qemu_wall_s "$r")))
		done
		printf '%-24s %5s %8s %6s %8s %7s %6s\n' "$ks" $n $a $rc "$( ((rc)) && echo $((a / rc)) || echo -)" \
			"$ent" $q
	done
} >MANIFEST
cat MANIFEST
