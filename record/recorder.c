/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * recorder.c - see recorder.h for the states and invariants.
 *
 * Two threads.  The reader thread only moves ring-buffer pages from the
 * per-cpu trace_pipe_raw files into per-cpu queues (a copy of each page),
 * so a slow database never stalls the drain.  Before each pass over the
 * cpus it samples the trace clock; after the pass every event stamped
 * before that sample has been read (R1), and the sample becomes the
 * watermark.  The main thread merges the queued pages by time stamp up to
 * the watermark, normalizes the events (emit.c) and loads them (loader.c)
 * into the store, committing a batch at most every 250 ms.
 */
#include "recorder.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <kbuffer.h>

#include "../core/durable.h"
#include "../core/kfingerprint.h"
#include "../core/store.h"
#include "../core/wire.h"
#include "datfile.h"
#include "emit.h"
#include "loader.h"

volatile int recorder_stop_requested;
volatile int recorder_abort_requested;

#define WATERMARK_MARGIN_NS	(5 * 1000 * 1000ull)
#define UNMAPPED_LAG_NS		(2 * 1000 * 1000 * 1000ull)
#define COMMIT_EVERY_S		0.25
#define READ_INTERVAL_US	20000
#define LOADER_NICE		10
/* Pages read but not yet in the database.  Past this the reader stops
 * draining: the kernel then drops events, and counts them (R2). */
#define QUEUE_CAP_BYTES		(512ull << 20)

struct page {
	struct page *next;
	int len;
	uint8_t data[];
};

struct cpuq {
	struct page *head, *tail;	/* shared with the reader: under lock */
	/* main thread only: */
	struct page *cur;		/* page being merged */
	struct kbuffer *kb;
	void *ev;			/* current event data, NULL if none */
	unsigned long long ts;
	int first_of_page;
};

struct rec {
	const struct recorder_opts *o;
	struct tracing *tr;
	struct tracefs_cpu **tcpu;
	int ncpu, subbuf;
	struct cpuq *q;
	pthread_mutex_t lock;
	pthread_t reader;
	int reader_started;
	volatile int reader_stop;	/* 1: final flush and exit */
	unsigned long long watermark;	/* under lock */
	int reader_err;
	pid_t reader_tid;
	unsigned long long queued_bytes;	/* under lock */
	clockid_t clk;
	int clk_mapped;
	unsigned long long max_ts;
	/* stream */
	struct store *s;
	struct loader *ld;
	struct import_stats st;
	struct wire_writer w;
	struct emitter *em;
	struct ft_err *e;
	int sink_err;
	char *tmp;			/* dbout.tmp, for progress and messages */
	struct durable_out dbout, datout;	/* core/durable.h */
	char label[128];
	pid_t child;
	int child_status;
	int dat_fds[EMIT_MAX_CPUS];
};

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void map_clock(struct rec *r, const char *clock)
{
	static const struct { const char *name; clockid_t id; } map[] = {
		{ "mono", CLOCK_MONOTONIC }, { "mono_raw", CLOCK_MONOTONIC_RAW },
		{ "boot", CLOCK_BOOTTIME }, { "tai", CLOCK_TAI },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(map[i].name, clock)) {
			r->clk = map[i].id;
			r->clk_mapped = 1;
		}
}

