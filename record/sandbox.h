/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sandbox.h - run a function in a confined child process, streaming its
 * output to the parent through a pipe.
 *
 * Used to decode hostile trace files.  The threat is not only a crash, an
 * endless loop or a runaway allocation in the decoder (ours or Debian's
 * libtraceevent/libtracecmd), but code injected through a memory bug of
 * those libraries.  Such code must not leave the decoder: it gets the
 * input to read, the pipe to write, memory, and exit.
 *
 * Terms: the importer is the calling process (it owns the database); the
 * warden is its child, which sets up the namespaces and waits; the decoder
 * is the warden's child, which runs fn.  Steps, in this order:
 *
 *  importer  PR_SET_DUMPABLE 0 until sandbox_finish() (nobody of its uid
 *            can open /proc/IMPORTER/mem or ptrace it); fork the warden.
 *  warden    1. setpgid(0, 0): the importer kills the whole group at the
 *               end (sandbox_finish, sandbox_kill) and on error.
 *            2. descriptors: 3 = input, 4 = pipe, 0-2 = /dev/null (2 the
 *               importer's stderr with FOLIOTRACE_DECODER_STDERR=1),
 *               nothing else; an empty environment (clearenv).
 *            3. namespaces, each on its own so a refusal is known: as root
 *               net, mount, IPC, PID with root's capabilities, then the
 *               drop to uid/gid 65534 (setgroups(0), setresgid,
 *               setresuid: no capability left), then user; as another
 *               user, user first (it grants the rest).  In the mount
 *               namespace an empty read-only tmpfs becomes the root
 *               directory (chroot): no path leads anywhere.
 *            4. PR_SET_NO_NEW_PRIVS; RLIMIT_CORE 0; PR_SET_PDEATHSIG
 *               SIGKILL (after the uid change, which clears it).
 *            5. fork the decoder (the PID namespace's init), close 3 and 4,
 *               alarm(wall_seconds) and wait; pass the decoder's end on as
 *               its own (same exit status or same signal).  The wall-clock
 *               limit ends the warden by SIGALRM; the decoder, as init of
 *               its PID namespace, dies with it.
 *  decoder   6. PR_SET_PDEATHSIG SIGKILL; drop the capabilities the user
 *               namespace granted (capset 0).
 *            7. rlimits: AS (mem_bytes), CPU (cpu_seconds; init of a PID
 *               namespace ignores SIGXCPU, so the hard limit's SIGKILL two
 *               seconds later ends it), FSIZE 0, NOFILE 80 (the input's
 *               dups per buffer instance), NPROC 0.
 *            8. the seccomp filter (libseccomp), default KILL_PROCESS:
 *               read, lseek, dup, close (the input and its dups);
 *               write on fd 4 (the pipe) and 1, 2 (/dev/null or the
 *               debugging stderr); brk, mmap, munmap, mremap, madvise,
 *               mprotect (malloc, zlib/zstd); sysinfo (glibc's qsort);
 *               exit, exit_group.  readlink and unlink fail with ENOENT:
 *               libtracecmd looks up /proc/self/exe when it opens a file
 *               and unlinks its (unused) temporary file when it closes.
 *            9. fn(arg, 3, 4); its return value is the exit status.
 *
 * A namespace the kernel refuses (user namespaces disabled, a container)
 * is skipped and recorded (sandbox.refused); the rest still applies.
 * Under ASan the decoder keeps its uid, its root directory, no FSIZE and no
 * seccomp filter: the sanitizer runtime writes its reports to files
 * (FOLIOTRACE_DECODER_SAN_LOG) and needs system calls of its own.
 * FOLIOTRACE_SANDBOX_SECCOMP=log logs instead of killing (to find the
 * system calls a new library version needs: dmesg/audit, type=SECCOMP);
 * =off leaves the filter out (tests show what the layers beneath do).
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
	unsigned wall_seconds;	/* wall-clock; 0 = no limit */
};

/* Which parts of the sandbox the kernel refused (bits of sandbox.refused;
 * what ASan builds leave out on purpose is not counted). */
enum {
	SB_NS_USER = 1 << 0,
	SB_NS_NET = 1 << 1,
	SB_NS_MOUNT = 1 << 2,	/* or its empty root directory */
	SB_NS_IPC = 1 << 3,
	SB_NS_PID = 1 << 4,
	SB_UID_DROP = 1 << 5,
	SB_SECCOMP = 1 << 6,	/* the filter did not load (off or refused) */
};

struct sandbox {
	pid_t pid;		/* the warden; also the process group */
	int fd;			/* read end of the output pipe */
	int refused;		/* SB_* bits; -1: the warden did not say */
	int was_dumpable;	/* the importer's PR_GET_DUMPABLE before */
	struct sandbox_limits lim;
};

/* fn runs in the decoder with in_fd = 3 and out_fd = 4; its return value
 * is the decoder's exit status. */
typedef int (*sandbox_fn)(void *arg, int in_fd, int out_fd);

int sandbox_start(struct sandbox *sb, const struct sandbox_limits *lim,
		  sandbox_fn fn, void *arg, int in_fd, struct ft_err *e);
/* Closes the pipe, kills what is left of the process group, reaps the
 * warden, makes the importer dumpable again; returns the wait status. */
int sandbox_finish(struct sandbox *sb);
/* Kills the process group (if running) and reaps it. */
void sandbox_kill(struct sandbox *sb);
/*
 * Describes an abnormal wait status, e.g. "decoder crashed (SIGSEGV)",
 * "decoder exceeded its CPU time limit (600 s)" or "decoder was stopped by
 * its sandbox (SIGSYS: ...)"; returns NULL for exit 0.
 */
const char *sandbox_describe(const struct sandbox *sb, int status, char *buf,
			     size_t n);
/* The refused parts as words ("user net"), "" when none; NULL if unknown. */
const char *sandbox_refused_str(int refused, char *buf, size_t n);

#endif
