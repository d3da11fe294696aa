/*
 * shortwrite - drive a file on a mounted XFS through the delalloc punch paths.
 *
 * Per round, on a fresh region of a file that was first extended with
 * ftruncate (so every region starts as an in-EOF hole):
 *
 *   1. full buffered pwrite of W pages at the start of the region;
 *   2. short buffered pwrite of P pages from a buffer whose first K pages are
 *      readable and whose tail is PROT_NONE: the kernel copies K pages and
 *      returns K * page_size; the unwritten tail is punched by the kernel;
 *   3. one mmap(MAP_SHARED) store into the first page of the unwritten tail
 *      (a write fault; with -t it races the short write from a second thread);
 *   4. sync_file_range on every S-th round, then fsync;
 *   5. fallocate(PUNCH_HOLE | KEEP_SIZE) over the first H pages of the region;
 *   6. on every T-th round (-T): ftruncate down to the start of the short
 *      write's unwritten tail (W+G+K), cutting the tail, the mmap store page
 *      and everything after, then ftruncate back up to the file size so the
 *      later regions are in-EOF holes again.
 *
 * Region layout in pages (R = region size, see --help):
 *   [0, W)           full write            (written, synced, then partly punched)
 *   [W, W+G)         hole between the two writes (no extent merging)
 *   [W+G, W+G+K)     short write, copied part
 *   W+G+K+M          mmap store page (M = 0: first page of the punched tail)
 *   [W+G+K, W+G+P)   the short write's unwritten tail: punched by the kernel
 *   [W+G+P, R)       hole
 *   [W+G+K, EOF)     with -T, cut by the truncate (reads as zeros afterwards)
 *
 * The result is one line on stdout (and key=value lines in -o FILE).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define TAG_FULL 0x46ULL  /* 'F' */
#define TAG_SHORT 0x53ULL /* 'S' */
#define TAG_MMAP 0x4dULL  /* 'M' */

struct opts {
	const char *file;
	const char *out;
	long rounds;
	long pages;        /* P: pages per short write */
	long copied;       /* K: pages the short write copies */
	long full_pages;   /* W: pages of the full write */
	long gap_pages;    /* G: hole between full and short write */
	long region_pages; /* R: region size */
	long punch_pages;  /* H: pages punched at region start */
	long sfr_every;    /* S: sync_file_range every S-th round (0 = never) */
	long trunc_every;  /* T: truncate down and up every T-th round (0 = never) */
	long store_page;   /* M: store into tail page M (0 = first punched page) */
	long delay_us;     /* -t: delay before the racing store */
	bool threaded;
	bool direct_verify;
	bool drop_verify;
	bool tolerate_loss;
	bool quiet;
};

struct counters {
	long full_writes;
	long short_writes;
	long long full_bytes;
	long long short_bytes;
	long long short_requested_bytes;
	long mmap_stores;
	long fsyncs;
	long sync_file_ranges;
	long punches;
	long long punch_bytes;
	long truncates;
	long long pages_dirtied;
	long verify_errors;
	long lost_pages;
	long mmap_view_errors;
	long reread_lost_pages;
};

