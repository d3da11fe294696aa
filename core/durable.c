/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "durable.h"

#include <errno.h>
#include <fcntl.h>
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
