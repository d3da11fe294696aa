/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of record/sandbox.c: crashes, limits and output are contained;
 * the decoder runs without privileges, environment or system calls beyond
 * its allowlist (sandbox.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "../../record/sandbox.h"
#include "tap.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#else
#define UNDER_ASAN 0
#endif

extern char **environ;

static int fn_hello(void *arg, int in_fd, int out_fd)
{
	(void)arg;
	(void)in_fd;
	return write(out_fd, "hello", 5) == 5 ? 0 : 3;
}

static int fn_segv(void *arg, int in_fd, int out_fd)
{
	/* A real fault: raise() would be a system call the filter kills. */
	volatile uintptr_t addr = 8;

	(void)arg;
	(void)in_fd;
	(void)out_fd;
	return *(volatile int *)addr;
}

static int fn_spin(void *arg, int in_fd, int out_fd)
{
	volatile unsigned long x = 0;

	(void)arg;
	(void)in_fd;
	(void)out_fd;
	for (;;)
		x++;
	return 0;
}

static __attribute__((unused)) int fn_hog(void *arg, int in_fd, int out_fd)
{
	/* A runaway allocation such as a length read from a hostile file. */
	void *p = malloc((size_t)3 << 40);

	(void)arg;
	(void)in_fd;
	return write(out_fd, p ? "got" : "null", p ? 3 : 4) > 0 ? (p ? 0 : 4) : 5;
}

static int fn_fds(void *arg, int in_fd, int out_fd)
{
	int extra = *(int *)arg;

	(void)in_fd;
	/* Only 0-4 may be open: the parent's other descriptors are closed.
	 * lseek is allowed by the filter: EBADF for a closed descriptor. */
	if (lseek(extra, 0, SEEK_CUR) >= 0 || errno != EBADF)
		return 6;
	return write(out_fd, "ok", 2) == 2 ? 0 : 7;
}

static __attribute__((unused)) int fn_open(void *arg, int in_fd, int out_fd)
{
	(void)arg;
	(void)in_fd;
	/* Not in the allowlist: the decoder is killed before it returns. */
	return open("/etc/passwd", O_RDONLY) >= 0 ? write(out_fd, "opened", 6) > 0 : 8;
}

static int fn_block(void *arg, int in_fd, int out_fd)
{
	char c;

	(void)arg;
	(void)out_fd;
	/* A decoder stuck without using CPU: only the wall clock ends it. */
	return read(in_fd, &c, 1) == 1 ? 0 : 9;
}

/* Run with FOLIOTRACE_SANDBOX_SECCOMP=off: what the layers beneath the
 * filter give (getuid, prctl and the like are not in the allowlist). */
static __attribute__((unused)) int fn_inspect(void *arg, int in_fd, int out_fd)
{
	struct rlimit fs, np, nf;
	char buf[256];
	int n, wr;

	(void)arg;
	signal(SIGXFSZ, SIG_IGN);
	wr = (int)write(in_fd, "x", 1);	/* in_fd: a regular file, open read-write */
	getrlimit(RLIMIT_FSIZE, &fs);
	getrlimit(RLIMIT_NPROC, &np);
	getrlimit(RLIMIT_NOFILE, &nf);
	n = snprintf(buf, sizeof(buf), "nnp=%d uid=%d euid=%d env=%d fsize=%llu nproc=%llu nofile=%llu write=%d",
		     prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), (int)getuid(), (int)geteuid(),
		     environ && environ[0] ? 1 : 0, (unsigned long long)fs.rlim_cur,
		     (unsigned long long)np.rlim_cur, (unsigned long long)nf.rlim_cur,
		     wr < 0 ? -errno : wr);
	return write(out_fd, buf, (size_t)n) == n ? 0 : 10;
}

static int dumpable_during = -1;

static int run_lim(sandbox_fn fn, void *arg, const struct sandbox_limits *lim, int in,
		   char *out, size_t n, int *status, struct sandbox *sbo)
{
	struct ft_err e = FT_ERR_INIT;
	struct sandbox sb;
	ssize_t k, got = 0;

	if (sandbox_start(&sb, lim, fn, arg, in, &e) < 0)
		return -1;
	dumpable_during = prctl(PR_GET_DUMPABLE);
	while ((k = read(sb.fd, out + got, n - 1 - (size_t)got)) > 0)
		got += k;
	out[got] = '\0';
	*status = sandbox_finish(&sb);
	if (sbo)
		*sbo = sb;
	return 0;
}

static int run(sandbox_fn fn, void *arg, unsigned cpu, char *out, size_t n, int *status)
{
	struct sandbox_limits lim = { 256ull << 20, cpu, 0 };
	int in = dup(0), ret;

	ret = run_lim(fn, arg, &lim, in, out, n, status, NULL);
	close(in);
	return ret;
}