static const char *prog = "shortwrite";
static long page_size;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (saved)
		fprintf(stderr, ": %s", strerror(saved));
	fputc('\n', stderr);
	exit(1);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s -f FILE [options]\n"
		"\n"
		"Drives FILE (on a mounted XFS) through buffered writes, short buffered\n"
		"writes that make the kernel punch delalloc, mmap write faults, fsync,\n"
		"sync_file_range, hole punching and (-T) truncation. One region per round.\n"
		"\n"
		"options:\n"
		"  -f FILE   file to create/truncate (required)\n"
		"  -o FILE   also write the results as key=value lines to FILE\n"
		"  -n N      rounds (default 4)\n"
		"  -p P      pages per short write (default 16)\n"
		"  -k K      pages the short write copies, 1 <= K < P (default 8)\n"
		"  -w W      pages of the full write (default P)\n"
		"  -g G      hole pages between full and short write (default P)\n"
		"  -r R      region pages (default W+G+P+P, minimum W+G+P)\n"
		"  -m M      store into page M of the unwritten tail, 0 <= M < P-K\n"
		"            (default 0: the first page the kernel punched)\n"
		"  -H H      pages punched at each region's start (default W/2, 0 = none)\n"
		"  -s S      sync_file_range before fsync on every S-th round\n"
		"            (rounds S-1, 2S-1, ...; default 2, 0 = never)\n"
		"  -T T      truncate every T-th round (rounds T-1, 2T-1, ...; default 0 =\n"
		"            never): after the punch, ftruncate down to the start of the\n"
		"            short write's tail (region page W+G+K), then back up to the\n"
		"            file size\n"
		"  -t        racing mode: a second thread does the mmap store while the\n"
		"            short write runs (per-round barriers; not deterministic)\n"
		"  -d USEC   with -t: sleep USEC before the store (default 0)\n"
		"  -D        after fsync, also verify the written pages with O_DIRECT\n"
		"            reads (detects data that writeback dropped); with -T, also\n"
		"            after each truncate: the copied pages (unless punched by -H)\n"
		"            must still match (else lost), the cut pages must read as\n"
		"            zeros (else a verify error)\n"
		"  -C        with -D, after the O_DIRECT check: compare the mmap view of\n"
		"            the written pages with what was written (mmap_view_errors),\n"
		"            then unmap them (MADV_DONTNEED), drop them from the page cache\n"
		"            (POSIX_FADV_DONTNEED) and re-read them buffered: pages wrong\n"
		"            now were not on disk (reread_lost_pages)\n"
		"  -L        count lost/mismatching pages but exit 0 (default: exit 3)\n"
		"  -q        no progress messages on stderr\n"
		"  -h        this help\n"
		"\n"
		"Region layout (pages): [0,W) full write; [W+G, W+G+K) short write's\n"
		"copied part; page W+G+K+M mmap store; [0,H) punched after fsync;\n"
		"with -T, [W+G+K, EOF) cut by the truncate, then the size restored.\n"
		"\n"
		"Output keys: ino dev (major:minor) dev_kernel (major<<20|minor, as in\n"
		"trace events) page_size rounds pages_per_write pages_copied full_pages\n"
		"gap_pages region_pages punch_pages store_page (region-relative page of\n"
		"the mmap store) sfr_every threaded file_size full_writes\n"
		"short_writes full_bytes short_bytes short_requested_bytes mmap_stores\n"
		"fsyncs sync_file_ranges punches punch_bytes pages_dirtied verify_errors\n"
		"lost_pages truncates; with -C also mmap_view_errors reread_lost_pages.\n"
		"\n"
		"Trace expectations (XFS, single-threaded): full_writes+short_writes\n"
		"xfs_file_buffered_write events, short_writes of them with bytecount\n"
		"P*page_size; every short write's IOLOCK_EXCL section holds delalloc\n"
		"punches of its P-K page tail (xfs_ilock caller\n"
		"xfs_bmap_punch_delalloc_range; on 6.18 two per short write: after the\n"
		"partial copy and after the retried, faulting copy); each mmap store is\n"
		"one xfs_write_fault; each punch is one xfs_bunmap (the range was synced).\n"
		"pages_dirtied = rounds*(W+K+1) pages the program dirtied (the kernel\n"
		"may use large folios: writeback_dirty_folio counts folios, not pages).\n"
		"Each truncate (-T) is two ftruncates, each one xfs_setattr in an\n"
		"xfs_ilock MMAPLOCK_EXCL section (caller xfs_vn_setattr) that takes\n"
		"ILOCK_EXCL (caller xfs_setattr_size); the VFS takes the IOLOCK (i_rwsem)\n"
		"itself, so there is no xfs_ilock IOLOCK_EXCL event. Down: one\n"
		"mm_filemap_delete_from_page_cache per cut folio (a large folio across\n"
		"the cut is split first: iomap_invalidate_folio + iomap_release_folio),\n"
		"then xfs_itruncate_extents_start/_end (new_size = the cut) around one\n"
		"xfs_bunmap (caller xfs_bunmapi_range) freeing the blocks past the cut\n"
		"(the short write's extent is trimmed to its K copied pages). Up: one\n"
		"xfs_zero_eof over the hole, no xfs_bunmap. So xfs_bunmap = punches +\n"
		"truncates; for a FILE that did not exist, xfs_setattr = 2*truncates+1\n"
		"and xfs_zero_eof = truncates+1 (+1: the initial sizing ftruncate).\n"
		"\n"
		"exit status: 0 ok, 1 unexpected syscall result, 2 usage, 3 data mismatch\n",
		prog);
}

