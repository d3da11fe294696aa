/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define FT_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FT_UNDER_ASAN 1
#endif
#endif

#ifdef FT_UNDER_ASAN
void __sanitizer_set_report_path(const char *path);
#endif

static void child(const struct sandbox_limits *lim, sandbox_fn fn, void *arg,
		  int in_fd, int out_fd, pid_t parent)
{
	struct rlimit rl;
	int null;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	/* fds: 3 = input, 4 = output, nothing else. */
	if (in_fd != 3) {
		if (out_fd == 3) {
			out_fd = fcntl(out_fd, F_DUPFD_CLOEXEC, 10);
			if (out_fd < 0)
				_exit(127);
		}
		if (dup2(in_fd, 3) < 0)
			_exit(127);
	}
	if (out_fd != 4 && dup2(out_fd, 4) < 0)
		_exit(127);
	close_range(5, ~0U, 0);
#ifdef FT_UNDER_ASAN
	/* stderr goes to /dev/null below: keep sanitizer reports visible to
	 * tests (FOLIOTRACE_DECODER_SAN_LOG=PREFIX writes PREFIX.<pid>). */
	if (getenv("FOLIOTRACE_DECODER_SAN_LOG"))
		__sanitizer_set_report_path(getenv("FOLIOTRACE_DECODER_SAN_LOG"));
#endif
	null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		if (!getenv("FOLIOTRACE_DECODER_STDERR"))
			dup2(null, 2);
		dup2(null, 1);
		if (null > 4)
			close(null);
	}
	rl.rlim_cur = rl.rlim_max = 0;
	setrlimit(RLIMIT_CORE, &rl);
#ifndef FT_UNDER_ASAN
	if (lim->mem_bytes) {
		rl.rlim_cur = rl.rlim_max = lim->mem_bytes;
		setrlimit(RLIMIT_AS, &rl);
	}
#endif
	if (lim->cpu_seconds) {
		rl.rlim_cur = lim->cpu_seconds;
		rl.rlim_max = lim->cpu_seconds + 2;
		setrlimit(RLIMIT_CPU, &rl);
	}
	signal(SIGPIPE, SIG_DFL);
	_exit(fn(arg, 3, 4) & 0xff);
}

int sandbox_start(struct sandbox *sb, const struct sandbox_limits *lim,
		  sandbox_fn fn, void *arg, int in_fd, struct ft_err *e)
{
	pid_t parent = getpid();
	int p[2];

	memset(sb, 0, sizeof(*sb));
	sb->fd = -1;
	sb->lim = *lim;
	if (pipe2(p, O_CLOEXEC) < 0)
		return ft_error(e, -errno, "cannot create a pipe: %s", strerror(errno));
	fflush(NULL);
	sb->pid = fork();
	if (sb->pid < 0) {
		int err = errno;

		close(p[0]);
		close(p[1]);
		return ft_error(e, -err, "cannot start the decoder process: %s", strerror(err));
	}
	if (sb->pid == 0) {
		close(p[0]);
		child(lim, fn, arg, in_fd, p[1], parent);
	}
	close(p[1]);
	/* Bigger pipe: fewer context switches between decoder and loader. */
	fcntl(p[0], F_SETPIPE_SZ, 1 << 20);
	sb->fd = p[0];
	return 0;
}

int sandbox_finish(struct sandbox *sb)
{
	int status = 0;

	if (sb->fd >= 0) {
		close(sb->fd);
		sb->fd = -1;
	}
	if (sb->pid > 0) {
		while (waitpid(sb->pid, &status, 0) < 0 && errno == EINTR)
			;
		sb->pid = 0;
	}
	return status;
}

void sandbox_kill(struct sandbox *sb)
{
	if (sb->pid > 0)
		kill(sb->pid, SIGKILL);
	sandbox_finish(sb);
}

const char *sandbox_describe(const struct sandbox *sb, int status, char *buf,
			     size_t n)
{
	if (WIFEXITED(status)) {
		if (WEXITSTATUS(status) == 0)
			return NULL;
		snprintf(buf, n, "decoder failed (exit status %d)", WEXITSTATUS(status));
		return buf;
	}
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);

		if (sig == SIGXCPU || (sig == SIGKILL && sb->lim.cpu_seconds))
			snprintf(buf, n, "decoder %s (%s; CPU time limit %u s)",
				 sig == SIGXCPU ? "exceeded its CPU time limit" : "was killed",
				 sigabbrev_np(sig) ? sigabbrev_np(sig) : "?", sb->lim.cpu_seconds);
		else
			snprintf(buf, n, "decoder crashed (SIG%s)",
				 sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
		return buf;
	}
	snprintf(buf, n, "decoder ended abnormally (status 0x%x)", status);
	return buf;
}
