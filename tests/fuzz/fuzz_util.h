/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_util.h - helpers shared by the libFuzzer harnesses. */
#ifndef FT_FUZZ_UTIL_H
#define FT_FUZZ_UTIL_H

#include <stdint.h>
#include <stddef.h>
#include <sys/mman.h>
#include <unistd.h>

/* An anonymous file holding data, offset 0; -1 on failure. */
static inline int fuzz_memfd(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);
	size_t done = 0;

	if (fd < 0)
		return -1;
	while (done < size) {
		ssize_t n = write(fd, data + done, size - done);

		if (n <= 0) {
			close(fd);
			return -1;
		}
		done += (size_t)n;
	}
	lseek(fd, 0, SEEK_SET);
	return fd;
}

#endif