static long parse_long(const char *s, char opt, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || *s == '\0' || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "%s: -%c: bad value '%s' (want %ld..%ld)\n", prog, opt, s, min,
			max);
		exit(2);
	}
	return v;
}

/* Word i of a page at file offset off holds (tag << 56) ^ (off + 8 * i). */
static void fill_pattern(void *dst, off_t off, size_t len, uint64_t tag)
{
	uint64_t *w = dst;

	for (size_t i = 0; i < len / sizeof(uint64_t); i++)
		w[i] = (tag << 56) ^ (uint64_t)(off + (off_t)(i * sizeof(uint64_t)));
}

static bool check_pattern(const void *src, off_t off, size_t len, uint64_t tag)
{
	const uint64_t *w = src;

	for (size_t i = 0; i < len / sizeof(uint64_t); i++)
		if (w[i] != ((tag << 56) ^ (uint64_t)(off + (off_t)(i * sizeof(uint64_t)))))
			return false;
	return true;
}

static void write_full(int fd, const void *buf, size_t len, off_t off)
{
	ssize_t r = pwrite(fd, buf, len, off);

	if (r < 0)
		die("full pwrite(%zu bytes at %lld)", len, (long long)off);
	if ((size_t)r != len) {
		errno = 0;
		die("full pwrite(%zu bytes at %lld) returned %zd", len, (long long)off, r);
	}
}

/* Shared state of racing mode (-t). */
struct racer {
	pthread_barrier_t start;
	pthread_barrier_t done;
	char *map;
	const struct opts *o;
	off_t store_off; /* set by the main thread before the start barrier */
	bool stop;       /* set by the main thread before the start barrier */
	bool stored;     /* set by the racer before the done barrier */
};

static void mmap_store(char *map, off_t off)
{
	fill_pattern(map + off, off, (size_t)page_size, TAG_MMAP);
}

static void *racer_main(void *arg)
{
	struct racer *r = arg;

	for (;;) {
		int b = pthread_barrier_wait(&r->start);

		if (b != 0 && b != PTHREAD_BARRIER_SERIAL_THREAD) {
			errno = b;
			die("pthread_barrier_wait");
		}
		if (r->stop)
			return NULL;
		if (r->o->delay_us > 0) {
			struct timespec ts = {
				.tv_sec = r->o->delay_us / 1000000,
				.tv_nsec = (r->o->delay_us % 1000000) * 1000,
			};
			while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
				;
		}
		mmap_store(r->map, r->store_off);
		r->stored = true;
		b = pthread_barrier_wait(&r->done);
		if (b != 0 && b != PTHREAD_BARRIER_SERIAL_THREAD) {
			errno = b;
			die("pthread_barrier_wait");
		}
	}
}

static void barrier(pthread_barrier_t *b)
{
	int r = pthread_barrier_wait(b);

	if (r != 0 && r != PTHREAD_BARRIER_SERIAL_THREAD) {
		errno = r;
		die("pthread_barrier_wait");
	}
}

/* pread exactly len bytes at off, or die. */
static void read_full(int fd, void *buf, off_t off, size_t len, bool direct)
{
	ssize_t r = pread(fd, buf, len, off);

	if (r < 0)
		die("%s pread(%zu at %lld)", direct ? "O_DIRECT" : "buffered", len,
		    (long long)off);
	if ((size_t)r != len) {
		errno = 0;
		die("pread(%zu at %lld) returned %zd", len, (long long)off, r);
	}
}

/* Count the pages of buf (holding [off, off+len)) that differ from the pattern. */
static long check_pages(const char *buf, off_t off, size_t len, uint64_t tag, const char *what,
			const struct opts *o)
{
	long bad = 0;

	for (size_t p = 0; p < len; p += (size_t)page_size) {
		if (!check_pattern(buf + p, off + (off_t)p, (size_t)page_size, tag)) {
			bad++;
			if (!o->quiet)
				fprintf(stderr, "%s: %s: page at offset %lld (tag %c) mismatches\n",
					prog, what, (long long)(off + (off_t)p), (char)tag);
		}
	}
	return bad;
}

/* Compare len bytes at off (read through fd) with the expected pattern. */
static long verify_range(int fd, void *buf, off_t off, size_t len, uint64_t tag, bool direct,
			 const struct opts *o)
{
	read_full(fd, buf, off, len, direct);
	return check_pages(buf, off, len, tag, direct ? "O_DIRECT read" : "buffered read", o);
}

