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
#include <stdlib.h>
#include <string.h>
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
