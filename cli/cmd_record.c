/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd_record.c - foliotrace record: live tracepoints -> database. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "../core/json.h"
#include "../record/recorder.h"

#define MAX_EVENTS 256

const char cmd_record_usage[] =
"usage: foliotrace record [options] [-- COMMAND [ARGS...]]\n"
"\n"
"Record kernel tracepoints straight into a foliotrace database.  foliotrace\n"
"creates its own tracing instance (other tracing users are not disturbed;\n"
"the instance is removed on exit), enables the events, reads the per-cpu\n"
"ring buffers and writes normalized events to SQLite in batches while\n"
"recording.  With COMMAND it runs the command and stops when it exits;\n"
"without, it stops on Ctrl-C, SIGTERM or --duration.  A second Ctrl-C\n"
"aborts without writing.  Needs root; mounts tracefs if needed.\n"
"\n"
"Nothing is lost silently: ring-buffer gaps are stored with their time\n"
"range, per-cpu overruns and dropped events are stored and printed.  The\n"
"database is written under a temporary name (readers may open it while\n"
"recording) and renamed to DB when complete.\n"
"\n"
"options:\n"
"  -o, --output=DB        database to create (default: trace.db)\n"
"  -f, --force            replace DB (and the --dat FILE) if it is a regular\n"
"                         file, and remove the SQLite side files (DB-journal,\n"
"                         DB-wal, DB-shm) of an earlier database at that\n"
"                         path; never a directory, device, FIFO or link\n"
"  -e, --event=SYS[:EV]   record an event, or a whole system (repeatable);\n"
"                         without -e the xfs-delalloc preset is recorded\n"
"  -p, --preset=NAME      add a preset; known: xfs-delalloc (xfs iomap,\n"
"                         bmap, ilock, faults, map_blocks; filemap add/\n"
"                         delete/fault; iomap; writeback dirty; lock\n"
"                         contention; sched switch/wakeup)\n"
"      --instance=NAME    tracing instance name (default foliotrace-PID);\n"
"                         an existing instance is never reused\n"
"  -C, --clock=CLOCK      trace clock (default mono: comparable across cpus)\n"
"  -b, --buffer-kb=KB     per-cpu ring buffer size (default: the kernel's)\n"
"  -d, --duration=T       stop after T (seconds with an optional unit: 10,\n"
"                         1.5s, 500ms)\n"
"      --dev=MAJ:MIN      only events of this device (xfs, filemap, iomap,\n"
"                         writeback events carry it)\n"
"      --ino=INO          only events of this inode\n"
"      --dat=FILE         also write a trace-cmd file (trace-cmd report and\n"
"                         foliotrace import read it)\n"
"  -q, --quiet            no status line and no summary\n"
"      --json             instead of the summary, one JSON object: {\"db\",\n"
"                         \"events\", \"seconds\", \"lost\", \"lost_gaps\", \"dat\",\n"
"                         \"command\", \"command_exit\", \"command_signal\"}\n"
"                         (null where there is none)\n"
"  -v, --verbose          the time taken and the exit status on stderr\n"
"  -h, --help             show this help\n"
"\n"
"exit status: 0 when the recording was saved (whatever COMMAND returned;\n"
"its status is printed), 1 on failure, 2 on a usage error, 130 when\n"
"aborted by a second Ctrl-C.\n"
"\n"
"examples:\n"
"  foliotrace record -o run.db -- ./workload --rounds 10\n"
"  foliotrace record --dev 7:0 -d 30 -o thirty-seconds.db\n";

static void on_signal(int sig)
{
	(void)sig;
	if (recorder_stop_requested)
		recorder_abort_requested = 1;
	recorder_stop_requested = 1;
}

static int parse_devno(const char *s, int64_t *dev, char *bdi, size_t n)
{
	unsigned maj, min;
	char tail;

	if (sscanf(s, "%u:%u%c", &maj, &min, &tail) != 2 || maj > 4095 || min > 0xfffff)
		return -1;
	*dev = ((int64_t)maj << 20) | min;
	snprintf(bdi, n, "%u:%u", maj, min);
	return 0;
}