static unsigned long long clock_sample(struct rec *r)
{
	struct timespec ts;

	clock_gettime(r->clk, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

/* --- reader thread ---------------------------------------------------- */

static int drain_cpu(struct rec *r, int cpu, int flush)
{
	int got = 0, full = 0;

	for (;;) {
		struct page *p = malloc(sizeof(*p) + (size_t)r->subbuf);
		int n;

		if (!p)
			return -ENOMEM;
		n = flush ? tracefs_cpu_flush(r->tcpu[cpu], p->data) :
			    tracefs_cpu_read(r->tcpu[cpu], p->data, true);
		if (n <= 0) {
			free(p);
			return got;
		}
		p->len = n;
		p->next = NULL;
		if (r->dat_fds[cpu] >= 0 && write(r->dat_fds[cpu], p->data, (size_t)n) != n)
			r->reader_err = EIO;
		pthread_mutex_lock(&r->lock);
		if (r->q[cpu].tail)
			r->q[cpu].tail->next = p;
		else
			r->q[cpu].head = p;
		r->q[cpu].tail = p;
		r->queued_bytes += (unsigned long long)n;
		full = r->queued_bytes > QUEUE_CAP_BYTES;
		pthread_mutex_unlock(&r->lock);
		got++;
		if (full && !flush)
			return got;
	}
}

static void *reader_main(void *arg)
{
	struct rec *r = arg;

	pthread_mutex_lock(&r->lock);
	r->reader_tid = gettid();
	pthread_mutex_unlock(&r->lock);

	for (;;) {
		int stop = r->reader_stop, got = 0;
		unsigned long long wm = r->clk_mapped ? clock_sample(r) : 0;

		for (int cpu = 0; cpu < r->ncpu; cpu++) {
			int n = drain_cpu(r, cpu, stop);

			if (n < 0) {
				r->reader_err = -n;
				return NULL;
			}
			got += n;
		}
		pthread_mutex_lock(&r->lock);
		if (stop)
			r->watermark = ~0ull;
		else if (r->clk_mapped && wm > WATERMARK_MARGIN_NS)
			r->watermark = wm - WATERMARK_MARGIN_NS;
		pthread_mutex_unlock(&r->lock);
		if (stop)
			return NULL;
		/*
		 * Pace the passes: a read takes whatever the ring buffer holds,
		 * even a few events, so reading back to back would move nearly
		 * empty pages (and, recording syscalls, trace itself).  The
		 * default per-cpu buffer holds well over this interval at the
		 * rates foliotrace is built for.
		 */
		(void)got;
		usleep(READ_INTERVAL_US);
	}
}

/* --- stream: emitter -> loader -> store -------------------------------- */

static int frame_cb(void *ctx, const struct wire_frame *f)
{
	struct rec *r = ctx;

	return loader_frame(r->ld, f, r->e) < 0 ? -1 : 0;
}

static int sink(void *ctx, const uint8_t *buf, size_t len)
{
	struct rec *r = ctx;

	if (r->sink_err)
		return -EIO;
	if (wire_each_frame(buf, len, frame_cb, r) != 0) {
		r->sink_err = 1;
		return -EIO;
	}
	return 0;
}

/* --- merge ------------------------------------------------------------- */

static void release_page(struct rec *r, struct page *p)
{
	pthread_mutex_lock(&r->lock);
	r->queued_bytes -= (unsigned long long)p->len;
	pthread_mutex_unlock(&r->lock);
	free(p);
}

static int load_next_page(struct rec *r, struct cpuq *q)
{
	while (q->cur || q->head) {
		if (!q->cur) {
			pthread_mutex_lock(&r->lock);
			q->cur = q->head;
			q->head = q->cur ? q->cur->next : NULL;
			if (!q->head)
				q->tail = NULL;
			pthread_mutex_unlock(&r->lock);
			if (!q->cur)
				return 0;
			if (kbuffer_load_subbuffer(q->kb, q->cur->data) < 0) {
				release_page(r, q->cur);
				q->cur = NULL;
				continue;
			}
			q->first_of_page = 1;
			q->ev = kbuffer_read_event(q->kb, &q->ts);
		} else {
			q->ev = kbuffer_next_event(q->kb, &q->ts);
			q->first_of_page = 0;
		}
		if (q->ev)
			return 1;
		release_page(r, q->cur);
		q->cur = NULL;
	}
	return 0;
}

/* Emits queued events in time order up to the watermark. */
static int merge(struct rec *r, unsigned long long wm)
{
	for (unsigned n = 0;; n++) {
		int best = -1;

		if (recorder_abort_requested && !(n & 0xfff))
			return -1;

		for (int cpu = 0; cpu < r->ncpu; cpu++) {
			struct cpuq *q = &r->q[cpu];

			if (!q->ev && !load_next_page(r, q))
				continue;
			if (best < 0 || q->ts < r->q[best].ts)
				best = cpu;
		}
		if (best < 0)
			return 0;
		{
			struct cpuq *q = &r->q[best];
			struct tep_record rec;

			if (q->ts > wm)
				return 0;
			memset(&rec, 0, sizeof(rec));
			rec.ts = q->ts;
			rec.cpu = best;
			rec.data = q->ev;
			rec.size = kbuffer_event_size(q->kb);
			rec.missed_events = q->first_of_page ? kbuffer_missed_events(q->kb) : 0;
			if (q->ts > r->max_ts)
				r->max_ts = q->ts;
			emitter_record(r->em, 0, &rec);
			q->ev = NULL;
			if (!load_next_page(r, q))
				q->ev = NULL;
			if (r->sink_err || r->w.failed)
				return -1;
		}
	}
}

/* --- setup helpers ----------------------------------------------------- */

static void send_meta(struct rec *r)
{
	struct utsname u;

	if (uname(&u) == 0) {
		char buf[400];

		snprintf(buf, sizeof(buf), "%s %s %s %s %s", u.sysname, u.nodename, u.release,
			 u.version, u.machine);
		emitter_meta(r->em, "uname", buf);
		emitter_meta(r->em, "host", u.nodename);
		emitter_meta(r->em, "kernel_release", u.release);
	}
	emitter_meta(r->em, "clock", tracing_clock(r->tr));
	emitter_meta_int(r->em, "cpus", r->ncpu);
	emitter_meta_int(r->em, "page_size", sysconf(_SC_PAGESIZE));
	{
		/* As import stores a trace-cmd file's kallsyms (decode.c). */
		uint32_t ksyms = 0;
		int n = tracing_kallsyms(r->tr, &ksyms);
		char names[512];

		emitter_meta_int(r->em, "kallsyms", n > 0 ? n : 0);
		if (n > 0) {
			kfp_format(ksyms, names, sizeof(names));
			emitter_meta(r->em, "ksyms", names);
		}
	}
}

/* bdi ("major:minor" of the disk) -> dev of every mounted xfs. */
static void record_bdi_map(struct rec *r)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[1024];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned maj, min;
		char fstype[64], path[128], link[256], *sep = strstr(line, " - ");
		ssize_t n;

		if (!sep || sscanf(line, "%*s %*s %u:%u", &maj, &min) != 2 ||
		    sscanf(sep + 3, "%63s", fstype) != 1 || strcmp(fstype, "xfs"))
			continue;
		/* A partition's bdi is its disk: /sys/dev/block/M:m/../dev */
		snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/partition", maj, min);
		if (access(path, F_OK) == 0) {
			char devfile[300], buf[32];
			FILE *d;

			snprintf(path, sizeof(path), "/sys/dev/block/%u:%u", maj, min);
			n = readlink(path, link, sizeof(link) - 1);
			if (n <= 0)
				continue;
			link[n] = '\0';
			snprintf(devfile, sizeof(devfile), "/sys/dev/block/%s/../dev", link);
			d = fopen(devfile, "r");
			if (!d || !fgets(buf, sizeof(buf), d)) {
				if (d)
					fclose(d);
				continue;
			}
			fclose(d);
			buf[strcspn(buf, "\n")] = '\0';
			store_add_bdi(r->s, r->st.trace_id, buf, ((int64_t)maj << 20) | min, NULL);
		} else {
			char bdi[32];

			snprintf(bdi, sizeof(bdi), "%u:%u", maj, min);
			store_add_bdi(r->s, r->st.trace_id, bdi, ((int64_t)maj << 20) | min, NULL);
		}
	}
	fclose(f);
}