/* Count the pages in [off, off+len) (read through fd) that are not all zeros. */
static long verify_zero(int fd, void *buf, off_t off, size_t len, bool direct,
			const struct opts *o)
{
	long bad = 0;

	read_full(fd, buf, off, len, direct);
	for (size_t p = 0; p < len; p += (size_t)page_size) {
		const uint64_t *w = (const uint64_t *)((char *)buf + p);
		bool zero = true;

		for (size_t i = 0; i < (size_t)page_size / sizeof(uint64_t); i++)
			if (w[i] != 0) {
				zero = false;
				break;
			}
		if (!zero) {
			bad++;
			if (!o->quiet)
				fprintf(stderr,
					"%s: %s read: page at offset %lld was cut by the truncate "
					"but is not zero\n",
					prog, direct ? "O_DIRECT" : "buffered",
					(long long)(off + (off_t)p));
		}
	}
	return bad;
}

static void emit(FILE *f, const char *sep, const char *end, const struct opts *o,
		 const struct counters *c, const struct stat *st, off_t file_size)
{
	fprintf(f, "ino=%ju%sdev=%u:%u%sdev_kernel=%u%spage_size=%ld%s", (uintmax_t)st->st_ino,
		sep, major(st->st_dev), minor(st->st_dev), sep,
		(unsigned)((major(st->st_dev) << 20) | minor(st->st_dev)), sep, page_size, sep);
	fprintf(f, "rounds=%ld%spages_per_write=%ld%spages_copied=%ld%sfull_pages=%ld%s",
		o->rounds, sep, o->pages, sep, o->copied, sep, o->full_pages, sep);
	fprintf(f, "gap_pages=%ld%sregion_pages=%ld%spunch_pages=%ld%s", o->gap_pages, sep,
		o->region_pages, sep, o->punch_pages, sep);
	fprintf(f, "store_page=%ld%ssfr_every=%ld%sthreaded=%d%s",
		o->full_pages + o->gap_pages + o->copied + o->store_page, sep, o->sfr_every, sep,
		o->threaded ? 1 : 0, sep);
	fprintf(f, "file_size=%lld%sfull_writes=%ld%sshort_writes=%ld%s", (long long)file_size,
		sep, c->full_writes, sep, c->short_writes, sep);
	fprintf(f, "full_bytes=%lld%sshort_bytes=%lld%sshort_requested_bytes=%lld%s",
		c->full_bytes, sep, c->short_bytes, sep, c->short_requested_bytes, sep);
	fprintf(f, "mmap_stores=%ld%sfsyncs=%ld%ssync_file_ranges=%ld%s", c->mmap_stores, sep,
		c->fsyncs, sep, c->sync_file_ranges, sep);
	fprintf(f, "punches=%ld%spunch_bytes=%lld%spages_dirtied=%lld%s", c->punches, sep,
		c->punch_bytes, sep, c->pages_dirtied, sep);
	fprintf(f, "verify_errors=%ld%slost_pages=%ld%s", c->verify_errors, sep, c->lost_pages,
		sep);
	if (o->drop_verify) {
		fprintf(f, "truncates=%ld%s", c->truncates, sep);
		fprintf(f, "mmap_view_errors=%ld%sreread_lost_pages=%ld%s", c->mmap_view_errors,
			sep, c->reread_lost_pages, end);
	} else {
		fprintf(f, "truncates=%ld%s", c->truncates, end);
	}
}