int cmd_record(int argc, char **argv, struct ft_err *e)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "event", required_argument, NULL, 'e' },
		{ "preset", required_argument, NULL, 'p' },
		{ "instance", required_argument, NULL, 'I' },
		{ "clock", required_argument, NULL, 'C' },
		{ "buffer-kb", required_argument, NULL, 'b' },
		{ "duration", required_argument, NULL, 'd' },
		{ "dev", required_argument, NULL, 'D' },
		{ "ino", required_argument, NULL, 'i' },
		{ "dat", required_argument, NULL, 'T' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct cmd_getopt g = CMD_GETOPT("+o:fe:p:C:b:d:q", opts, cmd_record_usage);
	static const char *events[MAX_EVENTS];
	struct recorder_opts o = { .output = "trace.db" };
	struct recorder_result res;
	struct sigaction sa;
	char bdi[32];
	long long v;
	int c, ret, json = 0;

	o.tr.filter_dev = -1;
	o.tr.filter_ino = -1;
	o.tr.events = events;
	while ((c = cmd_getopt(&g, argc, argv)) != -1) {
		switch (c) {
		case 'o': o.output = optarg; break;
		case 'f': o.force = 1; break;
		case 'e':
			if (o.tr.nevents >= MAX_EVENTS)
				return cmd_usage_error("record", "too many -e options");
			if (!*optarg || strlen(optarg) > 120)
				return cmd_usage_error("record", "bad event '%s'", optarg);
			events[o.tr.nevents++] = optarg;
			break;
		case 'p':
			if (strcmp(optarg, "xfs-delalloc"))
				return cmd_usage_error("record", "unknown preset '%s' (known: xfs-delalloc)",
						       optarg);
			o.tr.preset = 1;
			break;
		case 'I': o.tr.instance = optarg; break;
		case 'C': o.tr.clock = optarg; break;
		case 'b':
			if (cmd_parse_int(optarg, 4, 1 << 22, &v) < 0)
				return cmd_usage_error("record", "--buffer-kb wants 4 to 4194304, got '%s'",
						       optarg);
			o.tr.buffer_kb = (unsigned)v;
			break;
		case 'd':
			if (cmd_parse_seconds(optarg, 1e7, &o.duration) < 0 || !(o.duration > 0))
				return cmd_usage_error("record", "--duration wants a time such as 10, "
						       "1.5s or 500ms, got '%s'", optarg);
			break;
		case 'D':
			if (parse_devno(optarg, &o.tr.filter_dev, bdi, sizeof(bdi)) < 0)
				return cmd_usage_error("record", "--dev wants MAJOR:MINOR, got '%s'", optarg);
			o.tr.filter_bdi = bdi;
			break;
		case 'i':
			if (cmd_parse_int(optarg, 0, INT64_MAX, &v) < 0)
				return cmd_usage_error("record", "--ino wants an inode number, got '%s'",
						       optarg);
			o.tr.filter_ino = v;
			break;
		case 'T': o.dat = optarg; break;
		case 'q': o.quiet = 1; break;
		case 'j': json = 1; break;
		case CMD_DONE: return g.status;
		}
	}
	if (optind < argc)
		o.command = argv + optind;
	o.progress = !o.quiet && !json && isatty(STDERR_FILENO);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	ret = recorder_run(&o, &res, e);
	if (res.missing[0] && !o.quiet)
		fprintf(stderr, "foliotrace: record: not on this kernel, skipped: %s\n", res.missing);
	if (ret < 0)
		return recorder_abort_requested ? FT_EXIT_INTR : FT_EXIT_FAIL;
	if (json) {
		printf("{\"db\":");
		json_str(stdout, o.output);
		printf(",\"events\":%llu,\"seconds\":%.3f,\"lost\":%llu,\"lost_gaps\":%s,"
		       "\"dat\":", (unsigned long long)res.events, res.seconds,
		       (unsigned long long)res.lost, res.lost_gaps ? "true" : "false");
		json_str(stdout, o.dat);
		printf(",\"command\":");
		json_str(stdout, o.command ? o.command[0] : NULL);
		if (res.command_status >= 0 && WIFEXITED(res.command_status))
			printf(",\"command_exit\":%d,\"command_signal\":null}\n",
			       WEXITSTATUS(res.command_status));
		else if (res.command_status >= 0 && WIFSIGNALED(res.command_status))
			printf(",\"command_exit\":null,\"command_signal\":%d}\n",
			       WTERMSIG(res.command_status));
		else
			printf(",\"command_exit\":null,\"command_signal\":null}\n");
	} else if (!o.quiet) {
		printf("%s: %llu events in %.1f s, lost %llu%s\n", o.output,
		       (unsigned long long)res.events, res.seconds, (unsigned long long)res.lost,
		       res.lost_gaps ? " (+ gaps of unknown size)" : "");
		if (o.dat)
			printf("%s: trace-cmd file written\n", o.dat);
		if (res.command_status >= 0) {
			if (WIFEXITED(res.command_status))
				printf("%s exited with status %d\n", o.command[0],
				       WEXITSTATUS(res.command_status));
			else if (WIFSIGNALED(res.command_status))
				printf("%s was killed by signal %d\n", o.command[0],
				       WTERMSIG(res.command_status));
		}
	}
	return FT_EXIT_OK;
}
