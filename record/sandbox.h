/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sandbox.h - run a function in a child process with resource limits,
 * streaming its output to the parent through a pipe.
 *
 * Used to decode hostile trace files: a crash, an endless loop or a runaway
 * allocation in the decoder (ours or the libraries') ends the child, never
 * the parent that owns the database.  The child gets: the pipe as fd 4, one
 * extra descriptor as fd 3 (the input), no other open files, stderr on
 * /dev/null (unless FOLIOTRACE_DECODER_STDERR=1), RLIMIT_AS, RLIMIT_CPU,
 * no core dumps, and SIGKILL when the parent dies.
 */
#ifndef FT_SANDBOX_H
#define FT_SANDBOX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../core/err.h"

struct sandbox_limits {
	uint64_t mem_bytes;	/* address space; 0 = no limit */
	unsigned cpu_seconds;	/* 0 = no limit */
};

struct sandbox {
	pid_t pid;
	int fd;			/* read end of the output pipe */
	struct sandbox_limits lim;
};

/* fn runs in the child with in_fd = 3 and out_fd = 4; its return value is
 * the child's exit status. */
typedef int (*sandbox_fn)(void *arg, int in_fd, int out_fd);

int sandbox_start(struct sandbox *sb, const struct sandbox_limits *lim,
		  sandbox_fn fn, void *arg, int in_fd, struct ft_err *e);
/* Closes the pipe, reaps the child; returns its wait status. */
int sandbox_finish(struct sandbox *sb);
/* Kills the child (if running) and reaps it. */
void sandbox_kill(struct sandbox *sb);
/*
 * Describes an abnormal wait status, e.g. "decoder crashed (SIGSEGV)" or
 * "decoder exceeded its CPU time limit (600 s)"; returns NULL for exit 0.
 */
const char *sandbox_describe(const struct sandbox *sb, int status, char *buf,
			     size_t n);

#endif
