/*
 * Resolving a path inside a root, as chroot(2) would (see path.h). Only
 * lstat(2) and readlink(2) are used: nothing is opened here, and no
 * symlink is followed by the kernel, so that a link pointing out of the
 * root ("/etc", "../../..") is reinterpreted inside it.
 */
#include "config.h"

#include "util/path.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The kernel's limit on symlinks in one lookup (MAXSYMLINKS, fs/namei.c). */
#define MAX_LINKS 40

char *rh_path_in_root(const char *root, const char *path)
{
	size_t rlen = strlen(root);
	while (rlen > 1 && root[rlen - 1] == '/')
		rlen--;
	if (rlen == 1 && root[0] == '/')
		rlen = 0;   // root "/": host paths as they are
	// out: root, then the resolved components, each as "/name".
	char *out = malloc(PATH_MAX);
	// pending: what remains to resolve; links are spliced in front of it.
	char *pending = malloc(PATH_MAX);
	char *link = malloc(PATH_MAX);
	if (!out || !pending || !link) {
		free(out);
		free(pending);
		free(link);
		errno = ENOMEM;
		return NULL;
	}
	if (rlen >= PATH_MAX || strlen(path) >= PATH_MAX) {
		errno = ENAMETOOLONG;
		goto fail;
	}
	memcpy(out, root, rlen);
	size_t olen = rlen;
	out[olen] = '\0';
	strcpy(pending, path);
	size_t pos = 0;
	int links = 0;
	bool missing = false;  // a component was absent: nothing below exists
	for (;;) {
		while (pending[pos] == '/')
			pos++;
		if (!pending[pos])
			break;
		size_t end = pos;
		while (pending[end] && pending[end] != '/')
			end++;
		size_t clen = end - pos;
		const char *comp = pending + pos;
		pos = end;
		if (clen == 1 && comp[0] == '.')
			continue;
		if (clen == 2 && comp[0] == '.' && comp[1] == '.') {
			if (missing) {
				// "missing/..": the kernel fails the lookup too
				errno = ENOENT;
				goto fail;
			}
			// up one, never above the root
			while (olen > rlen && out[olen - 1] != '/')
				olen--;
			if (olen > rlen)
				olen--;
			out[olen] = '\0';
			continue;
		}
		if (missing) {
			// "missing/x": no such file, as the kernel would say
			errno = ENOENT;
			goto fail;
		}
		if (olen + 1 + clen >= PATH_MAX) {
			errno = ENAMETOOLONG;
			goto fail;
		}
		size_t prev = olen;
		out[olen++] = '/';
		memcpy(out + olen, comp, clen);
		olen += clen;
		out[olen] = '\0';
		struct stat st;
		if (lstat(out, &st) < 0) {
			if (errno != ENOENT)
				goto fail;
			missing = true;
			continue;
		}
		bool last = true;
		for (size_t k = pos; pending[k]; k++)
			if (pending[k] != '/') {
				last = false;
				break;
			}
		if (S_ISLNK(st.st_mode)) {
			if (++links > MAX_LINKS) {
				errno = ELOOP;
				goto fail;
			}
			ssize_t n = readlink(out, link, PATH_MAX - 1);
			if (n < 0)
				goto fail;
			link[n] = '\0';
			size_t rest = strlen(pending + pos);
			if ((size_t)n + 1 + rest >= PATH_MAX) {
				errno = ENAMETOOLONG;
				goto fail;
			}
			// new pending = link + rest (rest starts with '/' or is empty)
			memmove(pending + n, pending + pos, rest + 1);
			memcpy(pending, link, (size_t)n);
			pos = 0;
			// the link's own name is replaced by its target; an
			// absolute target starts again at the root
			olen = link[0] == '/' ? rlen : prev;
			out[olen] = '\0';
			continue;
		}
		if (!last && !S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			goto fail;
		}
	}
	if (olen == 0) {
		out[olen++] = '/';
		out[olen] = '\0';
	}
	free(pending);
	free(link);
	return out;
fail:;
	int saved = errno;
	free(out);
	free(pending);
	free(link);
	errno = saved;
	return NULL;
}

char *rh_path_normalize(char *path, size_t size)
{
	if (path[0] != '/') {
		size_t n = strlen(path);
		if (n + 2 > size)
			return path;
		memmove(path + 1, path, n + 1);
		path[0] = '/';
	}
	// w: write position; components copied one by one after a '/'.
	size_t w = 0, r = 0;
	while (path[r]) {
		while (path[r] == '/')
			r++;
		if (!path[r])
			break;
		size_t e = r;
		while (path[e] && path[e] != '/')
			e++;
		size_t clen = e - r;
		if (clen == 1 && path[r] == '.') {
			// skip
		} else if (clen == 2 && path[r] == '.' && path[r + 1] == '.') {
			while (w > 0 && path[w - 1] != '/')
				w--;
			if (w > 0)
				w--;
		} else {
			path[w++] = '/';
			memmove(path + w, path + r, clen);
			w += clen;
		}
		r = e;
	}
	if (w == 0)
		path[w++] = '/';
	path[w] = '\0';
	return path;
}

/* Length of dir without trailing slashes when path lies under it, else 0. */
static size_t prefix_dir(const char *dir, const char *path)
{
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	return n > 1 && strncmp(path, dir, n) == 0 && path[n] == '/' ? n : 0;
}

const char *rh_path_strip_root(const char *root, const char *path)
{
	// The root as given, or as the file system spells it ("a/../b",
	// symlinks): the recorded name is the kernel's, fully resolved.
	size_t n = prefix_dir(root, path);
	if (!n) {
		char *real = realpath(root, NULL);
		n = real ? prefix_dir(real, path) : 0;
		free(real);
	}
	return path + n;
}