int main(void)
{
	struct sandbox sb = { .lim = { 0, 1, 0 } }, got_sb;
	struct sandbox_limits wall = { 256ull << 20, 10, 1 };
	char out[256], desc[160], words[160], tmpl[] = "/tmp/ft-sandbox-XXXXXX", expect[256];
	int status = 0, extra, p[2], f, root = geteuid() == 0;

	setenv("FT_SANDBOX_TEST_MARKER", "1", 1);
	CHECK(run(fn_hello, NULL, 10, out, sizeof(out), &status) == 0 && !strcmp(out, "hello"),
	      "output streams to the parent");
	CHECK(sandbox_describe(&sb, status, desc, sizeof(desc)) == NULL, "exit 0 is not an error");
	CHECK(dumpable_during == 0, "the importer is not dumpable while the decoder runs");
	CHECK(prctl(PR_GET_DUMPABLE) == 1, "and dumpable again afterwards");

	CHECK(run(fn_segv, NULL, 10, out, sizeof(out), &status) == 0, "crashing child started");
#if !defined(__SANITIZE_ADDRESS__)
	CHECK(sandbox_describe(&sb, status, desc, sizeof(desc)) &&
	      !strcmp(desc, "decoder crashed (SIGSEGV)"), "crash described: %s", desc);
#else
	/* ASan's own SEGV handler reports and exits 1 in the child. */
	CHECK(sandbox_describe(&sb, status, desc, sizeof(desc)) != NULL,
	      "crash under ASan described as a failure: %s", desc);
#endif

	CHECK(run(fn_spin, NULL, 1, out, sizeof(out), &status) == 0, "spinning child started");
	CHECK(sandbox_describe(&sb, status, desc, sizeof(desc)) &&
	      strstr(desc, "CPU time limit"), "CPU limit described: %s", desc);

#if !defined(__SANITIZE_ADDRESS__)
	CHECK(run(fn_hog, NULL, 10, out, sizeof(out), &status) == 0, "hog child started");
	CHECK(!strcmp(out, "null"), "address-space limit makes a 3 TB allocation fail (%s)", out);
#else
	printf("skipped: address-space limit not applied under ASan (its shadow memory needs the space)\n");
#endif
	extra = fcntl(1, F_DUPFD, 50);
	CHECK(run(fn_fds, &extra, 10, out, sizeof(out), &status) == 0 && !strcmp(out, "ok"),
	      "the child has no descriptors but its input and output");
	close(extra);

	/* The wall clock: a decoder blocked on a pipe that never delivers. */
	CHECK(pipe(p) == 0, "pipe");
	CHECK(run_lim(fn_block, NULL, &wall, p[0], out, sizeof(out), &status, &got_sb) == 0,
	      "blocked child started");
	CHECK(sandbox_describe(&got_sb, status, desc, sizeof(desc)) &&
	      !strcmp(desc, "decoder exceeded its wall-clock time limit (1 s)"),
	      "wall-clock limit described: %s", desc);
	close(p[0]);
	close(p[1]);
	printf("# refused by this kernel: '%s'\n",
	       sandbox_refused_str(got_sb.refused, words, sizeof(words)) ?: "(unknown)");
	CHECK(got_sb.refused >= 0, "the warden reports what the kernel refused");

#if !UNDER_ASAN
	CHECK(run(fn_open, NULL, 10, out, sizeof(out), &status) == 0, "opening child started");
	CHECK(sandbox_describe(&sb, status, desc, sizeof(desc)) &&
	      !strcmp(desc, "decoder broke its sandbox (SIGSYS: a system call outside its allowlist)"),
	      "open() outside the allowlist kills the decoder: %s", desc);

	f = mkstemp(tmpl);
	CHECK(f >= 0, "temporary file");
	unlink(tmpl);
	setenv("FOLIOTRACE_SANDBOX_SECCOMP", "off", 1);
	{
		struct sandbox_limits lim = { 256ull << 20, 10, 0 };

		CHECK(run_lim(fn_inspect, NULL, &lim, f, out, sizeof(out), &status, NULL) == 0,
		      "inspecting child started");
	}
	unsetenv("FOLIOTRACE_SANDBOX_SECCOMP");
	close(f);
	snprintf(expect, sizeof(expect), "nnp=1 uid=%d euid=%d env=0 fsize=0 nproc=0 nofile=80 write=%d",
		 root ? 65534 : (int)getuid(), root ? 65534 : (int)geteuid(), -EFBIG);
	CHECK(!strcmp(out, expect), "no_new_privs, %s, empty environment, FSIZE 0 (a write fails "
	      "with EFBIG), NPROC 0, NOFILE 80: %s", root ? "uid 65534" : "own uid", out);
#else
	(void)f;
	(void)tmpl;
	(void)expect;
	(void)root;
	printf("skipped: no seccomp filter, FSIZE or uid drop under ASan (sandbox.h)\n");
#endif
	return tap_done();
}
