/*
 * Safe output files (see outfile.h). `export -o` used to remove() its
 * output on any failure: a truncated core deleted an existing file, a FIFO,
 * and, run as root with -o /dev/null, /dev/null itself.
 */
#include "config.h"

#include "util/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/error.h"

static void reset(struct rh_outfile *o)
{
	free(o->path);
	free(o->tmp);
	memset(o, 0, sizeof(*o));
}

static struct rh_error *open_impl(struct rh_outfile *o, const char *path, bool keep_open)
{
	memset(o, 0, sizeof(*o));
	struct stat st;
	bool exists = stat(path, &st) == 0;   // follows a symlink
	if (exists && S_ISDIR(st.st_mode))
		return rh_error_os(EISDIR, path, "cannot write to %s: it is a directory; give a file name", path);
	if (exists && !S_ISREG(st.st_mode)) {
		// A device or FIFO: written in place, never removed. No
		// O_TRUNC/O_CREAT: nothing but writes reaches it.
		if (!(o->path = strdup(path)))
			return rh_enomem;
		o->write_path = o->path;
		if (!keep_open)
			return NULL;
		int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
		if (fd < 0 || !(o->f = fdopen(fd, "w"))) {
			int e = errno;
			if (fd >= 0)
				close(fd);
			reset(o);
			return rh_error_os(e, path, "cannot write to %s", path);
		}
		return NULL;
	}
	// The destination: a symlink's target, so that the link survives.
	char *dest = exists ? realpath(path, NULL) : strdup(path);
	if (!dest)
		return errno == ENOMEM ? rh_enomem
				       : rh_error_os(errno, path, "cannot resolve %s", path);
	o->path = dest;
	const char *slash = strrchr(dest, '/');
	size_t dlen = slash ? (size_t)(slash - dest) + 1 : 0;
	const char *base = slash ? slash + 1 : dest;
	if (asprintf(&o->tmp, "%.*s.%s.refheap-XXXXXX", (int)dlen, dest, base) < 0) {
		o->tmp = NULL;
		reset(o);
		return rh_enomem;
	}
	int fd = mkostemp(o->tmp, O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		struct rh_error *err = rh_error_os(e, path,
			"cannot write %s: cannot create a temporary file in its directory (%.*s): check that the directory exists and is writable",
			path, dlen ? (int)dlen : 1, dlen ? dest : ".");
		reset(o);
		return err;
	}
	// mkstemp makes 0600: give what a plain fopen() would (0666 less the
	// umask), or keep the mode of the file being replaced.
	mode_t mode;
	if (exists) {
		mode = st.st_mode & 07777;
	} else {
		mode_t um = umask(0);
		umask(um);
		mode = 0666 & ~um;
	}
	(void)fchmod(fd, mode);
	o->write_path = o->tmp;
	if (!keep_open) {
		close(fd);
		return NULL;
	}
	if (!(o->f = fdopen(fd, "w"))) {
		int e = errno;
		close(fd);
		unlink(o->tmp);
		reset(o);
		return rh_error_os(e, path, "cannot write %s", path);
	}
	return NULL;
}

struct rh_error *rh_outfile_open(struct rh_outfile *o, const char *path)
{
	return open_impl(o, path, true);
}

struct rh_error *rh_outfile_reserve(struct rh_outfile *o, const char *path)
{
	return open_impl(o, path, false);
}

struct rh_error *rh_outfile_commit(struct rh_outfile *o)
{
	struct rh_error *err = NULL;
	if (o->f) {
		bool bad = fflush(o->f) != 0 || ferror(o->f);
		int e = errno;
		if (fclose(o->f) != 0 && !bad) {
			bad = true;
			e = errno;
		}
		o->f = NULL;
		if (bad)
			err = rh_error_os(e, o->path, "writing %s failed", o->path);
	}
	if (!err && o->tmp && rename(o->tmp, o->path) < 0)
		err = rh_error_os(errno, o->path, "cannot move the output into place at %s",
				  o->path);
	if (err && o->tmp)
		unlink(o->tmp);
	reset(o);
	return err;
}

void rh_outfile_abort(struct rh_outfile *o)
{
	if (o->f)
		fclose(o->f);
	o->f = NULL;
	if (o->tmp)
		unlink(o->tmp);   // ours; the destination is never touched
	reset(o);
}

