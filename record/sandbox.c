/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
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
#define FT_RELAXED 1	/* see sandbox.h: what ASan needs */
#else
#define FT_RELAXED 0
#endif

static int move_fd(int *fd, int want, int **others, int n)
{
	for (int i = 0; i < n; i++)
		if (*others[i] == want) {
			int d = fcntl(want, F_DUPFD_CLOEXEC, 10);

			if (d < 0)
				return -1;
			*others[i] = d;
		}
	if (*fd != want && dup2(*fd, want) < 0)
		return -1;
	*fd = want;
	return 0;
}

/* The tmpfs that becomes the root directory: empty, read-only. */
static int empty_root(void)
{
	/* pivot_root(".", ".") rather than chroot: a chrooted process may
	 * not create a user namespace (the root step comes before it). */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("foliotrace-sandbox", "/tmp", "tmpfs",
		  MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0555") < 0 ||
	    chdir("/tmp") < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
	    umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		return -1;
	return 0;
}

static void try_ns(int flag, int bit, int *refused)
{
	if (unshare(flag) < 0)
		*refused |= bit;
	else if (flag == CLONE_NEWNS && !FT_RELAXED && empty_root() < 0)
		*refused |= bit;
}

static int drop_uid(void)
{
	const uid_t nobody = 65534;

	if (setgroups(0, NULL) < 0 || setresgid(nobody, nobody, nobody) < 0 ||
	    setresuid(nobody, nobody, nobody) < 0)
		return -1;
	return getuid() == nobody && geteuid() == nobody ? 0 : -1;
}

static int drop_caps(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	return (int)syscall(SYS_capset, &h, d);
}

#ifndef FT_UNDER_ASAN
/* Step 8 of sandbox.h: default KILL_PROCESS; mode "log" logs instead. */
static int load_filter(int log_only)
{
	static const int allow[] = {
		SCMP_SYS(read), SCMP_SYS(lseek), SCMP_SYS(dup), SCMP_SYS(close),
		SCMP_SYS(brk), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap),
		SCMP_SYS(madvise), SCMP_SYS(mprotect), SCMP_SYS(sysinfo),
		SCMP_SYS(exit), SCMP_SYS(exit_group),
	};
	static const int enoent[] = { SCMP_SYS(readlink), SCMP_SYS(unlink) };
	static const int wfds[] = { 1, 2, 4 };
	scmp_filter_ctx ctx = seccomp_init(log_only ? SCMP_ACT_LOG : SCMP_ACT_KILL_PROCESS);
	int rc = 0;

	if (!ctx)
		return -1;
	rc |= seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	for (size_t i = 0; i < sizeof(allow) / sizeof(allow[0]); i++)
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allow[i], 0);
	for (size_t i = 0; i < sizeof(enoent) / sizeof(enoent[0]); i++)
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOENT), enoent[i], 0);
	for (size_t i = 0; i < sizeof(wfds) / sizeof(wfds[0]); i++)
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1,
				       SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)wfds[i]));
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	return rc == 0 ? 0 : -1;
}
#endif

static void set_limit(int res, rlim_t cur, rlim_t max)
{
	struct rlimit rl = { cur, max };

	setrlimit(res, &rl);
}

/* The decoder: steps 6-9 of sandbox.h. */
static __attribute__((noreturn)) void decoder(const struct sandbox_limits *lim, sandbox_fn fn,
					      void *arg, pid_t warden, const char *filter)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != warden && getppid() != 0) /* 0: init of a PID namespace */
		_exit(127);
	drop_caps();
#ifndef FT_UNDER_ASAN
	if (lim->mem_bytes)
		set_limit(RLIMIT_AS, lim->mem_bytes, lim->mem_bytes);
	set_limit(RLIMIT_FSIZE, 0, 0);
#endif
	if (lim->cpu_seconds)
		set_limit(RLIMIT_CPU, lim->cpu_seconds, lim->cpu_seconds + 2);
	set_limit(RLIMIT_NOFILE, 80, 80);
	set_limit(RLIMIT_NPROC, 0, 0);
	/* glibc gives stdout its buffer at the first output, after a fstat
	 * and an ioctl the filter forbids (libtracecmd prints there on some
	 * corrupt files): give it now. */
	setvbuf(stdout, NULL, _IOFBF, BUFSIZ);
