/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_stream.c - a hostile decoder stream into the loader: the trust
 * boundary of the parent process.  Decoded events with absurd values,
 * unknown types, missing fields, frames out of order, lengths that lie.
 * The loader must refuse cleanly; when it accepts, the analysis runs on
 * what it stored.
 */
#include <stdint.h>
#include <stddef.h>

#include "../../analyze/analyze.h"
#include "../../core/store.h"
#include "../../record/import.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = fuzz_memfd(data, size);
	struct store *s = NULL;
	struct import_stats st;
	struct analyze_result r;
	struct ft_err e = FT_ERR_INIT;

	if (fd < 0)
		return 0;
	if (store_create(&s, ":memory:", &e) == 0 &&
	    import_stream(s, fd, "fuzz.stream", (int64_t)size, 0, NULL, &st, &e) == 0 && st.done &&
	    store_trace_finish(s, st.trace_id, &e) == 0)
		analyze_run(s, &r, &e);
	store_close(s);
	close(fd);
	return 0;
}
