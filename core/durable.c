/* SPDX-License-Identifier: GPL-2.0-or-later */
/* durable.c - see durable.h: the one output discipline. */
#include "durable.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

volatile sig_atomic_t durable_interrupted;

/* SQLite's side files of a database, and where commit moves them aside. */
static const char *const sides[] = { "-journal", "-wal", "-shm" };
#define NSIDES 3

/* --- temps that a signal removes ------------------------------------------ */

#define REG_SLOTS 8
#define REG_NAMES 5	/* the temp, its three SQLite side files, the lock file */
static char *volatile reg[REG_SLOTS * REG_NAMES];

void durable_unlink_temps(void)
{
	for (int i = 0; i < REG_SLOTS * REG_NAMES; i++) {
		char *p = reg[i];

		if (p)
			unlink(p);
	}
}

static void reg_add(struct durable_out *o)
{
	for (int s = 0; s < REG_SLOTS; s++) {
		char *names[REG_NAMES] = { NULL };

		if (reg[s * REG_NAMES])
			continue;
		names[0] = strdup(o->tmp);
		for (int i = 0; (o->flags & DURABLE_SQLITE) && i < NSIDES; i++)
			if (asprintf(&names[i + 1], "%s%s", o->tmp, sides[i]) < 0)
				names[i + 1] = NULL;
		/* unlinked before the process ends and so unlocks: see lock_out() */
		names[NSIDES + 1] = o->lock_path ? strdup(o->lock_path) : NULL;
		/* the side files first: the temp's slot marks the slot as taken */
		for (int i = REG_NAMES - 1; i >= 0; i--)
			reg[s * REG_NAMES + i] = names[i];
		o->slot = s;
		return;
	}
}

static void reg_remove(struct durable_out *o)
{
	if (o->slot < 0)
		return;
	for (int i = 0; i < REG_NAMES; i++) {
		char *p = reg[o->slot * REG_NAMES + i];

		reg[o->slot * REG_NAMES + i] = NULL;
		free(p);
	}
	o->slot = -1;
}

static void on_signal(int sig)
{
	durable_interrupted = 1;
	durable_unlink_temps();
	signal(sig, SIG_DFL);
	raise(sig);
}

void durable_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGINT);
	sigaddset(&sa.sa_mask, SIGTERM);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* --- small helpers ----------------------------------------------------------- */