#ifndef FT_UNDER_ASAN
	if (!filter || strcmp(filter, "off")) {
		if (load_filter(filter && !strcmp(filter, "log")) < 0)
			_exit(126);
	}
#else
	(void)filter;
#endif
	_exit(fn(arg, 3, 4) & 0xff);
}

/* The warden: steps 1-5 of sandbox.h.  rep is the report pipe's write end. */
static __attribute__((noreturn)) void warden(const struct sandbox_limits *lim, sandbox_fn fn,
					     void *arg, int in_fd, int out_fd, int rep,
					     pid_t parent)
{
	int *others_in[] = { &out_fd, &rep }, *others_out[] = { &in_fd, &rep },
	    *others_rep[] = { &in_fd, &out_fd };
	int refused = 0, null, status, root = geteuid() == 0;
	const char *filter;
	sigset_t all;
	char msg[32];
	pid_t dec, me;

	setpgid(0, 0);
	/* The importer's handlers (SIGINT, SIGTERM, ...) are not ours; the
	 * fault signals keep theirs (a sanitizer's report). */
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP && s != SIGSEGV && s != SIGBUS &&
		    s != SIGFPE && s != SIGILL && s != SIGABRT && s != SIGTRAP)
			signal(s, SIG_DFL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	/* fds: 3 = input, 4 = output, 5 = report, nothing else. */
	if (move_fd(&in_fd, 3, others_in, 2) < 0 || move_fd(&out_fd, 4, others_out, 2) < 0 ||
	    move_fd(&rep, 5, others_rep, 2) < 0)
		_exit(127);
	close_range(6, ~0U, 0);
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
		if (null > 5)
			close(null);
	}
	filter = getenv("FOLIOTRACE_SANDBOX_SECCOMP");
	filter = !filter ? NULL : !strcmp(filter, "log") ? "log" : !strcmp(filter, "off") ? "off" : NULL;
	clearenv();
	set_limit(RLIMIT_CORE, 0, 0);
	/* Namespaces: as root with root's capabilities, then the uid drop,
	 * then a user namespace; otherwise the user namespace first. */
	if (!root)
		try_ns(CLONE_NEWUSER, SB_NS_USER, &refused);
	try_ns(CLONE_NEWNET, SB_NS_NET, &refused);
	try_ns(CLONE_NEWNS, SB_NS_MOUNT, &refused);
	try_ns(CLONE_NEWIPC, SB_NS_IPC, &refused);
	try_ns(CLONE_NEWPID, SB_NS_PID, &refused);
	if (root) {
		/* Under ASan on purpose, not a refusal: not reported. */
		if (!FT_RELAXED && drop_uid() < 0)
			refused |= SB_UID_DROP;
		try_ns(CLONE_NEWUSER, SB_NS_USER, &refused);
	}
	if (filter)
		refused |= SB_SECCOMP;
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	/* The uid change cleared the parent-death signal. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	snprintf(msg, sizeof(msg), "%d\n", refused);
	if (write(5, msg, strlen(msg)) < 0)
		_exit(127);
	close(5);
	me = getpid();
	dec = fork();
	if (dec < 0)
		_exit(127);
	if (dec == 0)
		decoder(lim, fn, arg, me, filter);
	close(3);
	close(4);
	if (lim->wall_seconds)
		alarm(lim->wall_seconds);	/* SIGALRM ends the warden */
	while (waitpid(dec, &status, 0) < 0)
		if (errno != EINTR)
			_exit(127);
	if (WIFSIGNALED(status)) {
		/* The decoder's signal becomes ours. */
		kill(getpid(), WTERMSIG(status));
		_exit(128 + WTERMSIG(status));
	}
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 127);
}