int main(int argc, char **argv)
{
	struct opts o = {
		.rounds = 4,
		.pages = 16,
		.copied = 8,
		.full_pages = -1,
		.gap_pages = -1,
		.region_pages = -1,
		.punch_pages = -1,
		.sfr_every = 2,
	};
	struct counters c = { 0 };
	int ch;

	if (argc > 0 && argv[0] && argv[0][0]) {
		const char *slash = strrchr(argv[0], '/');
		prog = slash ? slash + 1 : argv[0];
	}
	page_size = sysconf(_SC_PAGESIZE);
	if (page_size <= 0)
		die("sysconf(_SC_PAGESIZE)");

	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	while ((ch = getopt_long(argc, argv, "f:o:n:p:k:w:g:r:m:H:s:T:td:DCLqh", longopts, NULL)) !=
	       -1) {
		switch (ch) {
		case 'f': o.file = optarg; break;
		case 'o': o.out = optarg; break;
		case 'n': o.rounds = parse_long(optarg, 'n', 1, 1000000); break;
		case 'p': o.pages = parse_long(optarg, 'p', 2, 65536); break;
		case 'k': o.copied = parse_long(optarg, 'k', 1, 65535); break;
		case 'w': o.full_pages = parse_long(optarg, 'w', 1, 65536); break;
		case 'g': o.gap_pages = parse_long(optarg, 'g', 0, 65536); break;
		case 'r': o.region_pages = parse_long(optarg, 'r', 1, 1 << 20); break;
		case 'm': o.store_page = parse_long(optarg, 'm', 0, 65535); break;
		case 'H': o.punch_pages = parse_long(optarg, 'H', 0, 1 << 20); break;
		case 's': o.sfr_every = parse_long(optarg, 's', 0, 1000000); break;
		case 'T': o.trunc_every = parse_long(optarg, 'T', 0, 1000000); break;
		case 't': o.threaded = true; break;
		case 'd': o.delay_us = parse_long(optarg, 'd', 0, 10000000); break;
		case 'D': o.direct_verify = true; break;
		case 'C': o.drop_verify = true; break;
		case 'L': o.tolerate_loss = true; break;
		case 'q': o.quiet = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[optind]);
		usage(stderr);
		return 2;
	}
	if (!o.file) {
		fprintf(stderr, "%s: -f FILE is required\n", prog);
		usage(stderr);
		return 2;
	}
	if (o.copied >= o.pages) {
		fprintf(stderr, "%s: need 1 <= K (%ld) < P (%ld)\n", prog, o.copied, o.pages);
		return 2;
	}
	if (o.store_page >= o.pages - o.copied) {
		fprintf(stderr, "%s: need 0 <= M (%ld) < P-K (%ld)\n", prog, o.store_page,
			o.pages - o.copied);
		return 2;
	}
	if (o.full_pages < 0)
		o.full_pages = o.pages;
	if (o.gap_pages < 0)
		o.gap_pages = o.pages;
	long used = o.full_pages + o.gap_pages + o.pages;
	if (o.region_pages < 0)
		o.region_pages = used + o.pages;
	if (o.region_pages < used) {
		fprintf(stderr, "%s: -r %ld too small, need >= W+G+P = %ld\n", prog,
			o.region_pages, used);
		return 2;
	}
	if (o.punch_pages < 0)
		o.punch_pages = o.full_pages / 2;
	if (o.punch_pages > o.region_pages) {
		fprintf(stderr, "%s: -H %ld larger than the region (%ld pages)\n", prog,
			o.punch_pages, o.region_pages);
		return 2;
	}

	const size_t ps = (size_t)page_size;
	const off_t region_bytes = (off_t)o.region_pages * page_size;
	/* One spare region past the last so the last round is not near EOF. */
	if ((o.rounds + 1) > (long)(INT64_MAX / region_bytes))
		die("file too large");
	const off_t file_size = (off_t)(o.rounds + 1) * region_bytes;

	int fd = open(o.file, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die("open %s", o.file);
	int dfd = -1;
	if (o.direct_verify) {
		dfd = open(o.file, O_RDONLY | O_DIRECT | O_CLOEXEC);
		if (dfd < 0)
			die("open %s O_DIRECT", o.file);
	}
	struct stat st;
	if (fstat(fd, &st) != 0)
		die("fstat");
	if (ftruncate(fd, file_size) != 0)
		die("ftruncate(%lld)", (long long)file_size);

	char *map = mmap(NULL, (size_t)file_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		die("mmap(MAP_SHARED, %lld)", (long long)file_size);
	/* No readahead/fault-around into other regions. */
	if (madvise(map, (size_t)file_size, MADV_RANDOM) != 0)
		die("madvise(MADV_RANDOM)");

	/* Full-write buffer. */
	char *fbuf = mmap(NULL, (size_t)o.full_pages * ps, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fbuf == MAP_FAILED)
		die("mmap full buffer");
	/* Short-write source: K readable pages, then P-K PROT_NONE pages. */
	char *sbuf = mmap(NULL, (size_t)o.pages * ps, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (sbuf == MAP_FAILED)
		die("mmap short buffer");
	if (mprotect(sbuf + (size_t)o.copied * ps, (size_t)(o.pages - o.copied) * ps, PROT_NONE) !=
	    0)
		die("mprotect(PROT_NONE)");
	/* Verification buffer, aligned for O_DIRECT. */
	long vpages = o.full_pages > o.copied + 1 ? o.full_pages : o.copied + 1;
	if (vpages < o.pages - o.copied)
		vpages = o.pages - o.copied; /* the cut tail, checked after -T */
	size_t vlen = (size_t)vpages * ps;
	void *vbuf = NULL;
	int pe = posix_memalign(&vbuf, ps, vlen);
	if (pe != 0) {
		errno = pe;
		die("posix_memalign");
	}

	struct racer racer = { .map = map, .o = &o };
	pthread_t tid;
	if (o.threaded) {
		int e = pthread_barrier_init(&racer.start, NULL, 2);
		if (!e)
			e = pthread_barrier_init(&racer.done, NULL, 2);
		if (!e)
			e = pthread_create(&tid, NULL, racer_main, &racer);
		if (e) {
			errno = e;
			die("pthread setup");
		}
	}

	for (long r = 0; r < o.rounds; r++) {
		const off_t base = (off_t)r * region_bytes;
		const off_t full_off = base;
		const off_t short_off = base + (off_t)(o.full_pages + o.gap_pages) * page_size;
		const off_t store_off = short_off + (off_t)(o.copied + o.store_page) * page_size;
		const size_t full_len = (size_t)o.full_pages * ps;
		const size_t short_len = (size_t)o.pages * ps;
		const size_t copied_len = (size_t)o.copied * ps;

		/* 1. full buffered write */
		fill_pattern(fbuf, full_off, full_len, TAG_FULL);
		write_full(fd, fbuf, full_len, full_off);
		c.full_writes++;
		c.full_bytes += (long long)full_len;

		/* 2. short buffered write (+ 3. racing store in -t mode) */
		fill_pattern(sbuf, short_off, copied_len, TAG_SHORT);
		if (o.threaded) {
			racer.store_off = store_off;
			racer.stored = false;
			barrier(&racer.start);
		}
		ssize_t w = pwrite(fd, sbuf, short_len, short_off);
		int werr = errno;
		if (o.threaded)
			barrier(&racer.done);
		if (w < 0) {
			errno = werr;
			die("short pwrite(%zu at %lld)", short_len, (long long)short_off);
		}
		if ((size_t)w != copied_len) {
			errno = 0;
			die("short pwrite(%zu at %lld) returned %zd, expected %zu", short_len,
			    (long long)short_off, w, copied_len);
		}
		c.short_writes++;
		c.short_bytes += (long long)w;
		c.short_requested_bytes += (long long)short_len;

		/* 3. mmap write fault on the first page of the punched tail */
		if (o.threaded) {
			if (!racer.stored) {
				errno = 0;
				die("racer did not store in round %ld", r);
			}
		} else {
			mmap_store(map, store_off);
		}
		c.mmap_stores++;
		c.pages_dirtied += o.full_pages + o.copied + 1;

		/* Page-cache check before writeback (all these pages are cached). */
		long bad = verify_range(fd, vbuf, full_off, full_len, TAG_FULL, false, &o);
		bad += verify_range(fd, vbuf, short_off, copied_len, TAG_SHORT, false, &o);
		bad += verify_range(fd, vbuf, store_off, ps, TAG_MMAP, false, &o);
		c.verify_errors += bad;

		/* 4. writeback */
		if (o.sfr_every > 0 && (r % o.sfr_every) == o.sfr_every - 1) {
			if (sync_file_range(fd, base, region_bytes,
					    SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
						    SYNC_FILE_RANGE_WAIT_AFTER) != 0)
				die("sync_file_range");
			c.sync_file_ranges++;
		}
		if (fsync(fd) != 0)
			die("fsync");
		c.fsyncs++;

		if (o.direct_verify) {
			long lost = verify_range(dfd, vbuf, full_off, full_len, TAG_FULL, true, &o);
			lost += verify_range(dfd, vbuf, short_off, copied_len, TAG_SHORT, true, &o);
			lost += verify_range(dfd, vbuf, store_off, ps, TAG_MMAP, true, &o);
			c.lost_pages += lost;
		}
		if (o.direct_verify && o.drop_verify) {
			/* The mmap view, then the pages as read back after eviction. */
			c.mmap_view_errors +=
				check_pages(map + full_off, full_off, full_len, TAG_FULL, "mmap view", &o) +
				check_pages(map + short_off, short_off, copied_len, TAG_SHORT, "mmap view",
					    &o) +
				check_pages(map + store_off, store_off, ps, TAG_MMAP, "mmap view", &o);
			if (madvise(map + base, (size_t)region_bytes, MADV_DONTNEED) != 0)
				die("madvise(MADV_DONTNEED)");
			if (fdatasync(fd) != 0)
				die("fdatasync");
			errno = posix_fadvise(fd, base, region_bytes, POSIX_FADV_DONTNEED);
			if (errno)
				die("posix_fadvise(DONTNEED)");
			static const char what[] = "re-read after dropping the cache";
			read_full(fd, vbuf, full_off, full_len, false);
			long lost = check_pages(vbuf, full_off, full_len, TAG_FULL, what, &o);
			read_full(fd, vbuf, short_off, copied_len, false);
			lost += check_pages(vbuf, short_off, copied_len, TAG_SHORT, what, &o);
			read_full(fd, vbuf, store_off, ps, false);
			lost += check_pages(vbuf, store_off, ps, TAG_MMAP, what, &o);
			c.reread_lost_pages += lost;
		}

		/* 5. punch a hole at the start of the region */
		if (o.punch_pages > 0) {
			off_t plen = (off_t)o.punch_pages * page_size;
			if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, base, plen) != 0)
				die("fallocate(PUNCH_HOLE, %lld, %lld)", (long long)base,
				    (long long)plen);
			c.punches++;
			c.punch_bytes += (long long)plen;
		}
		/*
		 * 6. truncate down to the start of the short write's tail (the copied
		 * pages survive; the tail, the mmap store page and everything after are
		 * cut), then back up so the later regions are in-EOF holes again.
		 */
		if (o.trunc_every > 0 && (r % o.trunc_every) == o.trunc_every - 1) {
			const off_t cut_off = short_off + (off_t)copied_len;
			const size_t tail_len = short_len - copied_len;

			if (ftruncate(fd, cut_off) != 0)
				die("ftruncate(%lld) down", (long long)cut_off);
			if (ftruncate(fd, file_size) != 0)
				die("ftruncate(%lld) up", (long long)file_size);
			c.truncates++;
			if (o.direct_verify) {
				/*
				 * The copied pages must have survived the cut (those
				 * that -H did not punch: they read as zeros) ...
				 */
				off_t keep_off = base + (off_t)o.punch_pages * page_size;
				if (keep_off < short_off)
					keep_off = short_off;
				if (keep_off < cut_off)
					c.lost_pages += verify_range(dfd, vbuf, keep_off,
								     (size_t)(cut_off - keep_off),
								     TAG_SHORT, true, &o);
				/* ... and the cut tail (with the mmap store) reads as zeros. */
				c.verify_errors +=
					verify_zero(dfd, vbuf, cut_off, tail_len, true, &o);
			}
		}
		if (!o.quiet)
			fprintf(stderr, "%s: round %ld done (region at %lld)\n", prog, r,
				(long long)base);
	}

	if (o.threaded) {
		racer.stop = true;
		barrier(&racer.start);
		int e = pthread_join(tid, NULL);
		if (e) {
			errno = e;
			die("pthread_join");
		}
		pthread_barrier_destroy(&racer.start);
		pthread_barrier_destroy(&racer.done);
	}
	if (munmap(map, (size_t)file_size) != 0)
		die("munmap");
	free(vbuf);
	if (dfd >= 0 && close(dfd) != 0)
		die("close O_DIRECT fd");
	if (close(fd) != 0)
		die("close");

	printf("%s: ", "shortwrite");
	emit(stdout, " ", "\n", &o, &c, &st, file_size);
	if (fflush(stdout) != 0)
		die("stdout");
	if (o.out) {
		FILE *f = fopen(o.out, "w");
		if (!f)
			die("fopen %s", o.out);
		emit(f, "\n", "\n", &o, &c, &st, file_size);
		if (fclose(f) != 0)
			die("write %s", o.out);
	}
	if ((c.verify_errors || c.lost_pages || c.mmap_view_errors || c.reread_lost_pages) &&
	    !o.tolerate_loss)
		return 3;
	return 0;
}