bool rh_pwrite_all(int fd, const void *buf, uint64_t len, uint64_t off)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t w = pwrite(fd, p, len > (1u << 30) ? (1u << 30) : (size_t)len, (off_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		off += (uint64_t)w;
		len -= (uint64_t)w;
	}
	return true;
}

/* Read a byte of each 4 KiB page of [p, p + size): volatile, so that it happens. */
static void read_each_page(const void *p, size_t size)
{
	const volatile uint8_t *v = p;
	uint8_t sum = 0;
	for (size_t k = 0; k < size; k += 4096)
		sum += v[k];
	(void)sum;
}

bool rh_blockwrite_init(struct rh_blockwrite *w, int fd, uint64_t off)
{
	w->fd = fd;
	w->base = off & ~(RH_BLOCKWRITE_BLOCK - 1);
	// The bytes of off's block before off are written too, as zeros: a
	// write from off itself would give the block smaller folios.
	w->end = off - w->base;
	w->buf = calloc(1, RH_BLOCKWRITE_BLOCK);
	return w->buf != NULL;
}

static bool blockwrite_flush(struct rh_blockwrite *w)
{
	return w->end == 0 || rh_pwrite_all(w->fd, w->buf, w->end, w->base);
}

bool rh_blockwrite_at(struct rh_blockwrite *w, const void *p, uint64_t len, uint64_t off)
{
	const uint8_t *src = p;
	if (off < w->base + w->end) {
		errno = EINVAL;
		return false;
	}
	// A gap past the gathered block: the block goes first, then the
	// blocks the gap covers whole are skipped (they read as zeros: a hole,
	// or the room the caller reserved).
	if (off - w->base >= RH_BLOCKWRITE_BLOCK) {
		if (!blockwrite_flush(w))
			return false;
		w->base = off & ~(RH_BLOCKWRITE_BLOCK - 1);
		w->end = 0;
	}
	memset(w->buf + w->end, 0, off - w->base - w->end);
	w->end = off - w->base;
	while (len > 0) {
		if (w->end == 0 && len >= RH_BLOCKWRITE_BLOCK) {
			// A whole block straight from the source, its pages
			// read first: a page fault in the kernel's copy makes it
			// halve its chunk, and so the folios, for the rest of the
			// call (mm/filemap.c generic_perform_write, 6.x), which a
			// source mapped from the last analyses file met on most
			// of its pages.
			read_each_page(src, RH_BLOCKWRITE_BLOCK);
			if (!rh_pwrite_all(w->fd, src, RH_BLOCKWRITE_BLOCK, w->base))
				return false;
			src += RH_BLOCKWRITE_BLOCK;
			len -= RH_BLOCKWRITE_BLOCK;
			w->base += RH_BLOCKWRITE_BLOCK;
			continue;
		}
		uint64_t n = RH_BLOCKWRITE_BLOCK - w->end;
		if (n > len)
			n = len;
		memcpy(w->buf + w->end, src, n);
		src += n;
		len -= n;
		w->end += n;
		if (w->end == RH_BLOCKWRITE_BLOCK) {
			if (!blockwrite_flush(w))
				return false;
			w->base += RH_BLOCKWRITE_BLOCK;
			w->end = 0;
		}
	}
	return true;
}

bool rh_blockwrite_finish(struct rh_blockwrite *w)
{
	bool ok = blockwrite_flush(w);
	int e = errno;
	rh_blockwrite_abort(w);
	errno = e;
	return ok;
}

void rh_blockwrite_abort(struct rh_blockwrite *w)
{
	free(w->buf);
	w->buf = NULL;
}

void rh_file_touch_pages(int fd, uint64_t off, uint64_t len)
{
	// Never past the end of the file: a page there would raise SIGBUS.
	struct stat st;
	if (fstat(fd, &st) < 0 || st.st_size < 0 || off >= (uint64_t)st.st_size)
		return;
	if (len > (uint64_t)st.st_size - off)
		len = (uint64_t)st.st_size - off;
	uint64_t lo = off & ~(uint64_t)4095;
	if (!len || len > SIZE_MAX - (off - lo))
		return;
	size_t size = (size_t)(len + (off - lo));
	void *m = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, (off_t)lo);
	if (m == MAP_FAILED)
		return;
#ifdef MADV_POPULATE_READ
	(void)madvise(m, size, MADV_POPULATE_READ);
#endif
	read_each_page(m, size);
	munmap(m, size);
}
