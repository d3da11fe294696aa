/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * escape.c - a stand-in for an exploit of the trace libraries, for
 * tests/t9006-sandbox.sh.  LD_PRELOADed into foliotrace; it wraps
 * tracecmd_alloc_fd(), which only the decoder calls (after its sandbox is
 * set up), and there tries the escape FT_ESCAPE names before decoding on:
 *
 *   shadow  read /etc/shadow           create  create a file in /tmp
 *   tcp     connect to 127.0.0.1:PORT  db      open the temporary database
 *   mem     open /proc/IMPORTER/mem    fork    leave a process behind that
 *   setuid  become root again                  rewrites the database later
 *   kill    kill the importer          ptrace  attach to the importer
 *   exec    run /bin/sh                spin    burn CPU forever
 *   none    nothing
 *
 * One line per attempt on stderr (the test sets FOLIOTRACE_DECODER_STDERR=1
 * and reads it through a pipe): "escape NAME: blocked (ERRNO)" or
 * "escape NAME: ESCAPED ...".  Under the seccomp filter the attempt kills
 * the decoder before any line.  The importer's pid and the paths are read
 * in the constructor: the decoder's environment is empty.
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <unistd.h>

struct tracecmd_input;
typedef struct tracecmd_input *(*alloc_fd_fn)(int fd, int flags);

static alloc_fd_fn real_alloc_fd;
static char which[32], db[4096], tmpdb[4200], marker[256];
static pid_t importer;
static int port;

__attribute__((constructor)) static void init(void)
{
	const char *s;

	real_alloc_fd = (alloc_fd_fn)dlsym(RTLD_NEXT, "tracecmd_alloc_fd");
	importer = getpid();
	if ((s = getenv("FT_ESCAPE")))
		snprintf(which, sizeof(which), "%s", s);
	if ((s = getenv("FT_ESCAPE_DB"))) {
		snprintf(db, sizeof(db), "%s", s);
		snprintf(tmpdb, sizeof(tmpdb), "%s.tmp-%d", s, (int)importer);
	}
	if ((s = getenv("FT_ESCAPE_MARKER")))
		snprintf(marker, sizeof(marker), "%s", s);
	if ((s = getenv("FT_ESCAPE_PORT")))
		port = atoi(s);
}

static void say(const char *name, int ok, int err)
{
	char line[512];
	int n;

	if (ok)
		n = snprintf(line, sizeof(line), "escape %s: ESCAPED\n", name);
	else
		n = snprintf(line, sizeof(line), "escape %s: blocked (%s)\n", name,
			     strerrorname_np(err) ? strerrorname_np(err) : "?");
	if (write(2, line, (size_t)n) < 0)
		return;
}

static void try_open(const char *name, const char *path, int flags)
{
	int fd = open(path, flags, 0644);

	say(name, fd >= 0, errno);
}

static void escape(void)
{
	char path[4400];

	if (!strcmp(which, "shadow")) {
		int fd = open("/etc/shadow", O_RDONLY);
		char c;
		int ok = fd >= 0 && read(fd, &c, 1) == 1;

		say("shadow", ok, errno);
	} else if (!strcmp(which, "create")) {
		snprintf(path, sizeof(path), "/tmp/ft-escape-%s", marker);
		try_open("create", path, O_WRONLY | O_CREAT | O_EXCL);
	} else if (!strcmp(which, "tcp")) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
		int s = socket(AF_INET, SOCK_STREAM, 0);

		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		int r = s < 0 ? -1 : connect(s, (struct sockaddr *)&a, sizeof(a));

		say("tcp", r == 0, errno);
	} else if (!strcmp(which, "db")) {
		try_open("db", tmpdb, O_RDWR);
	} else if (!strcmp(which, "mem")) {
		snprintf(path, sizeof(path), "/proc/%d/mem", (int)importer);
		try_open("mem", path, O_RDWR);
	} else if (!strcmp(which, "fork")) {
		pid_t p = fork();
		int err = errno;

		if (p == 0) {
			/* Outlive the import, then rewrite the analysed database. */
			setsid();
			sleep(3);
			int fd = open(db, O_WRONLY);

			if (fd >= 0 && write(fd, "escaped!", 8) == 8)
				say("fork-late-write", 1, 0);
			_exit(0);
		}
		say("fork", p > 0, err);
	} else if (!strcmp(which, "setuid")) {
		int r = setresuid(0, 0, 0);

		say("setuid", r == 0 && geteuid() == 0, r == 0 ? EPERM : errno);
	} else if (!strcmp(which, "kill")) {
		int r = kill(importer, SIGKILL);

		say("kill", r == 0, errno);
	} else if (!strcmp(which, "ptrace")) {
		long r = ptrace(PTRACE_ATTACH, importer, NULL, NULL);

		say("ptrace", r == 0, errno);
	} else if (!strcmp(which, "exec")) {
		char *argv[] = { "sh", "-c", "echo escape exec: ESCAPED >&2", NULL };

		execv("/bin/sh", argv);
		say("exec", 0, errno);
	} else if (!strcmp(which, "spin")) {
		for (volatile unsigned long x = 0;; x++)
			;
	}
}

struct tracecmd_input *tracecmd_alloc_fd(int fd, int flags);
struct tracecmd_input *tracecmd_alloc_fd(int fd, int flags)
{
	static int done;

	if (!done) {
		done = 1;
		escape();
	}
	return real_alloc_fd ? real_alloc_fd(fd, flags) : NULL;
}