int sandbox_start(struct sandbox *sb, const struct sandbox_limits *lim,
		  sandbox_fn fn, void *arg, int in_fd, struct ft_err *e)
{
	pid_t parent = getpid();
	int p[2], r[2], err;
	char msg[32];
	ssize_t k, got = 0;

	memset(sb, 0, sizeof(*sb));
	sb->fd = -1;
	sb->refused = -1;
	sb->lim = *lim;
	if (pipe2(p, O_CLOEXEC) < 0)
		return ft_error(e, -errno, "cannot create a pipe: %s", strerror(errno));
	if (pipe2(r, O_CLOEXEC) < 0) {
		err = errno;
		close(p[0]);
		close(p[1]);
		return ft_error(e, -err, "cannot create a pipe: %s", strerror(err));
	}
	/* Until sandbox_finish: no /proc/PID/mem or ptrace for our uid. */
	sb->was_dumpable = prctl(PR_GET_DUMPABLE);
	prctl(PR_SET_DUMPABLE, 0);
	fflush(NULL);
	sb->pid = fork();
	if (sb->pid < 0) {
		err = errno;
		close(p[0]);
		close(p[1]);
		close(r[0]);
		close(r[1]);
		if (sb->was_dumpable > 0)
			prctl(PR_SET_DUMPABLE, sb->was_dumpable);
		return ft_error(e, -err, "cannot start the decoder process: %s", strerror(err));
	}
	if (sb->pid == 0) {
		close(p[0]);
		close(r[0]);
		warden(lim, fn, arg, in_fd, p[1], r[1], parent);
	}
	setpgid(sb->pid, sb->pid);	/* as the warden does: no race */
	close(p[1]);
	close(r[1]);
	/* The warden's report: which parts the kernel refused. */
	while (got < (ssize_t)sizeof(msg) - 1 &&
	       ((k = read(r[0], msg + got, sizeof(msg) - 1 - (size_t)got)) > 0 ||
		(k < 0 && errno == EINTR)))
		got += k > 0 ? k : 0;
	msg[got] = '\0';
	close(r[0]);
	if (got > 0 && msg[got - 1] == '\n')
		sb->refused = atoi(msg);
	/* Bigger pipe: fewer context switches between decoder and loader. */
	fcntl(p[0], F_SETPIPE_SZ, 1 << 20);
	sb->fd = p[0];
	return 0;
}

int sandbox_finish(struct sandbox *sb)
{
	siginfo_t si;
	int status = 0;

	if (sb->fd >= 0) {
		close(sb->fd);
		sb->fd = -1;
	}
	if (sb->pid > 0) {
		/* Wait for the warden without reaping it, so that its pid (the
		 * group's id) cannot be reused; kill what is left of the group;
		 * then reap. */
		memset(&si, 0, sizeof(si));
		while (waitid(P_PID, (id_t)sb->pid, &si, WEXITED | WNOWAIT) < 0 && errno == EINTR)
			;
		kill(-sb->pid, SIGKILL);
		while (waitpid(sb->pid, &status, 0) < 0 && errno == EINTR)
			;
		sb->pid = 0;
		if (sb->was_dumpable > 0)
			prctl(PR_SET_DUMPABLE, sb->was_dumpable);
	}
	return status;
}

void sandbox_kill(struct sandbox *sb)
{
	if (sb->pid > 0)
		kill(-sb->pid, SIGKILL);
	sandbox_finish(sb);
}

const char *sandbox_refused_str(int refused, char *buf, size_t n)
{
	static const struct { int bit; const char *name; } parts[] = {
		{ SB_NS_USER, "user-namespace" }, { SB_NS_NET, "network-namespace" },
		{ SB_NS_MOUNT, "mount-namespace" }, { SB_NS_IPC, "ipc-namespace" },
		{ SB_NS_PID, "pid-namespace" }, { SB_UID_DROP, "uid-drop" },
		{ SB_SECCOMP, "seccomp" },
	};
	size_t len = 0;

	if (refused < 0)
		return NULL;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if ((refused & parts[i].bit) && len < n)
			len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? " " : "",
						parts[i].name);
	return buf;
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

		if (sig == SIGSYS)
			snprintf(buf, n, "decoder broke its sandbox (SIGSYS: a system call outside "
				 "its allowlist)");
		else if (sig == SIGALRM)
			snprintf(buf, n, "decoder exceeded its wall-clock time limit (%u s)",
				 sb->lim.wall_seconds);
		else if (sig == SIGXCPU || (sig == SIGKILL && sb->lim.cpu_seconds))
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