/* Fills in comms learned after the tasks were first seen. */
static void update_comms(struct rec *r)
{
	sqlite3_stmt *st = NULL;
	struct tep_handle *tep = tracing_tep(r->tr);
	int pids[4096], n = 0, rc;

	tracefs_load_cmdlines(NULL, tep);
	if (sqlite3_prepare_v2(store_db(r->s), "SELECT pid FROM tasks WHERE comm IS NULL "
			       "LIMIT 4096", -1, &st, NULL) != SQLITE_OK)
		return;
	while (n < 4096 && (rc = sqlite3_step(st)) == SQLITE_ROW)
		pids[n++] = sqlite3_column_int(st, 0);
	/* best effort (names only), but a failed read is said, not taken for the end */
	if (n < 4096 && rc != SQLITE_DONE)
		ft_warn("%s: reading tasks without a name: %s", store_path(r->s),
			sqlite3_errmsg(store_db(r->s)));
	sqlite3_finalize(st);
	for (int i = 0; i < n; i++) {
		const char *comm = tep_data_comm_from_pid(tep, pids[i]);

		if (comm && strcmp(comm, "<...>"))
			store_add_task(r->s, r->st.trace_id, pids[i], comm, NULL);
	}
}

static void progress(struct rec *r, double t0, int final)
{
	static double last;
	double t = mono_now();
	struct stat sb;
	long long size = 0;
	char wal[4200];

	if (!r->o->progress || (!final && t - last < 0.3))
		return;
	last = t;
	if (stat(r->tmp, &sb) == 0)
		size += sb.st_size;
	snprintf(wal, sizeof(wal), "%s-wal", r->tmp);
	if (stat(wal, &sb) == 0)
		size += sb.st_size;
	fprintf(stderr, "\r\033[Krecording: %llu events, %.0f events/s, lost %llu, db %.1f MB%s",
		(unsigned long long)r->st.events,
		t > t0 ? (double)r->st.events / (t - t0) : 0.0,
		(unsigned long long)(r->st.lost + r->st.lost_gaps), (double)size / 1e6,
		final ? "\n" : "");
}