int durable_fsync(const char *path, int is_dir)
{
	int fd = open(path, (is_dir ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* The directory and the last component of path (both allocated). */
static int split_path(const char *path, char **dir, char **base)
{
	char *a = strdup(path), *b = strdup(path);

	*dir = *base = NULL;
	if (!a || !b) {
		free(a);
		free(b);
		return -ENOMEM;
	}
	*dir = strdup(dirname(a));
	*base = strdup(basename(b));
	free(a);
	free(b);
	if (!*dir || !*base) {
		free(*dir);
		free(*base);
		*dir = *base = NULL;
		return -ENOMEM;
	}
	return 0;
}

static int fsync_dir_of(const char *path)
{
	char *dir, *base;
	int ret = split_path(path, &dir, &base);

	if (ret == 0)
		ret = durable_fsync(dir, 1);
	free(dir);
	free(base);
	return ret;
}

static const char *kind_of(mode_t m)
{
	return S_ISDIR(m) ? "directory" : S_ISCHR(m) ? "character device" :
	       S_ISBLK(m) ? "block device" : S_ISFIFO(m) ? "FIFO" : S_ISSOCK(m) ? "socket" :
	       S_ISLNK(m) ? "symbolic link" : "special file";
}

int durable_same_target(const char *a, const char *b)
{
	struct stat sa, sb;
	char *da, *ba, *db, *bb;
	int same = 0;

	if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
		return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	if (split_path(a, &da, &ba) < 0)
		return !strcmp(a, b);
	if (split_path(b, &db, &bb) == 0) {
		same = !strcmp(ba, bb) && stat(da, &sa) == 0 && stat(db, &sb) == 0 &&
		       sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
		free(db);
		free(bb);
	}
	free(da);
	free(ba);
	return same;
}

/* OUT (its file st) is none of the inputs nor their SQLite side files. */
static int check_inputs(const struct durable_out *o, const struct stat *st,
			const char *const *inputs, struct ft_err *e)
{
	for (int i = 0; inputs && inputs[i]; i++) {
		for (int k = -1; k < NSIDES; k++) {
			char name[4200];
			struct stat in;

			snprintf(name, sizeof(name), "%s%s", inputs[i], k < 0 ? "" : sides[k]);
			if (stat(name, &in) == 0 && in.st_dev == st->st_dev && in.st_ino == st->st_ino)
				return ft_error(e, -EINVAL, "%s: is the input %s (same file): %s refuses "
						"to overwrite it", o->path, name, o->what);
		}
	}
	return 0;
}

/* /dev/stdout, /dev/fd/N, /proc/self/fd/N...: the descriptor, else -1. */
static int descriptor_link(const char *path)
{
	static const char *const pre[] = { "/dev/fd/", "/proc/self/fd/" };
	char *end;
	long n;

	if (!strcmp(path, "/dev/stdout"))
		return 1;
	if (!strcmp(path, "/dev/stderr"))
		return 2;
	for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++) {
		size_t l = strlen(pre[i]);

		if (!strncmp(path, pre[i], l) && isdigit((unsigned char)path[l])) {
			n = strtol(path + l, &end, 10);
			if (!*end && n >= 0 && n < 1 << 20 && fcntl((int)n, F_GETFD) >= 0)
				return (int)n;
		}
	}
	return -1;
}

/* Whether a process holds a POSIX lock in [start, start + len) of path. */
static int locked(const char *path, off_t start, off_t len)
{
	struct flock fl;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return 0;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = start;
	fl.l_len = len;
	if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
		ret = 1;
	close(fd);
	return ret;
}

/*
 * OUT's SQLite side files: which exist (bit i: sides[i]); refused without
 * -f, or when SQLite's locks say the database is open (its lock bytes at
 * 1 GiB in OUT, the WAL and DMS locks at 120..128 of OUT-shm).
 */
static int check_sides(const struct durable_out *o, unsigned *present, struct ft_err *e)
{
	struct stat st;

	*present = 0;
	for (int i = 0; i < NSIDES; i++) {
		char name[4200];

		snprintf(name, sizeof(name), "%s%s", o->path, sides[i]);
		if (lstat(name, &st) < 0)
			continue;
		if (!S_ISREG(st.st_mode))
			return ft_error(e, -EINVAL, "%s: is a %s beside %s: %s does not touch it",
					name, kind_of(st.st_mode), o->path, o->what);
		if (!(o->flags & DURABLE_FORCE))
			return ft_error(e, -EEXIST, "%s: left by an earlier database at this path; "
					"it would be applied to the new one (use -f to remove it)", name);
		*present |= 1u << i;
	}
	if (*present) {
		char shm[4200];

		snprintf(shm, sizeof(shm), "%s-shm", o->path);
		if (locked(o->path, 0x40000000, 512) || locked(shm, 120, 9))
			return ft_error(e, -EBUSY, "%s: open in another process (its SQLite locks "
					"are held): not replaced", o->path);
	}
	return 0;
}

/* --- the lock ------------------------------------------------------------------ */

static int lock_out(struct durable_out *o, struct ft_err *e)
{
	if (asprintf(&o->lock_path, "%s.foliotrace-lock", o->path) < 0) {
		o->lock_path = NULL;
		return ft_error(e, -ENOMEM, "out of memory");
	}
	for (int tries = 0; tries < 100; tries++) {
		struct stat a, b;
		char buf[32];
		int fd = open(o->lock_path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);

		if (fd < 0)
			return ft_error(e, -errno, "%s: cannot create: %s", o->lock_path,
					strerror(errno));
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			int err = errno;
			ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
			long pid = 0;

			if (n > 0) {
				buf[n] = '\0';
				pid = strtol(buf, NULL, 10);
			}
			close(fd);
			if (err != EWOULDBLOCK)
				return ft_error(e, -err, "%s: cannot lock: %s", o->lock_path,
						strerror(err));
			if (pid > 0)
				return ft_error(e, -EBUSY, "%s: another foliotrace (pid %ld) is "
						"writing it: not touched", o->path, pid);
			return ft_error(e, -EBUSY, "%s: another foliotrace is writing it: "
					"not touched", o->path);
		}
		/* The file we locked must still be the one at the name. */
		if (fstat(fd, &a) == 0 && lstat(o->lock_path, &b) == 0 && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino) {
			int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());

			if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
				/* only the message of a second run loses the pid */
			}
			o->lock_fd = fd;
			return 0;
		}
		close(fd);
	}
	return ft_error(e, -EBUSY, "%s: cannot take the lock %s", o->path, o->lock_path);
}

