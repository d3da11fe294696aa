/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd_analyze.c - foliotrace analyze: happens-before, folios, unsafe windows. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "../analyze/analyze.h"
#include "../core/json.h"

const char cmd_analyze_usage[] =
"usage: foliotrace analyze [-q] [--json] [--variant V] DB\n"
"\n"
"Analyse the events of DB and write the results back into it:\n"
"  - happens-before edges between tasks (hb_edges): XFS inode locks with\n"
"    rw-semaphore semantics (xfs_ilock fires before the grant, xfs_iunlock\n"
"    after the release), wakeups, page-cache slots (a delete orders the next\n"
"    add of the index), and locks taken without a tracepoint, implied from\n"
"    the kernel's code variant (marked implied);\n"
"  - folio lifetimes: counted (the folios view lists them from the events);\n"
"  - unsafe windows (windows) of the delalloc punch race (198dd8aedee6):\n"
"    from a short buffered write's cleanup to its delalloc punch, with a\n"
"    verdict: loss, hit, dropped, unsafe, unknown or protected.\n"
"Running it again replaces the previous results.  It prints which events\n"
"the trace lacks and what was inferred instead.\n"
"\n"
"The code variant (which locks the kernel's write-failure cleanup takes:\n"
"prefix, fix, v6.2 or upstream) comes from the kernel's own symbols: the\n"
"functions the trace's kallsyms list (stored at import or record), matched\n"
"against one fingerprint per variant.  Distribution kernels backport fixes\n"
"without changing their version, so the version string decides only when\n"
"the trace has no kallsyms or no fingerprint matches.  A note says which\n"
"evidence chose the variant (docs/variants.md).\n"
"\n"
"options:\n"
"  -q, --quiet     print nothing on success\n"
"      --json      instead of the summary, one JSON object: {\"db\", \"events\",\n"
"                  \"relevant\", \"seconds\", \"variant\", \"hb_edges\",\n"
"                  \"hb_joins\", \"folios\", \"lost_folios\": {\"total\",\n"
"                  \"explained\", \"unexplained\"}, \"lock_conflicts\",\n"
"                  \"windows\", \"by_verdict\": {VERDICT: N, ...}, \"notes\":\n"
"                  [TEXT, ...]}\n"
"      --variant V the kernel's code variant instead of the one the trace\n"
"                  shows: prefix, fix, v6.2 or upstream\n"
"  -v, --verbose   how DB is opened and the time taken, on stderr\n"
"  -h, --help      show this help\n"
"\n"
"exit status: 0 on success, 1 on failure, 2 on a usage error.\n"
"\n"
"example:\n"
"  foliotrace analyze trace.db && foliotrace windows trace.db\n";

int cmd_analyze(int argc, char **argv, struct ft_err *e)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "variant", required_argument, NULL, 'V' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct cmd_getopt g = CMD_GETOPT("q", opts, cmd_analyze_usage);
	struct analyze_result r;
	struct analyze_opts o = { 0 };
	struct store *s = NULL;
	struct timespec t0, t1;
	int quiet = 0, json = 0, c, ret;
	double secs;

	while ((c = cmd_getopt(&g, argc, argv)) != -1) {
		switch (c) {
		case 'q': quiet = 1; break;
		case 'j': json = 1; break;
		case 'V': o.variant = optarg; break;
		case CMD_DONE: return g.status;
		}
	}
	if (optind != argc - 1)
		return cmd_usage_error("analyze", optind >= argc ? "missing DB" : "one database at a time");
	if (cmd_db_open(&s, argv[optind], e) < 0)
		return FT_EXIT_FAIL;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = analyze_run_opts(s, &o, &r, e);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	store_close(s);
	if (ret < 0)
		return FT_EXIT_FAIL;
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (json) {
		int first = 1;

		printf("{\"db\":");
		json_str(stdout, argv[optind]);
		printf(",\"events\":%llu,\"relevant\":%llu,\"seconds\":%.3f,\"variant\":",
		       (unsigned long long)r.events, (unsigned long long)r.relevant, secs);
		json_str(stdout, r.variant);
		printf(",\"hb_edges\":%llu,\"hb_joins\":%llu,\"folios\":%llu,\"lost_folios\":"
		       "{\"total\":%llu,\"explained\":%llu,\"unexplained\":%llu},"
		       "\"lock_conflicts\":%llu,\"windows\":%llu,\"by_verdict\":{",
		       (unsigned long long)r.hb_edges, (unsigned long long)r.hb_joins,
		       (unsigned long long)r.folios, (unsigned long long)r.lost_folios,
		       (unsigned long long)r.lost_explained, (unsigned long long)r.lost_unexplained,
		       (unsigned long long)r.lock_conflicts, (unsigned long long)r.windows);
		for (int v = 0; v < V__COUNT; v++) {
			printf("%s\"%s\":%llu", v ? "," : "", verdict_name(v),
			       (unsigned long long)r.by_verdict[v]);
		}
		printf("},\"notes\":[");
		for (char *line = strtok(r.notes, "\n"); line; line = strtok(NULL, "\n")) {
			printf("%s", first ? "" : ",");
			json_str(stdout, line);
			first = 0;
		}
		printf("]}\n");
	} else if (!quiet) {
		printf("%s: %llu events analysed in %.2f s (%.0f events/s; %llu relevant), "
		       "code variant %s\n", argv[optind], (unsigned long long)r.events, secs,
		       secs > 0 ? (double)r.events / secs : 0.0, (unsigned long long)r.relevant,
		       r.variant);
		printf("  happens-before: %llu cross-task edges, %llu joins\n",
		       (unsigned long long)r.hb_edges, (unsigned long long)r.hb_joins);
		printf("  folio lifetimes: %llu\n", (unsigned long long)r.folios);
		printf("  lost folios: %llu (explained by windows %llu, by none %llu)\n",
		       (unsigned long long)r.lost_folios, (unsigned long long)r.lost_explained,
		       (unsigned long long)r.lost_unexplained);
		if (r.lock_conflicts)
			printf("  lock contradictions: %llu (see the notes)\n",
			       (unsigned long long)r.lock_conflicts);
		printf("  windows: %llu", (unsigned long long)r.windows);
		for (int v = 0; v < V__COUNT; v++)
			if (r.by_verdict[v])
				printf(", %s %llu", verdict_name(v), (unsigned long long)r.by_verdict[v]);
		printf("\n");
		if (r.notes[0]) {
			char *line = strtok(r.notes, "\n");

			while (line) {
				printf("  note: %s\n", line);
				line = strtok(NULL, "\n");
			}
		}
	}
	return FT_EXIT_OK;
}