static int start_command(struct rec *r, int *go_fd, struct ft_err *e)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return ft_error(e, -errno, "pipe: %s", strerror(errno));
	r->child = fork();
	if (r->child < 0)
		return ft_error(e, -errno, "cannot start %s: %s", r->o->command[0], strerror(errno));
	if (r->child == 0) {
		char c;

		close(p[1]);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		/* Wait until tracing is on, so the command's start is recorded. */
		if (read(p[0], &c, 1) != 1)
			_exit(127);
		execvp(r->o->command[0], r->o->command);
		fprintf(stderr, "foliotrace: record: cannot run %s: %s\n", r->o->command[0],
			strerror(errno));
		_exit(127);
	}
	close(p[0]);
	*go_fd = p[1];
	return 0;
}

/* --- the job ------------------------------------------------------------ */

int recorder_run(const struct recorder_opts *o, struct recorder_result *res,
		 struct ft_err *e)
{
	struct rec rr, *r = &rr;
	char **dat_files = NULL;
	double t0 = 0, last_commit;
	int ret, go_fd = -1;

	memset(r, 0, sizeof(*r));
	memset(res, 0, sizeof(*res));
	res->command_status = -1;
	r->o = o;
	r->e = e;
	r->child = -1;
	r->clk = CLOCK_MONOTONIC;
	for (int i = 0; i < EMIT_MAX_CPUS; i++)
		r->dat_fds[i] = -1;
	pthread_mutex_init(&r->lock, NULL);

	/* The outputs: checked, locked, stale temps of killed runs swept. */
	if (o->dat && durable_same_target(o->output, o->dat))
		return ft_error(e, -EINVAL, "%s: both the database and the --dat file: name two "
				"files", o->output);
	ret = durable_begin(&r->dbout, o->output, DURABLE_SQLITE | (o->force ? DURABLE_FORCE : 0),
			    "record", NULL, e);
	if (ret == 0 && o->dat)
		ret = durable_begin(&r->datout, o->dat, o->force ? DURABLE_FORCE : 0, "record",
				    NULL, e);
	if (ret < 0) {
		durable_abort(&r->dbout);
		return ret;
	}
	r->tmp = r->dbout.tmp;
	ret = tracing_open(&r->tr, &o->tr, e);
	if (ret < 0)
		goto out;
	snprintf(res->missing, sizeof(res->missing), "%s", tracing_missing(r->tr));
	map_clock(r, tracing_clock(r->tr));
	r->ncpu = tracing_cpus(r->tr);
	if (r->ncpu <= 0 || r->ncpu > EMIT_MAX_CPUS) {
		ret = ft_error(e, -EINVAL, "unsupported cpu count %d", r->ncpu);
		goto out;
	}
	r->tcpu = calloc((size_t)r->ncpu, sizeof(*r->tcpu));
	r->q = calloc((size_t)r->ncpu, sizeof(*r->q));
	if (!r->tcpu || !r->q) {
		ret = ft_error(e, -ENOMEM, "out of memory");
		goto out;
	}
	for (int cpu = 0; cpu < r->ncpu; cpu++) {
		r->tcpu[cpu] = tracefs_cpu_open(tracing_instance(r->tr), cpu, true);
		if (!r->tcpu[cpu]) {
			ret = ft_error(e, -errno ? -errno : -EIO,
				       "cannot open the ring buffer of cpu %d: %s", cpu,
				       strerror(errno ? errno : EIO));
			goto out;
		}
		r->subbuf = tracefs_cpu_read_size(r->tcpu[cpu]);
		r->q[cpu].kb = tep_kbuffer(tracing_tep(r->tr));
		if (r->subbuf <= 0 || !r->q[cpu].kb) {
			ret = ft_error(e, -EIO, "cannot set up reading cpu %d", cpu);
			goto out;
		}
	}
	if (o->dat) {
		dat_files = calloc((size_t)r->ncpu, sizeof(*dat_files));
		for (int cpu = 0; dat_files && cpu < r->ncpu; cpu++) {
			if (asprintf(&dat_files[cpu], "%s.cpu%d.tmp-%d", o->dat, cpu, (int)getpid()) < 0) {
				dat_files[cpu] = NULL;
				break;
			}
			r->dat_fds[cpu] = open(dat_files[cpu], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
					       0600);
			if (r->dat_fds[cpu] < 0) {
				ret = ft_error(e, -errno, "%s: %s", dat_files[cpu], strerror(errno));
				goto out;
			}
		}
	}

