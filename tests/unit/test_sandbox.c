/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of record/sandbox.c: crashes, limits and output are contained. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../record/sandbox.h"
#include "tap.h"

#include <fcntl.h>

static int fcntl_is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static int fn_hello(void *arg, int in_fd, int out_fd)
{
	(void)arg;
	(void)in_fd;
	return write(out_fd, "hello", 5) == 5 ? 0 : 3;
}

static int fn_segv(void *arg, int in_fd, int out_fd)
{
	(void)arg;
	(void)in_fd;
	(void)out_fd;
	raise(SIGSEGV);
	return 0;
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
	/* Only 0-4 may be open: the parent's other descriptors are closed. */
	return (fcntl_is_open(extra)) ? 6 : (write(out_fd, "ok", 2) == 2 ? 0 : 7);
}

static int run(sandbox_fn fn, void *arg, unsigned cpu, char *out, size_t n, int *status)
{
	struct sandbox_limits lim = { 256ull << 20, cpu };
	struct ft_err e = FT_ERR_INIT;
	struct sandbox sb;
	ssize_t k, got = 0;
	int in = dup(0);

	if (sandbox_start(&sb, &lim, fn, arg, in, &e) < 0)
		return -1;
	close(in);
	while ((k = read(sb.fd, out + got, n - 1 - (size_t)got)) > 0)
		got += k;
	out[got] = '\0';
	*status = sandbox_finish(&sb);
	return 0;
}

int main(void)
{
	struct sandbox sb = { .lim = { 0, 1 } };
	char out[64], desc[160];
	int status = 0, extra;

	CHECK(run(fn_hello, NULL, 10, out, sizeof(out), &status) == 0 && !strcmp(out, "hello"),
	      "output streams to the parent");
	CHECK(sandbox_describe(&sb, status, desc, sizeof(desc)) == NULL, "exit 0 is not an error");

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
	return tap_done();
}