static void unlock_out(struct durable_out *o)
{
	if (o->lock_fd >= 0) {
		unlink(o->lock_path);	/* before the unlock: see lock_out() */
		close(o->lock_fd);
		o->lock_fd = -1;
	}
	free(o->lock_path);
	o->lock_path = NULL;
}

/* --- stale temps ------------------------------------------------------------------ */

/* rest follows OUT's name: ".tmp-PID[side]" or ".cpuN.tmp-PID"; the pid or 0. */
static long temp_pid(const char *rest)
{
	static const char *const tails[] = {
		"", "-journal", "-wal", "-shm", ".old-journal", ".old-wal", ".old-shm",
	};
	const char *p = rest;
	char *end;
	long pid;

	if (!strncmp(p, ".cpu", 4) && isdigit((unsigned char)p[4])) {
		for (p += 4; isdigit((unsigned char)*p); p++)
			;
	}
	if (strncmp(p, ".tmp-", 5) || !isdigit((unsigned char)p[5]))
		return 0;
	pid = strtol(p + 5, &end, 10);
	if (pid <= 0)
		return 0;
	for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++)
		if (!strcmp(end, tails[i]))
			return pid;
	return 0;
}

void durable_remove_stale(const char *output)
{
	char *dir, *base;
	struct dirent *de;
	size_t bl;
	DIR *d;

	if (split_path(output, &dir, &base) < 0)
		return;
	bl = strlen(base);
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		struct stat st;
		long pid;

		if (strncmp(de->d_name, base, bl))
			continue;
		pid = temp_pid(de->d_name + bl);
		if (pid <= 0 || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode))
			unlinkat(dirfd(d), de->d_name, 0);
	}
	if (d)
		closedir(d);
	free(dir);
	free(base);
}

/* --- begin, commit, abort ----------------------------------------------------- */