	ret = store_create(&r->s, r->tmp, e);
	if (ret == 0)
		ret = store_set_live(r->s, e);
	if (ret < 0)
		goto out;
	snprintf(r->label, sizeof(r->label), "live:%s", tracing_name(r->tr));
	ret = loader_new(&r->ld, r->s, r->label, -1, "foliotrace record " FT_VERSION, &r->st, e);
	if (ret < 0)
		goto out;
	record_bdi_map(r);
	wire_writer_init(&r->w, -1);
	r->w.sink = sink;
	r->w.sink_ctx = r;
	wire_send_hello(&r->w);
	r->em = emitter_new(&r->w, tracing_tep(r->tr));
	if (!r->em) {
		ret = ft_error(e, -ENOMEM, "out of memory");
		goto out;
	}
	emitter_phase(r->em, "recording");
	send_meta(r);
	emitter_add_buffer(r->em, tracing_name(r->tr), r->ncpu, tracing_clock(r->tr));
	wire_flush(&r->w);
	if (r->sink_err) {
		ret = -EIO;
		goto out;
	}

	if (o->command) {
		ret = start_command(r, &go_fd, e);
		if (ret < 0)
			goto out;
	}
	if (pthread_create(&r->reader, NULL, reader_main, r) != 0) {
		ret = ft_error(e, -EAGAIN, "cannot start the reader thread");
		goto out;
	}
	r->reader_started = 1;
	/* Our own threads are not traced: no feedback from our syscalls. */
	for (int i = 0; i < 200; i++) {
		pid_t tid;

		pthread_mutex_lock(&r->lock);
		tid = r->reader_tid;
		pthread_mutex_unlock(&r->lock);
		if (tid) {
			pid_t pids[2] = { getpid(), tid };

			tracing_exclude_pids(r->tr, pids, 2);
			break;
		}
		usleep(1000);
	}
	/*
	 * The database work yields to the traced workload (and to the reader
	 * thread, which keeps its priority): pages queue up meanwhile and are
	 * loaded when there is CPU to spare.
	 */
	setpriority(PRIO_PROCESS, (id_t)gettid(), LOADER_NICE);
	ret = tracing_start(r->tr, e);
	if (ret < 0)
		goto out;
	t0 = last_commit = mono_now();
	if (!o->quiet)
		fprintf(stderr, "foliotrace: recording %d event type%s into instance %s (clock %s); "
			"database %s%s\n", tracing_enabled_count(r->tr),
			tracing_enabled_count(r->tr) == 1 ? "" : "s", tracing_name(r->tr),
			tracing_clock(r->tr), r->tmp,
			o->command ? "" : "; Ctrl-C stops");
	if (go_fd >= 0) {
		if (write(go_fd, "g", 1) != 1)
			ret = ft_error(e, -EIO, "cannot start the command");
		close(go_fd);
		go_fd = -1;
	}

	/* RECORDING */
	while (ret == 0 && !recorder_stop_requested && !recorder_abort_requested) {
		unsigned long long wm;
		double t;

		usleep(20000);
		if (r->child > 0 && waitpid(r->child, &r->child_status, WNOHANG) == r->child) {
			res->command_status = r->child_status;
			r->child = -1;
			break;
		}
		t = mono_now();
		if (o->duration > 0 && t - t0 >= o->duration)
			break;
		if (r->reader_err) {
			ret = ft_error(e, -r->reader_err, "reading the ring buffers failed: %s",
				       strerror(r->reader_err));
			break;
		}
		pthread_mutex_lock(&r->lock);
		wm = r->watermark;
		pthread_mutex_unlock(&r->lock);
		if (!r->clk_mapped)
			wm = r->max_ts > UNMAPPED_LAG_NS ? r->max_ts - UNMAPPED_LAG_NS : 0;
		if (merge(r, wm) < 0 || wire_flush(&r->w) < 0) {
			ret = -EIO;
			break;
		}
		if (t - last_commit >= COMMIT_EVERY_S) {
			ret = store_checkpoint(r->s, e);
			last_commit = t;
		}
		progress(r, t0, 0);
	}
	if (recorder_abort_requested) {
		ft_err_clear(e);
		ret = ft_error(e, -EINTR, "recording aborted; nothing written to %s", o->output);
		goto out;
	}

