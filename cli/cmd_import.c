/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd_import.c - foliotrace import: trace.dat -> database. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "../core/durable.h"
#include "../core/json.h"
#include "../record/import.h"

const char cmd_import_usage[] =
"usage: foliotrace import [options] TRACE.DAT\n"
"\n"
"Decode a trace-cmd trace file (file version 6 or 7, compressed or not)\n"
"into a new foliotrace database.  Every event of every buffer instance is\n"
"stored with its raw record; the events foliotrace knows (xfs, filemap,\n"
"iomap, writeback, lock, sched) also get normalized columns: dev, ino,\n"
"byte offset and length, folio index and order, lock class and mode, and\n"
"the caller resolved to a kernel symbol.  Lost events are recorded per cpu.\n"
"\n"
"The file is decoded in a separate, resource-limited process: a corrupt or\n"
"hostile trace ends in one error message, never in a crash or a partial\n"
"database.  The database is written under a temporary name (DB.tmp-PID,\n"
"removed on SIGINT/SIGTERM, and by a later run if we were killed) and\n"
"renamed into place when complete; without -f an existing DB, or one\n"
"created meanwhile, is never replaced.  DB must not be TRACE.DAT; a second\n"
"run writing the same DB at the same time fails at once.\n"
"\n"
"options:\n"
"  -o, --output=DB        database to create (default: TRACE with .dat\n"
"                         replaced by .db, in the current directory)\n"
"  -f, --force            replace DB if it is a regular file (never a\n"
"                         directory, device, FIFO or link), and remove the\n"
"                         SQLite side files (DB-journal, DB-wal, DB-shm) of\n"
"                         an earlier database at that path\n"
"  -q, --quiet            no progress line and no summary\n"
"      --json             instead of the summary line, one JSON object:\n"
"                         {\"db\": PATH, \"trace\": PATH, \"events\": N,\n"
"                         \"lost\": N, \"lost_gaps\": BOOL, \"seconds\": S}\n"
"      --max-events=N     stop with an error when the trace holds more than N\n"
"                         events (default 200000000; 0: no limit)\n"
"      --max-db-size=SIZE stop with an error when the database grows past\n"
"                         SIZE (K, M, G, T suffixes; default 64G; 0: no limit)\n"
"      --decoder-mem=MB   address-space limit of the decoder (default 4096)\n"
"      --decoder-cpu=T    CPU-time limit of the decoder (default 3600; a time\n"
"                         in seconds with an optional unit: 90, 1.5s, 500ms;\n"
"                         rounded up to whole seconds)\n"
"      --decoder-timeout=T  wall-clock limit of the decoder (default 3600)\n"
"      --no-sandbox       decode in this process, without any containment\n"
"                         (debugging only: never on a file you did not make)\n"
"      --uname-version=V  the traced kernel's `uname -v`, which trace-cmd\n"
"                         does not save; Debian names the upstream version\n"
"                         only there (\"... Debian 6.1.192-2 ...\" for the\n"
"                         release 6.1.0-56-amd64).  analyze picks the code\n"
"                         variant from the kernel's symbols (the trace's\n"
"                         kallsyms) and from this version only when those\n"
"                         do not decide\n"
"  -v, --verbose          the paths and limits used, and the time taken, on\n"
"                         stderr\n"
"  -h, --help             show this help\n"
"\n"
"exit status: 0 on success, 1 if the import failed (the message names the\n"
"file and the problem), 2 on a usage error, 130 if interrupted.\n"
"\n"
"example:\n"
"  foliotrace import trace.dat -o trace.db && foliotrace info trace.db\n";

