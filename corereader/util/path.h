/*
 * Paths a core names, opened on this machine under a --sysroot. An NT_FILE
 * name is untrusted ("/./../../../../etc/passwd"), and a sysroot holds
 * absolute symlinks meant for the machine it came from (lib64/ld-linux.so.2
 * -> /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2). Both must stay inside the
 * root, the way chroot(2) would resolve them.
 */
#ifndef RH_UTIL_PATH_H
#define RH_UTIL_PATH_H

#include <stddef.h>

/**
 * Resolve `path` as if `root` were "/": "." and ".." components (".." of
 * the root is the root), repeated slashes, and every symlink met on the
 * way (an absolute target restarts at root, a relative one continues from
 * the link's directory; at most 40 links, as the kernel's ELOOP limit).
 * Returns a malloc'd host path root + "/" + resolved (no symlink left in
 * it, unless one appears meanwhile), or NULL with errno set: ENOENT or
 * ENOTDIR when a directory on the way is missing or not one (the file
 * cannot exist), ELOOP, ENAMETOOLONG, ENOMEM. A missing last component is
 * not an error: the path names where the file would be.
 *
 * `root` is trusted (the user's --sysroot); relative `path` is taken from
 * the root as well.
 */
char *rh_path_in_root(const char *root, const char *path);

/*
 * A name the target recorded that already starts with root (gcore run on
 * the host against a process chrooted there records host paths): the rest
 * of it, from its '/', to be resolved inside root like any other name.
 * Else path itself.
 */
const char *rh_path_strip_root(const char *root, const char *path);

/**
 * Lexical normalisation of an absolute path, in place: "//" and "/./"
 * collapse, ".." removes the component before it and stops at "/". For
 * names used to build candidate paths (a debug directory + a mapped file's
 * directory) that must not climb out of that directory. A relative path
 * is made absolute ("/" prepended) if it fits in size. Returns path.
 */
char *rh_path_normalize(char *path, size_t size);

#endif /* RH_UTIL_PATH_H */