	/* DRAINING */
	tracing_stop(r->tr);
	r->reader_stop = 1;
	pthread_join(r->reader, NULL);
	r->reader_started = 0;
	if (ret == 0 && r->reader_err)
		ret = ft_error(e, -r->reader_err, "reading the ring buffers failed: %s",
			       strerror(r->reader_err));
	if (ret == 0 && (merge(r, ~0ull) < 0 || wire_flush(&r->w) < 0))
		ret = -EIO;
	if (recorder_abort_requested) {
		ft_err_clear(e);
		ret = ft_error(e, -EINTR, "recording aborted; nothing written to %s", o->output);
	}
	if (ret < 0)
		goto out;
	emitter_phase(r->em, "reading ring-buffer statistics");
	for (int cpu = 0; cpu < r->ncpu; cpu++) {
		char *text = tracing_cpu_stats(r->tr, cpu);

		emitter_stats_text(r->em, 0, cpu, text);
		free(text);
	}
	emitter_done(r->em);
	if (r->sink_err || r->w.failed) {
		ret = -EIO;
		goto out;
	}

	/* FINISHING */
	ret = loader_finish(r->ld, e);
	if (ret == 0) {
		update_comms(r);
		ret = store_trace_finish(r->s, r->st.trace_id, e);
	}
	if (ret < 0)
		goto out;
	res->events = r->st.events;
	res->lost = r->st.lost;
	res->lost_gaps = r->st.lost_gaps;
	res->seconds = mono_now() - t0;
	progress(r, t0, 1);
	ret = store_close(r->s);
	r->s = NULL;
	if (ret < 0) {
		ret = ft_error(e, ret, "%s: cannot write the database: %s", o->output, strerror(-ret));
		goto out;
	}
	r->tmp = NULL;
	/* fsync, side files of an earlier OUT, rename (no-replace without -f), fsync(dir) */
	ret = durable_commit(&r->dbout, e);
	if (ret < 0)
		goto out;
	if (o->dat) {
		for (int cpu = 0; cpu < r->ncpu; cpu++) {
			close(r->dat_fds[cpu]);
			r->dat_fds[cpu] = -1;
		}
		ret = datfile_write(r->datout.tmp, o->dat, r->tr, dat_files, r->ncpu, e);
		if (ret == 0)
			ret = durable_commit(&r->datout, e);
	}
out:
	if (r->child > 0) {
		if (ret < 0)
			kill(r->child, SIGTERM);
		waitpid(r->child, &r->child_status, 0);
		res->command_status = r->child_status;
	}
	if (go_fd >= 0)
		close(go_fd);
	if (r->reader_started) {
		r->reader_stop = 1;
		pthread_join(r->reader, NULL);
	}
	if (ret < 0 && !e->code)
		ft_error(e, ret, "recording failed: %s", strerror(-ret));
	for (int cpu = 0; r->q && cpu < r->ncpu; cpu++) {
		while (r->q[cpu].head) {
			struct page *p = r->q[cpu].head;

			r->q[cpu].head = p->next;
			free(p);
		}
		free(r->q[cpu].cur);
		if (r->q[cpu].kb)
			kbuffer_free(r->q[cpu].kb);
	}
	for (int cpu = 0; r->tcpu && cpu < r->ncpu; cpu++)
		if (r->tcpu[cpu])
			tracefs_cpu_close(r->tcpu[cpu]);
	for (int cpu = 0; cpu < r->ncpu && cpu < EMIT_MAX_CPUS; cpu++)
		if (r->dat_fds[cpu] >= 0)
			close(r->dat_fds[cpu]);
	for (int cpu = 0; dat_files && cpu < r->ncpu; cpu++) {
		if (dat_files[cpu])
			unlink(dat_files[cpu]);
		free(dat_files[cpu]);
	}
	free(dat_files);
	free(r->q);
	free(r->tcpu);
	emitter_free(r->em);
	wire_writer_release(&r->w);
	loader_free(r->ld);
	store_close(r->s);
	durable_abort(&r->dbout);	/* no-ops after a commit */
	durable_abort(&r->datout);
	tracing_close(r->tr);
	pthread_mutex_destroy(&r->lock);
	return ret;
}
