/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "durable.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

void durable_remove_stale(const char *output)
{
	static const char *const forms[] = { "%s.tmp-*", "%s.*.tmp-*" };

	for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
		char *pattern = NULL;
		glob_t g;

		if (asprintf(&pattern, forms[f], output) < 0)
			continue;
		if (glob(pattern, GLOB_NOSORT, NULL, &g) == 0) {
			for (size_t i = 0; i < g.gl_pathc; i++) {
				/* NAME.tmp-PID, maybe with SQLite's -wal, -shm, -journal */
				const char *p = strstr(g.gl_pathv[i] + strlen(output), ".tmp-");
				char *end = NULL;
				long pid = p ? strtol(p + 5, &end, 10) : 0;

				if (pid > 0 && (!*end || *end == '-') && kill((pid_t)pid, 0) < 0 &&
				    errno == ESRCH)
					unlink(g.gl_pathv[i]);
			}
			globfree(&g);
		}
		free(pattern);
	}
}
