/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_import.c - trace.dat bytes through the whole import: the decoder
 * (libtracecmd/libtraceevent + foliotrace's normalizer and emitter) writes
 * the framed stream, the loader checks it and fills an in-memory database.
 * In production the decoder runs in a sandboxed child; here everything is
 * in one process so that a crash anywhere is seen (and attributed).
 */
#include <stdint.h>
#include <stddef.h>

#include "../../core/store.h"
#include "../../core/wire.h"
#include "../../record/decode.h"
#include "../../record/import.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int in = fuzz_memfd(data, size), out = memfd_create("stream", MFD_CLOEXEC);
	struct wire_writer w;
	struct store *s = NULL;
	struct import_stats st;
	struct ft_err e = FT_ERR_INIT;

	if (in < 0 || out < 0 || wire_writer_init(&w, out) < 0)
		goto out;
	decode_trace_fd(in, &w);
	wire_flush(&w);
	wire_writer_release(&w);
	lseek(out, 0, SEEK_SET);
	if (store_create(&s, ":memory:", &e) == 0)
		import_stream(s, out, "fuzz.dat", (int64_t)size, 0, NULL, &st, &e);
	store_close(s);
out:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return 0;
}
