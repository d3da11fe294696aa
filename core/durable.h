/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * durable.h - the one output discipline of every command that writes a
 * file: import and record (databases, record's --dat file), report
 * (HTML/Markdown) and export (Perfetto JSON, CSV).  analyze changes its
 * database in place, in SQLite transactions (its own journal), and does
 * not come here.
 *
 * Rules (docs/ARCHITECTURE.md, "Complete or absent"):
 *
 *  - OUT is checked with lstat before any work.  A regular file is
 *    replaced only with -f ("OUT: already exists (use -f to replace it)").
 *    Anything else is never renamed over: a document (report, export) is
 *    written straight into a character device or a FIFO (also through a
 *    /dev/fd, /dev/std*, /proc/self/fd link, and "-" is standard output);
 *    a directory, block device, socket or other symbolic link is refused,
 *    and a database or --dat file is refused unless OUT is a regular file
 *    or absent.
 *  - OUT must not be an input (same device and inode, or one of the
 *    input database's -journal, -wal, -shm): refused, naming both.
 *  - A per-OUT lock, flock(2) on "OUT.foliotrace-lock", is held from the
 *    start to the rename: a second run writing the same OUT fails at once
 *    with a message naming the first run's pid, whatever -f says.  (A lock
 *    on the directory would serialise unrelated outputs; OUT itself cannot
 *    be locked: it may not exist, and the rename replaces its inode.)  The
 *    lock file is removed by its holder; a killed holder's file is reused.
 *  - The work goes to "OUT.tmp-PID" in OUT's directory.  SIGINT/SIGTERM
 *    remove it (durable_signals(), or the command's own handler calling
 *    durable_unlink_temps()); temps of dead processes are removed by the
 *    next run by exact name (readdir of the directory, names compared: the
 *    user's path is never expanded as a pattern).
 *  - A database's side files (OUT-journal, OUT-wal, OUT-shm) would be
 *    applied to the new file by the next open.  Without -f they are
 *    refused; with -f they are refused when a process holds SQLite's locks
 *    on OUT or OUT-shm (the database is open), else moved aside under the
 *    lock before the rename and removed after it (put back if it fails).
 *  - Commit: fsync(temp), rename (renameat2 RENAME_NOREPLACE without -f:
 *    an OUT created meanwhile by anyone is never replaced), fsync(dir).
 */
#ifndef FT_DURABLE_H
#define FT_DURABLE_H

#include <signal.h>

#include "err.h"

enum durable_flags {
	DURABLE_FORCE	= 1 << 0,	/* -f: a regular OUT may be replaced */
	DURABLE_DIRECT	= 1 << 1,	/* document: may write into a char device, FIFO, "-" */
	DURABLE_SQLITE	= 1 << 2,	/* a database: side files; the caller creates the temp */
};

struct durable_out {
	char *path;		/* OUT as given */
	char *tmp;		/* "OUT.tmp-PID"; NULL when direct */
	const char *what;	/* "import", "report", ...: for messages */
	int fd;			/* document: the temp or the direct target; else -1 */
	int direct;		/* writing into a device, FIFO or stdout: no rename */
	int close_fd;		/* durable_* closes fd (else its FILE does) */
	int lock_fd;
	char *lock_path;
	unsigned flags;
	int slot;		/* in the signal registry, -1 if none */
};

/* Set by durable_signals()' handler or by a command's own (import). */
extern volatile sig_atomic_t durable_interrupted;

/*
 * Plans OUT: the checks above, the lock, the sweep of dead runs' temps,
 * and (not DURABLE_SQLITE) the temp file, open in o->fd.  inputs: paths
 * OUT must not be (NULL-terminated, may be NULL).  0 or -errno with *e.
 */
int durable_begin(struct durable_out *o, const char *path, unsigned flags, const char *what,
		  const char *const *inputs, struct ft_err *e);

/*
 * Makes the finished temp OUT: checks again, fsync, side files, rename,
 * fsync of the directory, unlock.  The caller has closed its database (or
 * flushed the FILE on o->fd).  On failure the temp is removed and OUT is as
 * it was.  0 or -errno with *e.
 */
int durable_commit(struct durable_out *o, struct ft_err *e);

/* Removes the temp (and its SQLite side files) and unlocks; idempotent,
 * and a no-op on a zeroed struct (one never begun). */
void durable_abort(struct durable_out *o);

/* SIGINT and SIGTERM remove the registered temps, then end the process by
 * the same signal (for commands without a handler of their own). */
void durable_signals(void);

/* Async-signal-safe: unlinks every registered temp now. */
void durable_unlink_temps(void);

/* 1 when a and b name the same file or the same new name (dir + base). */
int durable_same_target(const char *a, const char *b);

/* fsync(2) of a file (is_dir = 0) or a directory; 0 or -errno. */
int durable_fsync(const char *path, int is_dir);

/*
 * Removes "OUT.tmp-PID" (also with -journal, -wal, -shm, .old-journal,
 * .old-wal, .old-shm) and "OUT.cpuN.tmp-PID" whose process no longer
 * exists, by exact name.
 */
void durable_remove_stale(const char *output);

/*
 * Test hook (tests/README.md, t1006): with FOLIOTRACE_TEST_PAUSE_BEFORE_COMMIT=S
 * in the environment, durable_commit() prints "foliotrace: test pause before
 * committing OUT" to stderr and waits up to S seconds (less when a signal
 * arrives) before it renames.  Nothing else changes.
 */

#endif
