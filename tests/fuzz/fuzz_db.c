/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_db.c - a hostile SQLite file opened as a foliotrace database: the
 * identity checks, the read-only queries of info/windows/timeline, and,
 * on a private copy opened read-write, the migration and the analysis
 * (event blocks decoded from the file).
 */
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../analyze/analyze.h"
#include "../../core/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int put_file(const char *path, const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "wb");
	int ok = f && fwrite(data, 1, size, f) == size;

	if (f && fclose(f))
		ok = 0;
	return ok ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	struct store *s = NULL;
	struct ft_err e = FT_ERR_INIT;
	struct analyze_result r;

	snprintf(path, sizeof(path), "/dev/shm/ft-fuzz-db-%d", (int)getpid());
	if (put_file(path, data, size) < 0)
		return 0;
	if (store_open(&s, path, STORE_READONLY, &e) == 0) {
		struct store_iter *it = NULL;
		struct store_event ev;
		int n = 0;

		if (store_iter_open(s, 1, -1, &it, &e) == 0)
			while (n++ < 10000 && store_iter_next(it, &ev, &e) > 0)
				;
		store_iter_close(it);
		store_close(s);
		s = NULL;
	}
	ft_err_clear(&e);
	if (store_open(&s, path, STORE_READWRITE, &e) == 0)
		analyze_run(s, &r, &e);
	store_close(s);
	unlink(path);
	return 0;
}