static int open_direct(struct durable_out *o, const struct stat *st, int fd,
		       const char *const *inputs, struct ft_err *e)
{
	int ret = check_inputs(o, st, inputs, e);

	if (ret < 0)
		return ret;
	if (fd < 0) {
		fd = open(o->path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
		if (fd < 0)
			return ft_error(e, -errno, "%s: cannot open: %s", o->path, strerror(errno));
		o->close_fd = 1;
	}
	o->fd = fd;
	o->direct = 1;
	return 0;
}

int durable_begin(struct durable_out *o, const char *path, unsigned flags, const char *what,
		  const char *const *inputs, struct ft_err *e)
{
	struct stat st;
	unsigned present;
	int ret, dfd;

	memset(o, 0, sizeof(*o));
	o->fd = o->lock_fd = o->slot = -1;
	o->flags = flags;
	o->what = what;
	o->path = strdup(path);
	if (!o->path)
		return ft_error(e, -ENOMEM, "out of memory");
	if ((flags & DURABLE_DIRECT) && !strcmp(path, "-")) {
		if (fstat(STDOUT_FILENO, &st) < 0)
			return ft_error(e, -errno, "standard output: %s", strerror(errno));
		ret = open_direct(o, &st, STDOUT_FILENO, inputs, e);
		goto out;
	}
	if (lstat(path, &st) == 0) {
		if (S_ISLNK(st.st_mode) && (flags & DURABLE_DIRECT) && stat(path, &st) == 0 &&
		    (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode) ||
		     ((dfd = descriptor_link(path)) >= 0 && S_ISREG(st.st_mode)))) {
			/* a device, a FIFO, or our own descriptor behind a link */
			dfd = descriptor_link(path);
			if (dfd >= 0 && fstat(dfd, &st) < 0)
				dfd = -1;
			ret = open_direct(o, &st, dfd, inputs, e);
			goto out;
		}
		if (S_ISLNK(st.st_mode)) {
			ret = ft_error(e, -EINVAL, "%s: is a symbolic link: not replaced (name the "
				       "file itself)", path);
			goto out;
		}
		if ((S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) && (flags & DURABLE_DIRECT)) {
			ret = open_direct(o, &st, -1, inputs, e);
			goto out;
		}
		if (!S_ISREG(st.st_mode)) {
			ret = ft_error(e, S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL,
				       "%s: is a %s, not a regular file: not replaced%s", path,
				       kind_of(st.st_mode), (flags & DURABLE_DIRECT) ? "" :
				       (flags & DURABLE_SQLITE) ? " (a database goes to a regular file)" :
				       "");
			goto out;
		}
		ret = check_inputs(o, &st, inputs, e);
		if (ret < 0)
			goto out;
		if (!(flags & DURABLE_FORCE)) {
			ret = ft_error(e, -EEXIST, "%s: already exists (use -f to replace it)", path);
			goto out;
		}
	} else if (errno != ENOENT) {
		ret = ft_error(e, -errno, "%s: %s", path, strerror(errno));
		goto out;
	}
	if ((flags & DURABLE_SQLITE) && (ret = check_sides(o, &present, e)) < 0)
		goto out;
	if ((ret = lock_out(o, e)) < 0)
		goto out;
	durable_remove_stale(path);
	if (asprintf(&o->tmp, "%s.tmp-%d", path, (int)getpid()) < 0) {
		o->tmp = NULL;
		ret = ft_error(e, -ENOMEM, "out of memory");
		goto out;
	}
	/* A file with our pid in its name is a dead process's: we hold OUT's lock. */
	unlink(o->tmp);
	for (int i = 0; (flags & DURABLE_SQLITE) && i < NSIDES; i++) {
		char name[4200];

		snprintf(name, sizeof(name), "%s%s", o->tmp, sides[i]);
		unlink(name);
	}
	reg_add(o);
	if (!(flags & DURABLE_SQLITE)) {
		o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
		if (o->fd < 0) {
			ret = ft_error(e, -errno, "%s: cannot create: %s", path, strerror(errno));
			goto out;
		}
		o->close_fd = 1;
	}
	ret = 0;
out:
	if (ret < 0)
		durable_abort(o);
	return ret;
}

static void test_pause(const struct durable_out *o)
{
	const char *v = getenv("FOLIOTRACE_TEST_PAUSE_BEFORE_COMMIT");
	double secs = v ? strtod(v, NULL) : 0, left;
	struct timespec t0, t;

	if (!(secs > 0))
		return;
	fprintf(stderr, "foliotrace: test pause before committing %s\n", o->path);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (left = secs; left > 0 && !durable_interrupted;) {
		struct timespec d = { 0, (long)((left > 0.05 ? 0.05 : left) * 1e9) };

		nanosleep(&d, NULL);
		clock_gettime(CLOCK_MONOTONIC, &t);
		left = secs - ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9);
	}
}

/* Renames tmp to OUT without replacing anything (RENAME_NOREPLACE or link). */
static int rename_noreplace(const char *tmp, const char *path)
{
	struct stat st;

	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
		return -errno;
	/* a filesystem without RENAME_NOREPLACE: link(2) refuses an existing name too */
	if (link(tmp, path) == 0) {
		unlink(tmp);
		return 0;
	}
	if (errno == EEXIST)
		return -EEXIST;
	if (lstat(path, &st) == 0)
		return -EEXIST;
	return rename(tmp, path) < 0 ? -errno : 0;
}

