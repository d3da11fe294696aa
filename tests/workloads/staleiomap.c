/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * staleiomap - provoke the XFS/iomap "stale_iomap" race (fixed upstream by
 * d7b64041164c + 304a68b9c63b) and check the result from user space.
 *
 * Per attempt, on a fresh file PREFIX.N (4 KiB pages, 4 KiB blocks):
 *
 *   set-up   -F unwritten: fallocate(0, P pages) (one unwritten extent);
 *            -F delalloc: nothing (A's write below makes the delalloc).
 *   A        pwrite of pattern P1 into the part of page X that the writer
 *            will NOT cover (X dirty in the page cache, block not written).
 *   W        (thread) one buffered pwrite of pattern P2 whose source bytes
 *            for page X lie on an anonymous page registered MISSING with
 *            userfaultfd: W takes its mapping (->iomap_begin), then sleeps
 *            in the source fault-in right before iomap_write_begin(X),
 *            holding IOLOCK_EXCL.
 *   R        (main thread) on the uffd fault event: sync_file_range(X,
 *            WAIT_BEFORE|WRITE|WAIT_AFTER) (writeback + unwritten->written
 *            conversion), posix_fadvise(X, DONTNEED) until mincore says X
 *            is gone (drop_caches as fallback), then UFFDIO_COPY.  With
 *            -r 0 R only resolves the fault (control).
 *   checks   buffered read (page cache), fsync + O_DIRECT read (disk),
 *            POSIX_FADV_DONTNEED + buffered re-read, FIEMAP of page X.
 *
 * -m tail: W writes [0, X*4096 + H) with X = P-1 (its LAST block partial);
 *          A wrote [X*4096 + H, (X+1)*4096).
 * -m head: W writes [H, P*4096) with X = 0 (its FIRST block partial);
 *          A wrote [0, H).
 * -m full: W writes [0, P*4096), X = P-1 fully covered (no partial block).
 * H = -H bytes (2048).
 *
 * stdout: one line per attempt; -o FILE: key=value totals; stderr: one
 * line per mismatching page ("<check>: page at offset N ...").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define PG 4096L

static const char *prog = "staleiomap";
static int marker_fd = -1;

static void die(const char *fmt, ...)
{
	va_list ap;
	int e = errno;
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(e));
	exit(1);
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void marker(const char *fmt, ...)
{
	char b[256];
	va_list ap;
	int n;
	if (marker_fd < 0)
		return;
	n = snprintf(b, sizeof(b), "staleiomap: ");
	va_start(ap, fmt);
	n += vsnprintf(b + n, sizeof(b) - n, fmt, ap);
	va_end(ap);
	if (write(marker_fd, b, n) < 0) {
		/* best effort */
	}
}

/* Patterns: never zero. P1 lower case (A's data), P2 upper case (W's). */
static unsigned char p1(long attempt, long off) { return 'a' + (off / 7 + attempt) % 26; }
static unsigned char p2(long attempt, long off) { return 'A' + (off / 7 + attempt) % 26; }

struct wargs {
	int fd;
	const char *src;
	size_t len;
	off_t off;
	ssize_t ret;
	int err;
	double t0, t1;
};

static void *writer(void *p)
{
	struct wargs *w = p;
	w->t0 = mono();
	w->ret = pwrite(w->fd, w->src, w->len, w->off);
	w->err = errno;
	w->t1 = mono();
	return NULL;
}

static long uffd_open(void)
{
	long fd = syscall(SYS_userfaultfd, O_CLOEXEC);
	struct uffdio_api api = { .api = UFFD_API, .features = 0 };
	if (fd < 0)
		die("userfaultfd");
	if (ioctl(fd, UFFDIO_API, &api))
		die("UFFDIO_API");
	return fd;
}

/* mincore residency of file page idx through a read-only, never-faulted map. */
static int resident(int fd, long pages, long idx)
{
	unsigned char vec[256];
	void *m = mmap(NULL, pages * PG, PROT_READ, MAP_SHARED, fd, 0);
	int r;
	if (m == MAP_FAILED)
		die("mmap for mincore");
	if (mincore(m, pages * PG, vec))
		die("mincore");
	r = vec[idx] & 1;
	munmap(m, pages * PG);
	return r;
}

/* Describe what is wrong in one page: returns number of bad bytes. */
static long page_diff(const unsigned char *got, const unsigned char *exp, long base, char *desc,
		      size_t dlen)
{
	long bad = 0, zeros = 0, first = -1, last = -1, i;
	long a1 = 0, a2 = 0;
	for (i = 0; i < PG; i++) {
		if (got[i] == exp[i])
			continue;
		bad++;
		if (first < 0)
			first = i;
		last = i;
		if (got[i] == 0)
			zeros++;
		if (exp[i] >= 'a' && exp[i] <= 'z')
			a1++;
		else
			a2++;
	}
	if (bad)
		snprintf(desc, dlen,
			 "bytes [%ld,%ld) of the page (file [%ld,%ld)): %ld wrong, %ld of them zero; expected %s%s%s",
			 first, last + 1, base + first, base + last + 1, bad, zeros,
			 a1 ? "A's P1" : "", a1 && a2 ? " and " : "", a2 ? "W's P2" : "");
	return bad;
}

static int fiemap_state(int fd, off_t off, char *buf, size_t blen)
{
	struct {
		struct fiemap f;
		struct fiemap_extent e[8];
	} fm;
	unsigned i;
	memset(&fm, 0, sizeof(fm));
	fm.f.fm_start = off;
	fm.f.fm_length = PG;
	fm.f.fm_extent_count = 8;
	if (ioctl(fd, FS_IOC_FIEMAP, &fm.f)) {
		snprintf(buf, blen, "fiemap-error");
		return -1;
	}
	buf[0] = 0;
	if (fm.f.fm_mapped_extents == 0) {
		snprintf(buf, blen, "hole");
		return 0;
	}
	for (i = 0; i < fm.f.fm_mapped_extents && i < 8; i++) {
		struct fiemap_extent *e = &fm.f.fm_extents[i];
		size_t n = strlen(buf);
		snprintf(buf + n, blen - n, "%s[%llu+%llu phys %llu%s%s]", i ? "," : "",
			 (unsigned long long)e->fe_logical, (unsigned long long)e->fe_length,
			 (unsigned long long)e->fe_physical,
			 e->fe_flags & FIEMAP_EXTENT_UNWRITTEN ? " unwritten" : " written",
			 e->fe_flags & FIEMAP_EXTENT_DELALLOC ? " delalloc" : "");
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: %s -f PREFIX [-o KV] [-m tail|head|full] [-F unwritten|delalloc] "
		"[-n N] [-p PAGES] [-H BYTES] [-r 0|1] [-e TRIES]\n", prog);
}

/*
 * Compares a read of the whole file (got) with what it must hold (exp),
 * page by page; reports each wrong page on stderr, naming the read (check),
 * and appends "ino:offset" to offs.  Returns the number of wrong pages.
 */
static int check_pages(const char *check, int attempt, ino_t ino, const unsigned char *got,
		       const unsigned char *exp, long pages, char *offs, size_t offs_len)
{
	char desc[256];
	int bad = 0;

	for (long pg = 0; pg < pages; pg++) {
		if (!page_diff(got + pg * PG, exp + pg * PG, pg * PG, desc, sizeof(desc)))
			continue;
		bad++;
		fprintf(stderr, "%s: attempt %d ino %lu: %s: page at offset %ld: %s\n", prog,
			attempt, (unsigned long)ino, check, pg * PG, desc);
		snprintf(offs + strlen(offs), offs_len - strlen(offs), "%s%lu:%ld",
			 offs[0] ? " " : "", (unsigned long)ino, pg * PG);
	}
	return bad;
}

int main(int argc, char **argv)
{
	const char *prefix = NULL, *out = NULL, *mode = "tail", *flav = "unwritten";
	long attempts = 10, pages = 16, half = 2048, racer = 1, evict_tries = 5;
	int opt, i;
	long tot_evicted = 0, tot_cache = 0, tot_direct = 0, tot_reread = 0, tot_werr = 0;
	long tot_fault = 0;
	char offs_cache[4096] = "", offs_direct[4096] = "", offs_reread[4096] = "";
	char inos[4096] = "";
	FILE *kv;

	while ((opt = getopt(argc, argv, "f:o:m:F:n:p:H:r:e:")) != -1) {
		switch (opt) {
		case 'f': prefix = optarg; break;
		case 'o': out = optarg; break;
		case 'm': mode = optarg; break;
		case 'F': flav = optarg; break;
		case 'n': attempts = atol(optarg); break;
		case 'p': pages = atol(optarg); break;
		case 'H': half = atol(optarg); break;
		case 'r': racer = atol(optarg); break;
		case 'e': evict_tries = atol(optarg); break;
		default:
			usage();
			return 2;
		}
	}
	if (!prefix || pages < 1 || pages > 256 || half <= 0 || half >= PG ||
	    (strcmp(mode, "tail") && strcmp(mode, "head") && strcmp(mode, "full")) ||
	    (strcmp(flav, "unwritten") && strcmp(flav, "delalloc"))) {
		fprintf(stderr, "%s: -f PREFIX is required; -p is 1..256 pages, -H 1..%ld bytes, "
			"-m tail, head or full, -F unwritten or delalloc\n", prog, PG - 1);
		usage();
		return 2;
	}
	marker_fd = open("/sys/kernel/tracing/trace_marker", O_WRONLY);

	int head = !strcmp(mode, "head"), full = !strcmp(mode, "full");
	long X = head ? 0 : pages - 1;
	long fsize = pages * PG;
	/* A's range and W's range (bytes). */
	off_t a_off, w_off;
	size_t a_len, w_len;
	if (head) {
		a_off = 0;
		a_len = half;
		w_off = half;
		w_len = fsize - half;
	} else {
		a_off = X * PG + half;
		a_len = PG - half;
		w_off = 0;
		w_len = full ? fsize : X * PG + half;
	}
	unsigned char *exp = malloc(fsize), *got, *abuf = malloc(PG), *fill = malloc(PG);
	if (posix_memalign((void **)&got, PG, fsize))
		die("posix_memalign");

	for (i = 0; i < attempts; i++) {
		char path[4096], line[1024] = "", fs[256];
		struct stat st;
		long k, pg;
		snprintf(path, sizeof(path), "%s.%d", prefix, i);
		unlink(path);
		int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			die("open %s", path);
		fstat(fd, &st);
		marker("attempt=%d ino=%lu mode=%s flavour=%s X=%ld step=setup", i,
		       (unsigned long)st.st_ino, mode, flav, X);
		if (!strcmp(flav, "unwritten") && fallocate(fd, 0, 0, fsize))
			die("fallocate");
		/* Expected content. */
		memset(exp, 0, fsize);
		for (k = 0; k < (long)a_len; k++)
			exp[a_off + k] = p1(i, a_off + k);
		for (k = 0; k < (long)w_len; k++)
			exp[w_off + k] = p2(i, w_off + k);
		/* A: the earlier data. */
		for (k = 0; k < (long)a_len; k++)
			abuf[k] = p1(i, a_off + k);
		if (pwrite(fd, abuf, a_len, a_off) != (ssize_t)a_len)
			die("pwrite A");
		/* W's source: pages of anonymous memory; the one that feeds page X
		 * is registered MISSING with userfaultfd. Source byte j feeds file
		 * byte w_off + j; buffer byte b = j + (w_off % PG). */
		long sb = (w_off % PG + w_len + PG - 1) / PG;
		unsigned char *src = mmap(NULL, sb * PG, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (src == MAP_FAILED)
			die("mmap src");
		long ufpage = head ? 0 : X; /* buffer page holding page X's source */
		long uffd = uffd_open();
		struct uffdio_register reg = {
			.range = { .start = (unsigned long)(src + ufpage * PG), .len = PG },
			.mode = UFFDIO_REGISTER_MODE_MISSING,
		};
		if (ioctl(uffd, UFFDIO_REGISTER, &reg))
			die("UFFDIO_REGISTER");
		long shift = w_off % PG;
		for (pg = 0; pg < sb; pg++) {
			if (pg == ufpage)
				continue;
			for (k = 0; k < PG; k++) {
				long j = pg * PG + k - shift;
				src[pg * PG + k] = (j >= 0 && j < (long)w_len) ? p2(i, w_off + j) : 0;
			}
		}
		for (k = 0; k < PG; k++) {
			long j = ufpage * PG + k - shift;
			fill[k] = (j >= 0 && j < (long)w_len) ? p2(i, w_off + j) : 0;
		}
		struct wargs w = { .fd = fd, .src = (char *)src + shift, .len = w_len, .off = w_off };
		pthread_t th;
		pthread_create(&th, NULL, writer, &w);
		/* R: wait for W's fault on the source of page X. */
		struct pollfd pfd = { .fd = uffd, .events = POLLIN };
		int pr = poll(&pfd, 1, 10000);
		int faulted = 0, evicted = -1, tries = 0, dropc = 0;
		double tf = 0, tr = 0;
		if (pr == 1) {
			struct uffd_msg msg;
			if (read(uffd, &msg, sizeof(msg)) != sizeof(msg))
				die("read uffd");
			if (msg.event != UFFD_EVENT_PAGEFAULT)
				die("uffd event %d", msg.event);
			faulted = 1;
			tf = mono();
			marker("attempt=%d ino=%lu step=fault addr_page=%ld", i,
			       (unsigned long)st.st_ino,
			       (long)((msg.arg.pagefault.address - (unsigned long)src) / PG));
			if (racer) {
				if (sync_file_range(fd, X * PG, PG,
						    SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
							    SYNC_FILE_RANGE_WAIT_AFTER))
					die("sync_file_range");
				marker("attempt=%d step=synced", i);
				for (tries = 0; tries < evict_tries; tries++) {
					posix_fadvise(fd, X * PG, PG, POSIX_FADV_DONTNEED);
					if (!resident(fd, pages, X))
						break;
					usleep(1000);
				}
				if (resident(fd, pages, X)) {
					int dc = open("/proc/sys/vm/drop_caches", O_WRONLY);
					if (dc >= 0) {
						if (write(dc, "1", 1) < 0) {
						}
						close(dc);
						dropc = 1;
					}
				}
				evicted = !resident(fd, pages, X);
				marker("attempt=%d step=evicted evicted=%d tries=%d drop_caches=%d", i,
				       evicted, tries + 1, dropc);
			}
			struct uffdio_copy cp = { .dst = (unsigned long)(src + ufpage * PG),
						  .src = (unsigned long)fill,
						  .len = PG,
						  .mode = 0 };
			tr = mono();
			if (ioctl(uffd, UFFDIO_COPY, &cp))
				die("UFFDIO_COPY");
			marker("attempt=%d step=resolved", i);
		} else {
			fprintf(stderr, "%s: attempt %d: no uffd fault within 10 s\n", prog, i);
		}
		pthread_join(th, NULL);
		marker("attempt=%d step=written ret=%zd", i, w.ret);
		tot_fault += faulted;
		if (evicted == 1)
			tot_evicted++;
		if (w.ret != (ssize_t)w_len) {
			tot_werr++;
			fprintf(stderr, "%s: attempt %d: pwrite W returned %zd (%s), want %zu\n", prog,
				i, w.ret, strerror(w.err), w_len);
		}
		/* 1. page cache */
		int cbad = 0, dbad = 0, rbad = 0;
		if (pread(fd, got, fsize, 0) != fsize)
			die("pread");
		cbad = check_pages("buffered read", i, st.st_ino, got, exp, pages, offs_cache, sizeof(offs_cache));
		tot_cache += cbad;
		/* 2. fsync + O_DIRECT */
		if (fsync(fd))
			die("fsync");
		int dfd = open(path, O_RDONLY | O_DIRECT);
		if (dfd < 0)
			die("open O_DIRECT");
		memset(got, 0xee, fsize);
		if (pread(dfd, got, fsize, 0) != fsize)
			die("pread O_DIRECT");
		close(dfd);
		dbad = check_pages("O_DIRECT read", i, st.st_ino, got, exp, pages, offs_direct, sizeof(offs_direct));
		tot_direct += dbad;
		/* 3. drop the file's cache, buffered re-read */
		posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		if (pread(fd, got, fsize, 0) != fsize)
			die("pread 2");
		rbad = check_pages("re-read after dropping the cache", i, st.st_ino, got, exp, pages, offs_reread, sizeof(offs_reread));
		tot_reread += rbad;
		fiemap_state(fd, X * PG, fs, sizeof(fs));
		snprintf(inos + strlen(inos), sizeof(inos) - strlen(inos), "%s%lu",
			 inos[0] ? " " : "", (unsigned long)st.st_ino);
		snprintf(line, sizeof(line),
			 "attempt=%d ino=%lu mode=%s flavour=%s racer=%ld X=%ld faulted=%d evicted=%d evict_tries=%d drop_caches=%d fault_s=%.6f resolve_s=%.6f write_end_s=%.6f cache_bad_pages=%d direct_bad_pages=%d reread_bad_pages=%d fiemap_X=%s",
			 i, (unsigned long)st.st_ino, mode, flav, racer, X, faulted, evicted,
			 tries + 1, dropc, tf, tr, w.t1, cbad, dbad, rbad, fs);
		puts(line);
		fflush(stdout);
		marker("attempt=%d step=checked cache_bad=%d direct_bad=%d reread_bad=%d", i, cbad,
		       dbad, rbad);
		close(uffd);
		munmap(src, sb * PG);
		close(fd);
	}
	if (out) {
		kv = fopen(out, "w");
		if (!kv)
			die("fopen %s", out);
		fprintf(kv,
			"mode=%s\nflavour=%s\nracer=%ld\npages=%ld\npartial_bytes=%ld\npage_X=%ld\n"
			"write_off=%lld\nwrite_len=%zu\nA_off=%lld\nA_len=%zu\n"
			"attempts=%ld\nfaulted=%ld\nevicted=%ld\nwrite_errors=%ld\n"
			"cache_bad_pages=%ld\ndirect_bad_pages=%ld\nreread_bad_pages=%ld\n"
			"cache_bad=%s\ndirect_bad=%s\nreread_bad=%s\ninos=%s\n",
			mode, flav, racer, pages, half, X, (long long)w_off, w_len,
			(long long)a_off, a_len, attempts, tot_fault, tot_evicted, tot_werr,
			tot_cache, tot_direct, tot_reread, offs_cache, offs_direct, offs_reread, inos);
		fclose(kv);
	}
	printf("attempts=%ld faulted=%ld evicted=%ld write_errors=%ld cache_bad_pages=%ld direct_bad_pages=%ld reread_bad_pages=%ld\n",
	       attempts, tot_fault, tot_evicted, tot_werr, tot_cache, tot_direct, tot_reread);
	return 0;
}