static void on_signal(int sig)
{
	if (import_interrupted) {
		/* a second Ctrl-C ends us at once, without our temp file */
		durable_unlink_temps();
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	import_interrupted = 1;
	durable_interrupted = 1;
}

static char *default_output(const char *input)
{
	char *copy = strdup(input), *base, *out = NULL;
	size_t n;

	if (!copy)
		return NULL;
	base = basename(copy);
	n = strlen(base);
	if (n > 4 && !strcmp(base + n - 4, ".dat"))
		base[n - 4] = '\0';
	if (asprintf(&out, "%s.db", base) < 0)
		out = NULL;
	free(copy);
	return out;
}

/* Whole seconds of a time option, rounded up: 1 to 2^30. */
static int parse_secs(const char *s, unsigned *out)
{
	int64_t ns;

	if (cmd_parse_time_ns(s, &ns) < 0 || ns <= 0 || ns > (1ll << 30) * 1000000000ll)
		return -1;
	*out = (unsigned)((ns + 999999999) / 1000000000);
	return 0;
}

int cmd_import(int argc, char **argv, struct ft_err *e)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "decoder-mem", required_argument, NULL, 'M' },
		{ "decoder-cpu", required_argument, NULL, 'C' },
		{ "decoder-timeout", required_argument, NULL, 'T' },
		{ "no-sandbox", no_argument, NULL, 'N' },
		{ "uname-version", required_argument, NULL, 'U' },
		{ "max-events", required_argument, NULL, 'E' },
		{ "max-db-size", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct import_opts o = {
		.mem_limit = 4096ull << 20,
		.cpu_limit = 3600,
		.wall_limit = 3600,
		.lim = { .max_events = 200000000ull, .max_db_bytes = 64ull << 30 },
	};
	struct import_stats st;
	struct cmd_getopt g = CMD_GETOPT("o:fq", opts, cmd_import_usage);
	char *out_alloc = NULL;
	int quiet = 0, json = 0, c, ret;
	long long v;
	struct timespec t0, t1;
	double secs;

	while ((c = cmd_getopt(&g, argc, argv)) != -1) {
		switch (c) {
		case 'o': o.output = optarg; break;
		case 'f': o.force = 1; break;
		case 'q': quiet = 1; break;
		case 'j': json = 1; break;
		case 'M':
			if (cmd_parse_int(optarg, 1, 1ll << 30, &v) < 0)
				return cmd_usage_error("import", "--decoder-mem wants megabytes, got '%s'",
						       optarg);
			o.mem_limit = (uint64_t)v << 20;
			break;
		case 'C':
			if (parse_secs(optarg, &o.cpu_limit) < 0)
				return cmd_usage_error("import", "--decoder-cpu wants a time such as 60 "
						       "or 90s, got '%s'", optarg);
			break;
		case 'T':
			if (parse_secs(optarg, &o.wall_limit) < 0)
				return cmd_usage_error("import", "--decoder-timeout wants a time such as "
						       "600 or 1.5s, got '%s'", optarg);
			break;
		case 'N': o.no_sandbox = 1; break;
		case 'U': o.uname_version = optarg; break;
		case 'E':
			if (cmd_parse_int(optarg, 0, INT64_MAX, &v) < 0)
				return cmd_usage_error("import", "--max-events wants a count, got '%s'",
						       optarg);
			o.lim.max_events = (uint64_t)v;
			break;
		case 'S': {
			long long n;

			if (cmd_parse_size(optarg, &n) < 0)
				return cmd_usage_error("import", "--max-db-size wants a size such as "
						       "64G, got '%s'", optarg);
			o.lim.max_db_bytes = (uint64_t)n;
			break;
		}
		case CMD_DONE: return g.status;
		}
	}
	if (optind != argc - 1)
		return cmd_usage_error("import", optind >= argc ? "missing TRACE.DAT" :
				       "one trace file at a time");
	o.input = argv[optind];
	if (!o.output) {
		out_alloc = default_output(o.input);
		if (!out_alloc)
			return ft_error(e, -1, "out of memory"), FT_EXIT_FAIL;
		o.output = out_alloc;
	}
	o.progress = !quiet && !json && isatty(STDERR_FILENO);
	o.quiet = quiet || json;
	cmd_info_msg("%s -> %s; decoder %s, %llu MB, %u s cpu, %u s wall; at most %llu events, "
		     "%llu bytes", o.input, o.output, o.no_sandbox ? "in this process" : "sandboxed",
		     (unsigned long long)(o.mem_limit >> 20), o.cpu_limit, o.wall_limit,
		     (unsigned long long)o.lim.max_events, (unsigned long long)o.lim.max_db_bytes);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = import_trace(&o, &st, e);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (ret == 0 && json) {
		printf("{\"db\":");
		json_str(stdout, o.output);
		printf(",\"trace\":");
		json_str(stdout, o.input);
		printf(",\"events\":%llu,\"lost\":%llu,\"lost_gaps\":%s,\"seconds\":%.3f}\n",
		       (unsigned long long)st.events, (unsigned long long)st.lost,
		       st.lost_gaps ? "true" : "false", secs);
	} else if (ret == 0 && !quiet)
		printf("%s: %llu events from %s, lost %llu%s, %.2f s (%.0f events/s)\n",
		       o.output, (unsigned long long)st.events, o.input,
		       (unsigned long long)st.lost,
		       st.lost_gaps ? " (+ gaps of unknown size)" : "", secs,
		       secs > 0 ? (double)st.events / secs : 0.0);
	free(out_alloc);
	if (ret == 0)
		return FT_EXIT_OK;
	return import_interrupted ? FT_EXIT_INTR : FT_EXIT_FAIL;
}
