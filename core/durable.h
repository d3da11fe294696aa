/* SPDX-License-Identifier: GPL-2.0-or-later */
/* durable.h - making a finished file durable before it is renamed into place. */
#ifndef FT_DURABLE_H
#define FT_DURABLE_H

/* fsync(2) of a file (is_dir = 0) or a directory; 0 or -errno. */
int durable_fsync(const char *path, int is_dir);

/*
 * Removes "<output>.tmp-<pid>" files (and "<output>.*.tmp-<pid>") left by
 * runs that were killed (kill -9, power loss): only those whose process no
 * longer exists.
 */
void durable_remove_stale(const char *output);

#endif