int durable_commit(struct durable_out *o, struct ft_err *e)
{
	char aside[NSIDES][4200], side[NSIDES][4200];
	unsigned present = 0, moved = 0;
	struct stat st;
	int ret = 0;

	if (o->direct) {
		if (o->close_fd && o->fd >= 0 && close(o->fd) < 0)
			ret = ft_error(e, -errno, "%s: write error: %s", o->path, strerror(errno));
		o->fd = -1;
		durable_abort(o);
		return ret;
	}
	if (!o->tmp)
		return ft_error(e, -EINVAL, "%s: nothing to commit", o->path ? o->path : "output");
	test_pause(o);
	if (durable_interrupted) {
		ret = ft_error(e, -EINTR, "%s: interrupted; nothing written", o->path);
		goto fail;
	}
	ret = o->fd >= 0 ? (fsync(o->fd) < 0 ? -errno : 0) : durable_fsync(o->tmp, 0);
	if (ret < 0) {
		ft_error(e, ret, "%s: fsync: %s (nothing written)", o->path, strerror(-ret));
		goto fail;
	}
	if (o->close_fd && o->fd >= 0) {
		int c = close(o->fd);

		o->fd = -1;
		if (c < 0) {
			ret = ft_error(e, -errno, "%s: write error: %s (nothing written)", o->path,
				       strerror(errno));
			goto fail;
		}
	}
	/* OUT may have changed while we wrote: the same rules again. */
	if (lstat(o->path, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			ret = ft_error(e, -EINVAL, "%s: became a %s while we wrote: not replaced "
				       "(nothing written)", o->path, kind_of(st.st_mode));
			goto fail;
		}
		if (!(o->flags & DURABLE_FORCE)) {
			ret = ft_error(e, -EEXIST, "%s: created by someone else while we wrote: "
				       "not replaced (use -f to replace it)", o->path);
			goto fail;
		}
	}
	if (o->flags & DURABLE_SQLITE) {
		ret = check_sides(o, &present, e);
		if (ret < 0)
			goto fail;
		for (int i = 0; i < NSIDES; i++) {
			snprintf(side[i], sizeof(side[i]), "%s%s", o->path, sides[i]);
			snprintf(aside[i], sizeof(aside[i]), "%s.old%s", o->tmp, sides[i]);
			if (!(present & (1u << i)))
				continue;
			if (rename(side[i], aside[i]) < 0 && errno != ENOENT) {
				ret = ft_error(e, -errno, "%s: cannot remove: %s (nothing written)",
					       side[i], strerror(errno));
				goto put_back;
			}
			moved |= 1u << i;
		}
	}
	if (o->flags & DURABLE_FORCE)
		ret = rename(o->tmp, o->path) < 0 ? -errno : 0;
	else
		ret = rename_noreplace(o->tmp, o->path);
	if (ret == -EEXIST) {
		ret = ft_error(e, ret, "%s: created by someone else while we wrote: not replaced "
			       "(use -f to replace it)", o->path);
		goto put_back;
	}
	if (ret < 0) {
		ft_error(e, ret, "%s: cannot rename into place: %s (nothing written)", o->path,
			 strerror(-ret));
		goto put_back;
	}
	for (int i = 0; i < NSIDES; i++)
		if (moved & (1u << i))
			unlink(aside[i]);
	fsync_dir_of(o->path);
	reg_remove(o);
	free(o->tmp);
	o->tmp = NULL;
	durable_abort(o);
	return 0;
put_back:
	for (int i = 0; i < NSIDES; i++)
		if (moved & (1u << i))
			rename(aside[i], side[i]);
fail:
	durable_abort(o);
	return ret;
}

void durable_abort(struct durable_out *o)
{
	if (!o->path)
		return;		/* never begun (a zeroed struct), or done */
	if (o->close_fd && o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	if (o->tmp) {
		unlink(o->tmp);
		for (int i = 0; (o->flags & DURABLE_SQLITE) && i < NSIDES; i++) {
			char name[4200];

			snprintf(name, sizeof(name), "%s%s", o->tmp, sides[i]);
			unlink(name);
		}
		free(o->tmp);
		o->tmp = NULL;
	}
	reg_remove(o);
	unlock_out(o);
	free(o->path);
	o->path = NULL;
}
